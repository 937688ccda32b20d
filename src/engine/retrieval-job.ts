/**
 * Retrieval over the features the worker holds: image search (exact cosine kNN over CLS, mean
 * patch or both), region search, patch similarity maps and best-buddy correspondences. Only small
 * results leave the worker; the token matrices stay here.
 */
import { bestBuddies } from '../features/best-buddies';
import { topOf } from '../features/knn';
import { classifyLeaveOneOut, type Neighbours } from '../features/knn-classify';
import { cosineToRows, regionMatch, type PatchSet } from '../features/patch-similarity';
import { computePcaMaps } from '../features/pca-map';
import { rowMatrix, type RowMatrix } from '../features/row-matrix';
import { patchTokens, tokenLayout } from '../features/tokens';
import { encodeNpy } from '../lib/npy';
import { ExplorerError } from '../lib/errors';
import type { StoredFeatures } from './embed';
import type { TokenMemory } from './token-memory';
import type {
  CorrespondRequest,
  CorrespondResult,
  Descriptor,
  IndexExportRequest,
  IndexExportResult,
  KnnClassifyRequest,
  KnnClassifyResult,
  PatchSimilarityRequest,
  PatchSimilarityResult,
  RegionSearchRequest,
  RegionSearchResult,
  SearchRequest,
  SearchResult,
} from './protocol';

type Features = Map<string, StoredFeatures>;
type Job<R> = { result: R; transfer: Transferable[] };

function need(features: Features, id: string): StoredFeatures {
  const f = features.get(id);
  if (!f) {
    throw new ExplorerError(
      'no-model',
      'This image has no features yet; wait for it to be indexed.',
    );
  }
  return f;
}

/** An image's patches for similarity: its float16 tokens, decoded (see TokenMemory). */
export function patchSet(memory: TokenMemory, f: StoredFeatures): PatchSet {
  const start = 1 + f.registers;
  const { tokens, norms } = memory.approx(f);
  return { tokens, norms, d: f.dim, start, count: f.rows * f.cols };
}

/**
 * The descriptor matrix of every image, rebuilt only when the set of features changes (a query
 * is then a single WebAssembly SIMD pass over contiguous memory: see rowMatrix).
 */
export class DescriptorIndex {
  private cache = new Map<Descriptor, { ids: string[]; dim: number; matrix: RowMatrix }>();
  private version = 0;
  private builtAt = -1;

  invalidate(): void {
    this.version++;
  }

  matrix(features: Features, kind: Descriptor): { ids: string[]; dim: number; matrix: RowMatrix } {
    if (this.builtAt !== this.version) {
      this.cache.clear();
      this.builtAt = this.version;
    }
    let m = this.cache.get(kind);
    if (!m) {
      const ids = [...features.keys()];
      const first = ids.length > 0 ? features.get(ids[0])! : null;
      const base = first?.dim ?? 0;
      const dim = kind === 'both' ? 2 * base : base;
      const matrix = rowMatrix(ids.length, dim);
      ids.forEach((id, i) => matrix.data.set(descriptor(features.get(id)!, kind), i * dim));
      m = { ids, dim, matrix };
      this.cache.set(kind, m);
    }
    return m;
  }
}

/** A unit-length descriptor; 'both' concatenates CLS and mean, so its cosine is their average. */
export function descriptor(f: StoredFeatures, kind: Descriptor): Float32Array {
  if (kind === 'cls') return f.cls;
  if (kind === 'mean') return f.mean;
  const out = new Float32Array(2 * f.dim);
  const s = Math.SQRT1_2;
  for (let j = 0; j < f.dim; j++) {
    out[j] = f.cls[j] * s;
    out[f.dim + j] = f.mean[j] * s;
  }
  return out;
}

