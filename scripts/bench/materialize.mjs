#!/usr/bin/env node
/**
 * Makes a runnable DINOv2 export from a weightless skeleton: the skeleton's graph (unchanged) as
 * `model.onnx` and its external-data file filled with seeded random weights. The graph is real
 * (ViT-S/B shapes, every op), so it runs exactly as a released checkpoint would; only the numbers
 * are meaningless. Same skeleton and seed, same bytes; a finished folder is reused.
 *
 *   node scripts/bench/materialize.mjs <skeleton-dir> <out-dir> [--seed N]
 *
 * A skeleton folder holds `skeleton.onnx`, `weights.json` ({ data_file, total_bytes, tensors:
 * [{ name, dims, offset, length }] }) and `config.json`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const VERSION = 1;

/** A 32-bit FNV-1a hash of a string, to give every tensor its own stream. */
export function hash32(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** xoshiro128** seeded through splitmix32: uniform floats in (0, 1). */
export function uniformStream(seed) {
  let x = seed >>> 0;
  const split = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split() | 1;
  let b = split();
  let c = split();
  let d = split();
  return () => {
    const r = Math.imul(((Math.imul(b, 5) << 7) | (Math.imul(b, 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    return (r + 0.5) / 4294967296;
  };
}

/** Fills `out` with normal values (Box-Muller). */
export function fillNormal(out, mean, std, rand) {
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(rand()));
    const th = 2 * Math.PI * rand();
    out[i] = mean + std * r * Math.cos(th);
    if (i + 1 < out.length) out[i + 1] = mean + std * r * Math.sin(th);
  }
  return out;
}

/** Norm scales and layer-scale factors start near 1, everything else near 0 (std 0.02). */
export function isScale(name) {
  return /(norm\d?|layernorm)\.weight$|lambda1$|layer_scale/.test(name);
}

/** The values of one tensor, from the seed and the tensor's name only (order-independent). */
export function tensorValues(t, seed) {
  const values = new Float32Array(t.length / 4);
  return fillNormal(values, isScale(t.name) ? 1 : 0, 0.02, uniformStream(hash32(t.name) ^ seed));
}

function digest(files) {
  const h = crypto.createHash('sha256');
  for (const f of files) h.update(fs.readFileSync(f));
  return h.digest('hex');
}

/**
 * Writes `<outDir>/model.onnx` and the data file the graph names. Returns the paths; `reused` is
 * true when the folder already held this skeleton's weights for this seed.
 */
export function materialize(skeletonDir, outDir, { seed = 1 } = {}) {
  const graph = path.join(skeletonDir, 'skeleton.onnx');
  const specFile = path.join(skeletonDir, 'weights.json');
  for (const f of [graph, specFile]) {
    if (!fs.existsSync(f)) throw new Error(`Skeleton file missing: ${f}`);
  }
  const spec = JSON.parse(fs.readFileSync(specFile, 'utf8'));
  const stamp = { version: VERSION, seed, skeleton: digest([graph, specFile]) };
  const stampFile = path.join(outDir, 'materialized.json');
  const model = path.join(outDir, 'model.onnx');
  const data = path.join(outDir, spec.data_file);
  const result = { model, data, weightBytes: spec.total_bytes, reused: false };
  try {
    const old = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    if (
      JSON.stringify(old) === JSON.stringify(stamp) &&
      fs.existsSync(model) &&
      fs.statSync(data).size === spec.total_bytes
    ) {
      return { ...result, reused: true };
    }
  } catch {
    // No stamp yet: make it.
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.rmSync(stampFile, { force: true });
  fs.copyFileSync(graph, model);
  const config = path.join(skeletonDir, 'config.json');
  if (fs.existsSync(config)) fs.copyFileSync(config, path.join(outDir, 'config.json'));
  const fd = fs.openSync(data, 'w');
  try {
    fs.ftruncateSync(fd, spec.total_bytes);
    for (const t of spec.tensors) {
      const v = tensorValues(t, seed);
      fs.writeSync(fd, new Uint8Array(v.buffer), 0, t.length, t.offset);
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.writeFileSync(stampFile, JSON.stringify(stamp));
  return result;
}

// Run as a command only (not when bundled into another script, whose URL this then is).
if (
  process.argv[1] &&
  path.basename(process.argv[1]) === 'materialize.mjs' &&
  import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href
) {
  const [src, dst, ...rest] = process.argv.slice(2);
  if (!src || !dst) {
    console.error('usage: materialize.mjs <skeleton-dir> <out-dir> [--seed N]');
    process.exit(2);
  }
  const i = rest.indexOf('--seed');
  const r = materialize(src, dst, { seed: i >= 0 ? Number(rest[i + 1]) : 1 });
  console.log(`${dst}: ${r.weightBytes} bytes of weights${r.reused ? ' (reused)' : ''}`);
}
