/// <reference lib="webworker" />
/**
 * The app's feature stages, timed in a worker (where the app runs them) on synthetic data of the
 * issue's sizes, through the same functions the engine's jobs call:
 * - patch-similarity update: the worker's patchSimilarity job over 8 images of 32 x 32 patches,
 *   D = 384 (ViT-S at 448);
 * - joint PCA: the worker's PCA job (computePca, with the covariance fitter the worker makes: an
 *   onnxruntime Gemm session on WASM with the app's thread count) over the same 8 images, default
 *   settings and the foreground-only recipe (and, for comparison, the fit bounded to 2048 patches);
 * - kNN query: the search job's path (a rowMatrix's WebAssembly SIMD dot products, then topOf with
 *   its skip test) over 10,000 L2-normalised rows of 768, k = 10; and, side by side, the same
 *   query as a JavaScript loop (topK over a plain array).
 * With `gpu` set, only the stages with a WebGPU path: the patch-similarity update (our WGSL kernel
 * over tokens kept on the GPU, and the WASM loop) and the joint PCA (our covariance kernel over
 * rows kept on the GPU, the WASM session, and onnxruntime's Gemm on WebGPU), interleaved; the worker asks
 * the adapter for a device of its own, as the app's worker does for its kernels.
 * Tokens have a decaying low-rank structure plus noise, like real features (pure noise would give
 * the eigen-solver near-equal eigenvalues, which real features never have).
 */
import { normaliseRows, topK, topOf } from '../../features/knn';
import { rowMatrix } from '../../features/row-matrix';
import { makeStored, type StoredFeatures } from '../embed';
import { TokenMemory } from '../token-memory';
import { computePcaMapsAsync } from '../../features/pca-map';
import { CovarianceFitter } from '../covariance';
import { computePca } from '../pca-job';
import { loadOrt } from '../runtime';
import type { PcaSettings } from '../protocol';
import { patchSimilarity } from '../retrieval-job';
import { PatchSimilarityJob } from '../similarity-job';
import type { FeaturesConfig, FeaturesResult, GpuSimilarityResult } from './bench-protocol';
import { normals, serve } from './reply';

const IMAGES = 8;
const GRID = 32;
const DIM = 384;
const KNN_ROWS = 10_000;
const KNN_DIM = 768;
const K = 10;

/** [tokens, dim]: sum of `rank` random directions with decaying weights, plus noise. */
function structured(tokens: number, dim: number, seed: number, rank = 24): Float32Array {
  const basis = normals(rank * dim, 1000 + seed);
  const coef = normals(tokens * rank, 2000 + seed);
  const out = normals(tokens * dim, 3000 + seed, 0.3);
  for (let t = 0; t < tokens; t++) {
    for (let r = 0; r < rank; r++) {
      const w = coef[t * rank + r] / (1 + r);
      const b = r * dim;
      const o = t * dim;
      for (let j = 0; j < dim; j++) out[o + j] += w * basis[b + j];
    }
  }
  return out;
}

/** As the worker holds saved images: exact tokens in the working set, float16 copies made. */
function syntheticFeatures(memory: TokenMemory): Map<string, StoredFeatures> {
  const features = new Map<string, StoredFeatures>();
  const tokenCount = 1 + GRID * GRID;
  for (let i = 0; i < IMAGES; i++) {
    const tokens = structured(tokenCount, DIM, i);
    const f = makeStored(tokens, {
      tokenCount,
      dim: DIM,
      registers: 0,
      rows: GRID,
      cols: GRID,
      inputHeight: GRID * 14,
      inputWidth: GRID * 14,
      source: {
        file: new Blob(),
        fileName: `image-${i}.png`,
        preprocess: { mode: 'dense', resolution: GRID * 14, background: 'white' },
      },
    });
    memory.saved(f);
    features.set(`image-${i}`, f);
  }
  return features;
}

/**
 * A 1,000-image ViT-S collection at 448 px held as the worker holds saved images (float16 tokens,
 * descriptors, the bounded exact working set), its bytes counted from the objects themselves.
 */
