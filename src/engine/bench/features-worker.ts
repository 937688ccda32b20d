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
 * With `gpu` set, only the stages with a WebGPU path (gpu-stages.ts).
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
import type { FeaturesConfig, FeaturesResult, GpuSimilarityResult } from './bench-protocol';
import { DIM, GRID, gpuStages, structured, syntheticFeatures } from './gpu-stages';
import { normals, serve } from './reply';

const KNN_ROWS = 10_000;
const KNN_DIM = 768;
const K = 10;

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

serve<FeaturesConfig, FeaturesResult | GpuSimilarityResult>(async (cfg) => {
  const memory = new TokenMemory(() => Promise.resolve(null));
  const features = syntheticFeatures(memory);
  const ids = [...features.keys()];
  if (cfg.gpu) return gpuStages(cfg, features, memory);

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
