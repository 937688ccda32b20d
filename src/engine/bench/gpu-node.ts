/**
 * The app's engine on a real GPU, without a browser: Node with dawn.node (the `webgpu` package:
 * Dawn, the WebGPU implementation inside Chromium, in-process) as `navigator.gpu`, and
 * onnxruntime-web's WebGPU build (the WebAssembly the app loads). For machines that have a GPU but
 * no desktop browser, such as a GPU server: the bench proper drives Chromium, which on such a
 * machine has no GPU adapter. Built and run by scripts/bench/gpu-node.mjs.
 *
 * Per model and resolution, interleaved: the app's path for one image after decoding (its
 * preprocessing, LoadedModel.run with the sized session it uses for a repeated size, the token
 * checks, and the single-image PCA maps through the covariance fitter the app's worker makes for a
 * WebGPU model, our kernel measured against the WASM session) and the bare session.run on a
 * prepared tensor; the tokens are checked against a WASM session. Then the feature stages with a
 * WebGPU path (gpu-stages.ts). Decoding is left out: it is the browser's (the browser bench times
 * it). Not the browser's numbers either way: Chromium puts a process boundary between a page and
 * its GPU, which this run does not have. onnxruntime-web runs one WASM thread here (threads need a
 * browser's cross-origin isolation), which the WASM session's PCA times reflect.
 * `--no-kernels` leaves our WGSL kernels out of the app path (the CPU paths only).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decode as decodePng } from 'fast-png';
import { materialize } from '../../../scripts/bench/materialize.mjs';
import { median, ratio, round } from '../../../scripts/bench/stats.mjs';
import { inspectModel } from '../../model/inspect';
import { CovarianceFitter } from '../covariance';
import { embedInput, prepareImage, type StoredFeatures } from '../embed';
import { computePca } from '../pca-job';
import type { BackendReport, EmbedRequest, PcaSettings } from '../protocol';
import { withOrt } from '../ort-lock';
import { replayRunner } from '../graph-replay';
import { loadOrt } from '../runtime';
import { createSession, LoadedModel, runTokens, sizeOverrides, type ModelBytes } from '../session';
import { TokenMemory } from '../token-memory';
import { gpuStages, largestDifference, syntheticFeatures } from './gpu-stages';
import { normals } from './reply';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};

/** `navigator.gpu` from dawn.node, with what onnxruntime-web needs of a browser around it. */
async function installWebGpu(): Promise<GPU> {
  const dawn = (await import(/* @vite-ignore */ opt('webgpu', 'webgpu'))) as {
    create(flags: string[]): GPU;
    globals: Record<string, unknown>;
  };
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu, hardwareConcurrency: 1, userAgent: 'node' },
    configurable: true,
  });
  // onnxruntime-web writes from its WebAssembly heap, a SharedArrayBuffer; Chromium takes such a
  // view, dawn.node refuses it ("Invalid argument"). A copy of the written range does.
  const queue = (globalThis as unknown as { GPUQueue: { prototype: GPUQueue } }).GPUQueue.prototype;
  const write = queue.writeBuffer;
  queue.writeBuffer = function (buffer, offset, data, dataOffset = 0, size?: number) {
    const view = ArrayBuffer.isView(data) ? data : null;
    if (!view || !(view.buffer instanceof SharedArrayBuffer)) {
      return write.call(this, buffer, offset, data, dataOffset, size);
    }
    const unit = 'BYTES_PER_ELEMENT' in view ? (view.BYTES_PER_ELEMENT as number) : 1;
    const start = view.byteOffset + dataOffset * unit;
    const bytes = size === undefined ? view.byteLength - dataOffset * unit : size * unit;
    const copy = new Uint8Array(bytes);
    copy.set(new Uint8Array(view.buffer, start, bytes));
    return write.call(this, buffer, offset, copy, 0, bytes);
  };
  return gpu;
}