function largeCollection(): FeaturesResult['collection'] {
  const images = 1000;
  const tokenCount = 1 + 32 * 32;
  const dim = 384;
  const memory = new TokenMemory(() => Promise.resolve(null));
  const base = normals(tokenCount * dim, 3);
  const all: StoredFeatures[] = [];
  for (let i = 0; i < images; i++) {
    const tokens = base.slice();
    for (let j = 0; j < dim; j++) tokens[j] += i; // a CLS of its own
    const f = makeStored(tokens, {
      tokenCount,
      dim,
      registers: 0,
      rows: 32,
      cols: 32,
      inputHeight: 448,
      inputWidth: 448,
      source: {
        file: new Blob(),
        fileName: `c-${i}.png`,
        preprocess: { mode: 'dense', resolution: 448, background: 'white' },
      },
    });
    memory.saved(f);
    all.push(f);
  }
  let bytes = memory.cacheBytes().decoded;
  for (const f of all) {
    bytes += f.cls.byteLength + f.mean.byteLength + (f.exact?.byteLength ?? 0);
    bytes += (f.compact?.half.byteLength ?? 0) + (f.compact?.norms.byteLength ?? 0);
  }
  return {
    images,
    tokenCount,
    dim,
    memoryBytes: bytes,
    exactHeld: all.filter((f) => f.exact).length,
  };
}

async function time(fn: () => unknown, cfg: FeaturesConfig): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < cfg.warmup + cfg.repeats; i++) {
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    if (i >= cfg.warmup) out.push(ms);
  }
  return out;
}

async function gpuSimilarity(
  cfg: FeaturesConfig,
  features: Map<string, StoredFeatures>,
  memory: TokenMemory,
): Promise<GpuSimilarityResult> {
  const adapter = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter in the worker');
  const device = await adapter.requestDevice();
  const info = adapter.info;
  const job = new PatchSimilarityJob();
  job.useDevice(device);
  const ids = [...features.keys()];
  let patch = 0;
  const request = () => {
    patch = (patch + 37) % (GRID * GRID);
    return { type: 'patchSimilarity' as const, imageId: ids[0], patch, targets: ids };
  };
  const gpuMs: number[] = [];
  const wasmMs: number[] = [];
  for (let i = 0; i < cfg.warmup + cfg.repeats; i++) {
    for (const path of ['gpu', 'wasm'] as const) {
      const t0 = performance.now();
      const { result } = await job.run(features, memory, request(), path);
      const ms = performance.now() - t0;
      if (result.path !== path) throw new Error(`the ${path} path did not run (${result.path})`);
      if (i >= cfg.warmup) (path === 'gpu' ? gpuMs : wasmMs).push(ms);
    }
  }
  // What the app's own measurement settles on for this workload (a fresh job, as after a load).
  const fresh = new PatchSimilarityJob();
  fresh.useDevice(device);
  for (let i = 0; i < 12; i++) await fresh.run(features, memory, request());
  const chosen = Object.values(fresh.status().choices)[0] ?? null;
  job.useDevice(null);
  fresh.useDevice(null);
  const pca = await gpuPca(cfg, features, device);
  device.destroy();
  return {
    adapter: [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' '),
    gpuMs,
    wasmMs,
    chosen,
    pca,
  };
}

/**
 * The joint PCA (default settings) with its covariance product by our WGSL kernel over rows kept
 * on the GPU, by the WASM session (the two the app measures for a WebGPU model) and by
 * onnxruntime's Gemm on WebGPU (the path before), interleaved; then what a fresh fitter picks.
 */
