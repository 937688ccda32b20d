#!/usr/bin/env node
// npm run models:fetch -- <catalogue id> <variant>
// Downloads a public DINOv2 export into models/<id>/ so the dev server and the static build serve
// it from the same origin. Needs internet access.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The catalogue lives in TypeScript for the app; read its facts without a TS toolchain.
const catalogSrc = fs.readFileSync(path.join(root, 'src/model/catalog.ts'), 'utf8');
const ids = [...catalogSrc.matchAll(/id: '(dinov2[^']*)', repo: '([^']+)'/g)].map((m) => ({
  id: m[1],
  repo: m[2],
}));
const files = {
  fp32: 'model.onnx',
  fp16: 'model_fp16.onnx',
  int8: 'model_quantized.onnx',
  q4f16: 'model_q4f16.onnx',
};

const [id, variant = 'fp32'] = process.argv.slice(2);
const entry = ids.find((e) => e.id === id);
if (!entry || !files[variant]) {
  console.error(`usage: npm run models:fetch -- <id> <variant>
  ids:      ${ids.map((e) => e.id).join(', ')}
  variants: ${Object.keys(files).join(', ')}`);
  process.exit(2);
}

const base = `https://huggingface.co/${entry.repo}/resolve/main`;
const outDir = path.join(root, 'models', id);
fs.mkdirSync(outDir, { recursive: true });

async function fetchTo(url, dest, optional = false) {
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    console.error(`Could not reach ${new URL(url).host} (${e.cause?.code ?? e.message}).
models:fetch needs internet access. Without it, copy an export into models/<name>/ by hand
(see models/README.md).`);
    process.exit(1);
  }
  if (res.status === 404 && optional) return false;
  if (!res.ok) {
    console.error(`${url}: HTTP ${res.status}`);
    process.exit(1);
  }
  const total = Number(res.headers.get('content-length')) || 0;
  const tmp = `${dest}.part`;
  const out = fs.createWriteStream(tmp);
  let loaded = 0;
  for await (const chunk of res.body) {
    out.write(chunk);
    loaded += chunk.length;
    if (process.stdout.isTTY) {
      process.stdout.write(
        `\r${path.basename(dest)}: ${(loaded / 1e6).toFixed(1)}${total ? ` / ${(total / 1e6).toFixed(1)}` : ''} MB`,
      );
    }
  }
  await new Promise((r) => out.end(r));
  fs.renameSync(tmp, dest); // a broken download never leaves a file that looks complete
  console.log(`\n${dest}`);
  return true;
}

const file = files[variant];
await fetchTo(`${base}/config.json`, path.join(outDir, 'config.json'), true);
await fetchTo(`${base}/onnx/${file}`, path.join(outDir, file));
// Large exports keep their weights beside the graph.
await fetchTo(`${base}/onnx/${file}_data`, path.join(outDir, `${file}_data`), true);
console.log(
  `Done. Start the app (npm run dev) and pick "${id}/${file}" under "This site's models".`,
);
