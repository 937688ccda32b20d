/**
 * The feature stages with a WebGPU path, timed through the app's jobs on synthetic data of the
 * issue's sizes (8 images of 32 x 32 patches, D = 384: ViT-S at 448):
 * - the patch-similarity update: our WGSL kernel over tokens kept on the GPU, and the WASM loop;
 * - the joint PCA: our covariance kernel over rows kept on the GPU, the WASM session, and
 *   onnxruntime's Gemm on WebGPU;
 * interleaved, with what the app's own measurement picks, and how far the GPU's answers are from
 * the CPU's. Used by the bench's features worker (in Chromium) and by the Node run on a GPU
 * (gpu-node.ts); a device of its own is asked of the adapter, as the app's worker does for its
 * kernels. Tokens have a decaying low-rank structure plus noise, like real features (pure noise
 * would give the eigen-solver near-equal eigenvalues, which real features never have).
 */
import { computePcaMapsAsync, type PcaMaps } from '../../features/pca-map';
import { CovarianceFitter } from '../covariance';
import { makeStored, type StoredFeatures } from '../embed';
import { loadOrt } from '../runtime';
import { PatchSimilarityJob } from '../similarity-job';
import type { TokenMemory } from '../token-memory';
import type { GpuSimilarityResult, Repeats } from './bench-protocol';
import { normals } from './reply';

export const IMAGES = 8;
export const GRID = 32;
export const DIM = 384;

/** [tokens, dim]: sum of `rank` random directions with decaying weights, plus noise. */
export function structured(tokens: number, dim: number, seed: number, rank = 24): Float32Array {
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
export function syntheticFeatures(memory: TokenMemory): Map<string, StoredFeatures> {
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

export async function gpuStages(
  cfg: Repeats,
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
  let maxDiff = 0;
  for (let i = 0; i < cfg.warmup + cfg.repeats; i++) {
    const req = request();
    const maps: Float32Array[][] = [];
    for (const path of ['gpu', 'wasm'] as const) {
      const t0 = performance.now();
      const { result } = await job.run(features, memory, req, path);
      const ms = performance.now() - t0;
      if (result.path !== path) throw new Error(`the ${path} path did not run (${result.path})`);
      if (i >= cfg.warmup) (path === 'gpu' ? gpuMs : wasmMs).push(ms);
      maps.push(result.maps.map((m) => m.values));
    }
    // The same request on both paths: the same cosines, to float32 rounding.
    maps[0].forEach((g, m) => (maxDiff = Math.max(maxDiff, largestDifference(g, maps[1][m]))));
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
    maxDiff,
    chosen,
    pca,
  };
}

/** The largest absolute difference of two equally long arrays (Infinity when they are not). */
export function largestDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/**
 * The joint PCA (default settings) with its covariance product by our WGSL kernel over rows kept
 * on the GPU, by the WASM session (the two the app measures for a WebGPU model) and by
 * onnxruntime's Gemm on WebGPU (the path before), interleaved; then what a fresh fitter picks.
 */
async function gpuPca(
  cfg: Repeats,
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
  let maxDiff = 0;
  for (let i = 0; i < cfg.warmup + cfg.repeats; i++) {
    const colours: PcaMaps[] = [];
    for (const path of ['gpu', 'session', 'gemm'] as const) {
      const f = path === 'gemm' ? gemm : fitter;
      const force = path === 'gemm' ? 'session' : path;
      const t0 = performance.now();
      colours.push(await computePcaMapsAsync(images, DIM, settings, (q) => f.fit(q, force)));
      const ms = performance.now() - t0;
      if (f.lastPath !== force) throw new Error(`the ${path} path did not run`);
      if (i >= cfg.warmup) times[path].push(ms);
    }
    // Our kernel's maps against the WASM session's (float32 products both; colours in [0, 1]).
    colours[0].maps.forEach(
      (m, j) =>
        (maxDiff = Math.max(maxDiff, largestDifference(m.colours, colours[1].maps[j].colours))),
    );
  }
  await fitter.release();
  await gemm.release();
  const fresh = new CovarianceFitter(ort, 'wasm');
  fresh.useDevice(device);
  for (let i = 0; i < 8; i++) await computePcaMapsAsync(images, DIM, settings, fresh.fit);
  const chosen = Object.values(fresh.status().choices)[0] ?? null;
  await fresh.release();
  return {
    gpuMs: times.gpu,
    sessionMs: times.session,
    webgpuGemmMs: times.gemm,
    maxDiff,
    chosen,
  };
}