export function search(
  features: Features,
  index: DescriptorIndex,
  req: SearchRequest,
): SearchResult {
  const t0 = performance.now();
  const q = need(features, req.imageId);
  const { ids, dim, matrix } = index.matrix(features, req.descriptor);
  const skip = new Set([req.imageId, ...(req.exclude ?? [])]);
  const query = descriptor(q, req.descriptor);
  if (query.length !== dim) throw new ExplorerError('internal', 'Descriptor sizes differ.');
  const r = topOf(matrix.dots(query), Math.max(0, req.k), (i) => skip.has(ids[i]));
  return {
    imageId: req.imageId,
    neighbours: [...r.index].map((i, k) => ({ imageId: ids[i], score: r.score[k] })),
    searched: ids.filter((id) => !skip.has(id)).length,
    ms: performance.now() - t0,
  };
}

/**
 * Leave-one-out k-NN over the requested images only (a search query from outside the collection
 * is not one of them), in their own descriptor matrix. It is n ranking passes over n images
 * (seconds for thousands), so it gives way to other requests (indexing) every few hundred.
 */
export async function knnClassify(
  features: Features,
  req: KnnClassifyRequest,
): Promise<Job<KnnClassifyResult>> {
  const t0 = performance.now();
  const rows: { id: string; f: StoredFeatures; label: number }[] = [];
  req.imageIds.forEach((id, i) => {
    const f = features.get(id);
    if (f) rows.push({ id, f, label: req.labels[i] });
  });
  const n = rows.length;
  const dim = n > 0 ? descriptor(rows[0].f, req.descriptor).length : 0;
  const matrix = rowMatrix(n, dim);
  rows.forEach((r, i) => matrix.data.set(descriptor(r.f, req.descriptor), i * dim));
  const labels = Int32Array.from(rows, (r) => r.label);
  const k = Math.max(1, Math.floor(req.k));
  const found: Neighbours[] = [];
  for (let i = 0; i < n; i++) {
    found.push(topOf(matrix.dots(matrix.data.subarray(i * dim, (i + 1) * dim)), k, (j) => j === i));
    if (i % 256 === 255) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const summary = classifyLeaveOneOut(labels, req.classes, (i) => found[i], req.temperature);
  return {
    result: { ...summary, imageIds: rows.map((r) => r.id), ms: performance.now() - t0 },
    transfer: [summary.confusion.buffer, summary.predicted.buffer],
  };
}

export function regionSearch(
  features: Features,
  memory: TokenMemory,
  req: RegionSearchRequest,
  exclude: Set<string>,
): Job<RegionSearchResult> {
  const t0 = performance.now();
  const q = need(features, req.imageId);
  const n = q.rows * q.cols;
  const region = [...new Set(req.patches)].filter((p) => Number.isInteger(p) && p >= 0 && p < n);
  if (region.length === 0) {
    throw new ExplorerError('internal', 'Select at least one patch of the query image.');
  }
  const query = patchSet(memory, q);
  const all: RegionSearchResult['matches'] = [];
  for (const [id, f] of features) {
    if (id === req.imageId || exclude.has(id)) continue;
    const m = regionMatch(query, region, patchSet(memory, f));
    all.push({ imageId: id, score: m.score, rows: f.rows, cols: f.cols, heat: m.heat });
  }
  all.sort((a, b) => b.score - a.score);
  const matches = all.slice(0, Math.max(0, req.k));
  return {
    result: { imageId: req.imageId, matches, searched: all.length, ms: performance.now() - t0 },
    transfer: matches.map((m) => m.heat.buffer as ArrayBuffer),
  };
}

/** What a patch-similarity request reads: the query patch's tokens and the images to colour. */
export function similarityPlan(
  features: Features,
  memory: TokenMemory,
  req: PatchSimilarityRequest,
): { query: Float32Array; images: { id: string; f: StoredFeatures }[] } {
  const src = need(features, req.imageId);
  const n = src.rows * src.cols;
  if (!Number.isInteger(req.patch) || req.patch < 0 || req.patch >= n) {
    throw new ExplorerError('internal', `Patch ${req.patch} does not exist.`);
  }
  const o = (1 + src.registers + req.patch) * src.dim;
  const query = memory.approx(src).tokens.slice(o, o + src.dim);
  const ids = [req.imageId, ...req.targets.filter((t) => t !== req.imageId)];
  const images = ids.filter((id) => features.has(id)).map((id) => ({ id, f: features.get(id)! }));
  return { query, images };
}

/** Patch similarity on the CPU (the WASM path; see similarity-job.ts for the choice of path). */
export function patchSimilarity(
  features: Features,
  memory: TokenMemory,
  req: PatchSimilarityRequest,
  plan?: ReturnType<typeof similarityPlan>,
): Job<PatchSimilarityResult> {
  const t0 = performance.now();
  const { query, images } = plan ?? similarityPlan(features, memory, req);
  const maps = images.map(({ id, f }) => {
    const p = patchSet(memory, f);
    return {
      imageId: id,
      rows: f.rows,
      cols: f.cols,
      values: cosineToRows(query, p.tokens, f.dim, p.start, p.count, p.norms),
    };
  });
  return {
    result: {
      imageId: req.imageId,
      patch: req.patch,
      maps,
      ms: performance.now() - t0,
      path: 'wasm',
    },
    transfer: maps.map((m) => m.values.buffer as ArrayBuffer),
  };
}

/** Foreground patches by the official recipe (first PCA component above a threshold). */
function foreground(memory: TokenMemory, f: StoredFeatures): Uint8Array | null {
  const layout = tokenLayout(f.tokenCount, f.rows, f.cols, f.registers);
  const tokens = memory.approx(f).tokens;
  const { maps } = computePcaMaps(
    [{ rows: f.rows, cols: f.cols, patches: patchTokens(tokens, layout, f.dim) }],
    f.dim,
    { joint: true, foregroundOnly: true, threshold: 0.5, invert: 'auto' },
  );
  // Too few foreground patches: no restriction (the recipe's own fallback).
  return maps[0] && !maps[0].foregroundFallback ? maps[0].mask : null;
}

export function correspond(
  features: Features,
  memory: TokenMemory,
  req: CorrespondRequest,
): Job<CorrespondResult> {
  const a = need(features, req.a);
  const b = need(features, req.b);
  const ma = req.foregroundOnly ? foreground(memory, a) : null;
  const mb = req.foregroundOnly ? foreground(memory, b) : null;
  const r = bestBuddies(patchSet(memory, a), patchSet(memory, b), req.count, ma, mb);
  return {
    result: {
      a: { imageId: req.a, rows: a.rows, cols: a.cols },
      b: { imageId: req.b, rows: b.rows, cols: b.cols },
      pairs: r.pairs,
      scores: r.scores,
      mutual: r.mutual,
    },
    transfer: [r.pairs.buffer as ArrayBuffer, r.scores.buffer as ArrayBuffer],
  };
}

/** Every image's exact tokens stacked into one .npy, with where each image's rows are. */
export async function exportIndex(
  features: Features,
  memory: TokenMemory,
  req: IndexExportRequest,
): Promise<Job<Omit<IndexExportResult, 'modelFiles' | 'runtime'>>> {
  const present = req.imageIds.filter((id) => features.has(id));
  const missing = req.imageIds.filter((id) => !features.has(id));
  if (present.length === 0) throw new ExplorerError('no-model', 'No image has features yet.');
  const dim = features.get(present[0])!.dim;
  const total = present.reduce((n, id) => n + features.get(id)!.tokenCount, 0);
  const all = new Float32Array(total * dim);
  let start = 0;
  const entries = [];
  for (const id of present) {
    const f = features.get(id)!;
    all.set(await memory.exact(f), start * dim);
    const e = {
      imageId: id,
      tokenStart: start,
      tokenCount: f.tokenCount,
      rows: f.rows,
      cols: f.cols,
      registers: f.registers,
    };
    start += f.tokenCount;
    entries.push(e);
  }
  const npy = encodeNpy(all, [total, dim]).buffer as ArrayBuffer;
  return { result: { npy, dim, entries, missing }, transfer: [npy] };
}