interface CaseResult {
  model: string;
  resolution: number;
  tokens: number;
  dim: number;
  /** Medians (ms) of the app's stages after decoding, and of their sum. */
  app: {
    preprocess_ms: number | null;
    inference_ms: number | null;
    pca_ms: number | null;
    total_ms: number | null;
  };
  /** Where the PCA's covariance ran, per run of the app path (warm-ups included). */
  pca_paths: Record<string, number>;
  bare_run_ms: number | null;
  /**
   * The same run with onnxruntime's graph capture (`enableGraphCapture`: the first run's GPU work
   * recorded, later runs replay it): the input written into a GPU buffer the session reads, the
   * output left on the GPU and then read back. Null where the session could not be made.
   */
  captured_run_ms: number | null;
  /** Largest token difference between the captured run and the bare one. */
  captured_max_abs_diff: number | null;
  /** The app's path against the captured run: the floor the app runs on once it replays. */
  overhead_ratio_vs_captured: number | null;
  /** How many of the app's runs replayed a captured graph (warm-ups included). */
  app_replays: number;
  overhead_ratio: number | null;
  /** Largest token difference between the WebGPU and the WASM session on the same input. */
  max_abs_diff_vs_wasm: number;
}

async function runCase(
  modelDir: string,
  name: string,
  resolution: number,
  rgba: { data: Uint8ClampedArray; width: number; height: number },
  repeats: { warmup: number; repeats: number },
  device: GPUDevice | null,
): Promise<CaseResult> {
  const model = new Uint8Array(fs.readFileSync(path.join(modelDir, 'model.onnx')));
  const dataFile = path.join(modelDir, 'model.onnx_data');
  const bytes: ModelBytes = {
    model,
    externalData: fs.existsSync(dataFile)
      ? [{ path: 'model.onnx_data', data: new Uint8Array(fs.readFileSync(dataFile)) }]
      : [],
  };
  const info = inspectModel(model, 'model.onnx');
  const ort = await loadOrt('webgpu');
  const session = await createSession(ort, bytes, 'webgpu', 'model.onnx');
  const report: BackendReport = {
    backend: 'webgpu',
    requested: 'webgpu',
    notices: [],
    threads: 0,
    sizedSessions: true,
    shaderF16: null,
    check: null,
    variant: 'fp32',
  };
  const loaded = new LoadedModel(ort, info, bytes, session, 'webgpu', report);
  // As the worker makes it for a WebGPU model: the WASM session, measured against our kernel.
  const fitter = new CovarianceFitter(ort, 'wasm');
  if (device) fitter.useDevice(device);
  const memory = new TokenMemory(() => Promise.resolve(null));
  const features = new Map<string, StoredFeatures>();
  const preprocess = { mode: 'dense' as const, resolution, background: 'white' as const };
  const settings: PcaSettings = {
    joint: false,
    foregroundOnly: false,
    threshold: 0.5,
    invert: 'auto',
  };
  const decoded = {
    rgba: rgba.data,
    bgr: false,
    width: rgba.width,
    height: rgba.height,
    notes: {
      originalWidth: rgba.width,
      originalHeight: rgba.height,
      width: rgba.width,
      height: rgba.height,
      capped: false,
      hadAlpha: false,
      grayscale: false,
    },
  };
  const patch = info.patchSize;
  const probe = prepareImage(decoded, preprocess, patch);
  // The bare floor: a session fixed to the size (as the app runs a repeated size), a tensor made once.
  const overrides = sizeOverrides(info, probe.height, probe.width);
  const bare = await createSession(ort, bytes, 'webgpu', 'model.onnx', overrides ?? undefined);
  const input = new ort.Tensor('float32', normals(probe.data.length, 7), [
    1,
    3,
    probe.height,
    probe.width,
  ]);
  const times = {
    pre: [] as number[],
    inf: [] as number[],
    pca: [] as number[],
    bare: [] as number[],
    captured: [] as number[],
  };
  // The same with graph capture: the runner the app's sized session uses on WebGPU.
  const capture = overrides
    ? await replayRunner(ort, bytes, info, overrides, probe.height, probe.width).catch(
        (e: unknown) => {
          console.log(`no graph-captured session: ${(e as Error).message}`);
          return null;
        },
      )
    : null;
  let capturedDiff: number | null = null;
  let replays = 0;
  const total: number[] = [];
  const paths: Record<string, number> = {};
  let last: StoredFeatures | null = null;
  let tokens = 0;
  let dim = 0;
  for (let i = 0; i < repeats.warmup + repeats.repeats; i++) {
    const t0 = performance.now();
    const prepared = prepareImage(decoded, preprocess, patch);
    const t1 = performance.now();
    const req: EmbedRequest = {
      type: 'embed',
      imageId: `image-${i}`,
      file: new Blob(),
      fileName: 'astronaut.png',
      preprocess,
    };
    const { stored, result } = await embedInput(loaded, prepared, req, {
      decodeMs: 0,
      preprocessMs: 0,
    });
    if (result.graphReplay) replays++;
    const t2 = performance.now();
    features.set(req.imageId, stored);
    await computePca(
      { type: 'pca', imageIds: [req.imageId], ...settings },
      features,
      memory,
      fitter,
    );
    const t3 = performance.now();
    paths[fitter.lastPath] = (paths[fitter.lastPath] ?? 0) + 1;
    // As the worker drops an image's tokens: the last one's rows leave the GPU.
    if (last) {
      fitter.forget(last);
      memory.release(last);
    }
    features.clear();
    last = stored;
    tokens = stored.tokenCount;
    dim = stored.dim;
    const b0 = performance.now();
    // Through the app's onnxruntime lock: the model may be making its sized session meanwhile, and
    // onnxruntime-web calls must never interleave.
    const run = await withOrt(() => bare.run({ [info.input.name]: input }, [info.tokens.name]));
    const out = run[info.tokens.name];
    const bareTokens = (out.data as Float32Array).slice();
    const b1 = performance.now();
    out.dispose();
    if (capture) {
      const c0 = performance.now();
      const { data: got } = await capture.run(input.data as Float32Array);
      if (i >= repeats.warmup) times.captured.push(performance.now() - c0);
      capturedDiff = Math.max(capturedDiff ?? 0, largestDifference(got, bareTokens));
    }
    if (i >= repeats.warmup) {
      times.pre.push(t1 - t0);
      times.inf.push(t2 - t1);
      times.pca.push(t3 - t2);
      total.push(t3 - t0);
      times.bare.push(b1 - b0);
    }
  }
  // The same input through a WASM session: the WebGPU tokens must be the same model's.
  const wasmOrt = await loadOrt('wasm');
  const wasm = await createSession(wasmOrt, bytes, 'wasm', 'model.onnx');
  const a = await runTokens(ort, bare, info, probe.data, probe.height, probe.width);
  const b = await runTokens(wasmOrt, wasm, info, probe.data, probe.height, probe.width);
  let diff = a.data.length === b.data.length ? 0 : Infinity;
  for (let i = 0; i < a.data.length && diff < Infinity; i++) {
    diff = Math.max(diff, Math.abs(a.data[i] - b.data[i]));
  }
  await withOrt(() => wasm.release());
  await withOrt(() => bare.release());
  await capture?.release();
  await loaded.dispose();
  await fitter.release();
  const app = {
    preprocess_ms: round(median(times.pre)),
    inference_ms: round(median(times.inf)),
    pca_ms: round(median(times.pca)),
    total_ms: round(median(total)),
  };
  const captured = capture ? median(times.captured) : null;
  return {
    model: name,
    resolution,
    tokens,
    dim,
    app,
    pca_paths: paths,
    bare_run_ms: round(median(times.bare)),
    captured_run_ms: round(captured),
    captured_max_abs_diff: capturedDiff,
    overhead_ratio_vs_captured: ratio(median(total), captured),
    app_replays: replays,
    overhead_ratio: ratio(median(total), median(times.bare)),
    max_abs_diff_vs_wasm: diff,
  };
}