async function gpuPca(
  cfg: FeaturesConfig,
  features: Map<string, StoredFeatures>,
  device: GPUDevice,
): Promise<GpuSimilarityResult['pca']> {
  const images = [...features.values()].map((f) => ({
    patches: f.exact!.subarray(f.dim),
    rows: f.rows,
    cols: f.cols,
    key: f,
  }));
  const settings = { joint: true, foregroundOnly: false, threshold: 0.5, invert: 'auto' as const };
  const ort = await loadOrt('webgpu');
  // No deadlines here: the benchmark times the GPU however slow it is.
  const patient = { late: 600_000, first: 600_000 };
  // As the app's worker makes it for a WebGPU model: a WASM session and our kernel.
  const fitter = new CovarianceFitter(ort, 'wasm', patient);
  fitter.useDevice(device);
  // The path before: onnxruntime's Gemm on WebGPU.
  const gemm = new CovarianceFitter(ort, 'webgpu', patient);
  const times = { gpu: [] as number[], session: [] as number[], gemm: [] as number[] };
  for (let i = 0; i < cfg.warmup + cfg.repeats; i++) {
    for (const path of ['gpu', 'session', 'gemm'] as const) {
      const f = path === 'gemm' ? gemm : fitter;
      const force = path === 'gemm' ? 'session' : path;
      const t0 = performance.now();
      await computePcaMapsAsync(images, DIM, settings, (q) => f.fit(q, force));
      const ms = performance.now() - t0;
      if (f.lastPath !== force) throw new Error(`the ${path} path did not run`);
      if (i >= cfg.warmup) times[path].push(ms);
    }
  }
  await fitter.release();
  await gemm.release();
  const fresh = new CovarianceFitter(ort, 'wasm');
  fresh.useDevice(device);
  for (let i = 0; i < 8; i++) await computePcaMapsAsync(images, DIM, settings, fresh.fit);
  const chosen = Object.values(fresh.status().choices)[0] ?? null;
  await fresh.release();
  return { gpuMs: times.gpu, sessionMs: times.session, webgpuGemmMs: times.gemm, chosen };
}

serve<FeaturesConfig, FeaturesResult | GpuSimilarityResult>(async (cfg) => {
  const memory = new TokenMemory(() => Promise.resolve(null));
  const features = syntheticFeatures(memory);
  const ids = [...features.keys()];
  if (cfg.gpu) return gpuSimilarity(cfg, features, memory);

  let patch = 0;
  const patchSimMs = await time(() => {
    patch = (patch + 37) % (GRID * GRID);
    patchSimilarity(features, memory, {
      type: 'patchSimilarity',
      imageId: ids[0],
      patch,
      targets: ids,
    });
  }, cfg);

  const settings: PcaSettings = {
    joint: true,
    foregroundOnly: false,
    threshold: 0.5,
    invert: 'auto',
  };
  // As the worker does after loading a model: a covariance fitter on the model's backend.
  const fitter = new CovarianceFitter(await loadOrt('wasm'), 'wasm');
  const pcaMs = await time(
    () => computePca({ type: 'pca', imageIds: ids, ...settings }, features, memory, fitter),
    cfg,
  );
  const pcaFgMs = await time(
    () =>
      computePca(
        { type: 'pca', imageIds: ids, ...settings, foregroundOnly: true },
        features,
        memory,
        fitter,
      ),
    cfg,
  );
  // What a fit bounded to 2048 patches would cost (the option exists; the PCA job does not set it).
  const layoutPatches = ids.map((id) => {
    const f = features.get(id)!;
    return { patches: f.exact!.subarray(f.dim), rows: f.rows, cols: f.cols };
  });
  const pcaFit2048Ms = await time(
    () => computePcaMapsAsync(layoutPatches, DIM, { ...settings, maxFitRows: 2048 }, fitter.fit),
    cfg,
  );
  features.clear();

  const matrix = normaliseRows(structured(KNN_ROWS, KNN_DIM, 99, 32), KNN_ROWS, KNN_DIM);
  const queries = normaliseRows(normals(16 * KNN_DIM, 5), 16, KNN_DIM);
  const rows = rowMatrix(KNN_ROWS, KNN_DIM);
  rows.data.set(matrix);
  let q = 0;
  const query = () => {
    const at = (q % 16) * KNN_DIM;
    const skip = new Set([q++]);
    return { query: queries.subarray(at, at + KNN_DIM), skip: (i: number) => skip.has(i) };
  };
  const knnMs = await time(() => {
    const { query: v, skip } = query();
    topOf(rows.dots(v), K, skip);
  }, cfg);
  const knnJsMs = await time(() => {
    const { query: v, skip } = query();
    topK(matrix, KNN_ROWS, KNN_DIM, v, K, skip);
  }, cfg);

  await fitter.release();
  const collection = largeCollection();
  return {
    collection,
    knnMs,
    knnJsMs,
    knnSimd: rows.simd,
    patchSimMs,
    pcaMs,
    pcaFgMs,
    pcaFit2048Ms,
    pcaUsedSession: fitter.sessionFits > 0,
  };
});
