#!/usr/bin/env node
/**
 * The app's engine timed on a real GPU without a browser (src/engine/bench/gpu-node.ts): Node,
 * dawn.node as WebGPU, onnxruntime-web's WebGPU build. For a GPU server, where Chromium finds no
 * GPU adapter. It needs the `webgpu` package, which is not a dependency (about 50 MB, for
 * this alone):
 *
 *   npm install --no-save webgpu@0.6.2
 *   node scripts/bench/gpu-node.mjs [--models dinov2-s,dinov2-b] [--res 224,448] [--repeats 20]
 *
 * writes bench/out/gpu-node.json. `--pack DIR` instead builds a folder that runs on another x86-64
 * Linux machine with only `node` (and a Vulkan driver): `node DIR/gpu-node.js --out result.json`,
 * run from inside DIR.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'vite';

const ROOT = path.resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const packAt = args.indexOf('--pack');
const pack = packAt >= 0 ? path.resolve(args[packAt + 1]) : null;
const passed = packAt >= 0 ? args.filter((_, i) => i !== packAt && i !== packAt + 1) : args;
const outDir = pack ?? path.join(ROOT, 'bench/out/gpu-node');

await build({
  configFile: false,
  root: ROOT,
  logLevel: 'warn',
  publicDir: false,
  // Bundled: our code and fast-png (with what it imports). Left to Node: onnxruntime-web (it finds
  // its .wasm files beside its own module) and webgpu (a native module).
  ssr: { noExternal: true },
  build: {
    ssr: path.join(ROOT, 'src/engine/bench/gpu-node.ts'),
    outDir,
    emptyOutDir: false,
    target: 'node20',
    rollupOptions: { external: [/^onnxruntime-web/, /^webgpu/], output: { format: 'es' } },
  },
});

if (pack) {
  // What the bundle needs at run time, as a node_modules of its own.
  const copy = (from, to = from) => {
    fs.mkdirSync(path.dirname(path.join(pack, to)), { recursive: true });
    fs.cpSync(path.join(ROOT, from), path.join(pack, to), { recursive: true });
  };
  const ort = 'node_modules/onnxruntime-web';
  copy(`${ort}/package.json`);
  for (const f of [
    'ort.webgpu.bundle.min.mjs',
    'ort.wasm.bundle.min.mjs',
    // In Node the bundles import these loaders instead of their inlined copies.
    'ort-wasm-simd-threaded.asyncify.mjs',
    'ort-wasm-simd-threaded.asyncify.wasm',
    'ort-wasm-simd-threaded.mjs',
    'ort-wasm-simd-threaded.wasm',
  ]) {
    copy(`${ort}/dist/${f}`);
  }
  const webgpu = 'node_modules/webgpu';
  if (!fs.existsSync(path.join(ROOT, webgpu, 'index.js'))) {
    throw new Error('node_modules/webgpu is missing: npm install --no-save webgpu@0.6.2');
  }
  copy(`${webgpu}/package.json`);
  copy(`${webgpu}/index.js`);
  copy(`${webgpu}/dist/linux-x64/dawn.node`);
  fs.writeFileSync(path.join(pack, 'package.json'), '{ "type": "module" }\n');
  copy('bench/skeletons');
  copy('public/samples/astronaut.png');
  console.log(`packed into ${pack}: cd there, then node gpu-node.js --out result.json`);
} else {
  const run = spawnSync(process.execPath, [path.join(outDir, 'gpu-node.js'), ...passed], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  process.exit(run.status ?? 1);
}