async function main(): Promise<void> {
  const gpu = await installWebGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('dawn.node found no GPU adapter (is a Vulkan driver installed?)');
  const info = adapter.info;
  const adapterName = [info.vendor, info.architecture, info.device, info.description]
    .filter(Boolean)
    .join(' ');
  console.log(`adapter: ${adapterName}`);
  const skeletons = opt('skeletons', 'bench/skeletons');
  const modelsDir = opt('models-dir', 'bench/out/models');
  const repeats = { warmup: Number(opt('warmup', '5')), repeats: Number(opt('repeats', '20')) };
  const png = decodePng(fs.readFileSync(opt('image', 'public/samples/astronaut.png')));
  if (png.depth !== 8 || png.channels < 3) throw new Error('the image must be 8-bit RGB or RGBA');
  const rgbaData = new Uint8ClampedArray(png.width * png.height * 4);
  for (let i = 0; i < png.width * png.height; i++) {
    for (let c = 0; c < 3; c++) rgbaData[i * 4 + c] = png.data[i * png.channels + c];
    rgbaData[i * 4 + 3] = 255;
  }
  const rgba = { data: rgbaData, width: png.width, height: png.height };
  // Our kernels' own device, as the app's worker asks for one.
  const device = await adapter.requestDevice();
  const cases: CaseResult[] = [];
  const names: Record<string, string> = { 'dinov2-s': 'ViT-S/14', 'dinov2-b': 'ViT-B/14' };
  for (const id of opt('models', 'dinov2-s,dinov2-b').split(',')) {
    const dir = path.join(modelsDir, id);
    // A skeleton gets seeded weights; a folder that already holds a model.onnx is used as it is.
    if (fs.existsSync(path.join(skeletons, id))) {
      materialize(path.join(skeletons, id), dir, { seed: 1 });
    }
    for (const res of opt('res', '224,448').split(',').map(Number)) {
      const r = await runCase(
        dir,
        names[id] ?? id,
        res,
        rgba,
        repeats,
        args.includes('--no-kernels') ? null : device,
      );
      console.log(
        `${r.model} ${res}: app ${r.app.total_ms} ms (preprocess ${r.app.preprocess_ms}, ` +
          `inference ${r.app.inference_ms}, PCA ${r.app.pca_ms}), bare ${r.bare_run_ms} ms, ` +
          `ratio ${r.overhead_ratio}, vs WASM ${r.max_abs_diff_vs_wasm.toExponential(1)}, ` +
          `captured ${r.captured_run_ms ?? '-'} ms (vs bare ${r.captured_max_abs_diff ?? '-'}), ` +
          `app replays ${r.app_replays}, ratio vs captured ${r.overhead_ratio_vs_captured ?? '-'}`,
      );
      cases.push(r);
    }
  }
  const memory = new TokenMemory(() => Promise.resolve(null));
  const stages = await gpuStages(repeats, syntheticFeatures(memory), memory);
  const summary = {
    patch_similarity: {
      gpu_ms: round(median(stages.gpuMs)),
      wasm_ms: round(median(stages.wasmMs)),
      max_cosine_difference: stages.maxDiff,
      chosen: stages.chosen,
    },
    pca_joint: {
      gpu_ms: round(median(stages.pca.gpuMs)),
      wasm_session_ms: round(median(stages.pca.sessionMs)),
      webgpu_gemm_ms: round(median(stages.pca.webgpuGemmMs)),
      max_colour_difference: stages.pca.maxDiff,
      chosen: stages.pca.chosen,
    },
  };
  console.log(JSON.stringify(summary));
  const result = {
    date: new Date().toISOString(),
    adapter: adapterName,
    features: [...adapter.features].sort(),
    node: process.version,
    cpu: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
    repeats,
    cases,
    feature_stages: summary,
  };
  const out = opt('out', 'bench/out/gpu-node.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`wrote ${out}`);
  device.destroy();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
