/**
 * Layouts for the 3D embedding view: rows ([n, dim], row-major) placed in 3D or 2D by PCA, grouped
 * by k-means, and ranked by cosine similarity. Pure math: no DOM, no engine.
 */
import { mulberry32 } from './pca-eigen';
import { fitPca, project } from './pca';
import { topOf } from './knn';
import { cosineToRows } from './patch-similarity';

/** Copies rows scaled to unit L2 norm (a zero row stays zero): the search's own. */
export { normaliseRows as normalizeRows } from './knn';

export interface Layout {
  /** [n, 3]; z (and y for a 1-D fit) is 0 when fewer components were asked for or exist. */
  coords: Float32Array;
  /** Explained variance ratio of each component used (length = components). */
  explained: number[];
}

/**
 * PCA to `components` (2 or 3) dimensions. The coordinates are the raw scores (the view rescales
 * them). Fewer than two rows, or fewer dims than components, give zeros for what cannot be fitted.
 */
export function pcaLayout(
  data: Float32Array,
  n: number,
  dim: number,
  components: 2 | 3,
  opts: { seed?: number; maxFitRows?: number } = {},
): Layout {
  const coords = new Float32Array(n * 3);
  const k = Math.min(components, dim);
  if (n < 2) return { coords, explained: new Array<number>(components).fill(0) };
  let rows: Int32Array | null = null;
  const limit = opts.maxFitRows ?? Infinity;
  if (n > limit) {
    const take = Math.max(2, Math.floor(limit));
    rows = new Int32Array(take);
    for (let i = 0; i < take; i++) rows[i] = Math.floor((i * n) / take);
  }
  const pca = fitPca(data, n, dim, k, { seed: opts.seed ?? 0x3d3d, rows });
  const scores = project(pca, data, n, dim);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) coords[i * 3 + c] = scores[i * k + c];
  const explained = Array.from(pca.explained);
  while (explained.length < components) explained.push(0);
  return { coords, explained };
}

/**
 * Centres [n, 3] coordinates on their bounding box and scales them so the largest half-extent is
 * `radius`; returns a new array. A single point (or all equal) lands at the origin.
 */
export function fitToBox(coords: Float32Array, n: number, radius = 1): Float32Array {
  const out = new Float32Array(n * 3);
  if (n === 0) return out;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = coords[i * 3 + c];
      if (v < lo[c]) lo[c] = v;
      if (v > hi[c]) hi[c] = v;
    }
  }
  const half = Math.max((hi[0] - lo[0]) / 2, (hi[1] - lo[1]) / 2, (hi[2] - lo[2]) / 2);
  const scale = half > 0 ? radius / half : 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      out[i * 3 + c] = (coords[i * 3 + c] - (lo[c] + hi[c]) / 2) * scale;
    }
  }
  return out;
}

export interface KMeans {
  /** Cluster of each row, 0..k-1. */
  labels: Int32Array;
  /** [k, dim]. */
  centroids: Float64Array;
  /** Sum of squared distances of the rows to their centroids. */
  inertia: number;
  iterations: number;
  /** The k used: min(k, n). */
  k: number;
}

/** The neighbours UMAP can use for n points: at most n - 1, and at least 2. */
export function umapNeighbours(asked: number, n: number): number {
  return Math.max(2, Math.min(asked, n - 1));
}

/**
 * Lloyd's k-means with k-means++ seeding from a seeded PRNG (same input and seed, same result).
 * Euclidean distances; normalise the rows first for a cosine-like grouping. An emptied cluster is
 * re-seeded with the row farthest from its centroid.
 */
export function kmeans(
  data: Float32Array,
  n: number,
  dim: number,
  kWanted: number,
  opts: { seed?: number; maxIter?: number } = {},
): KMeans {
  const k = Math.max(1, Math.min(Math.floor(kWanted), n));
  const labels = new Int32Array(n);
  const centroids = new Float64Array(k * dim);
  if (n === 0) return { labels, centroids, inertia: 0, iterations: 0, k: 0 };
  const rand = mulberry32(opts.seed ?? 1);
  const maxIter = opts.maxIter ?? 100;

  const dist2 = (i: number, c: number) => {
    let s = 0;
    const o = i * dim;
    const co = c * dim;
    for (let j = 0; j < dim; j++) {
      const d = data[o + j] - centroids[co + j];
      s += d * d;
    }
    return s;
  };
  const setCentroid = (c: number, i: number) => {
    for (let j = 0; j < dim; j++) centroids[c * dim + j] = data[i * dim + j];
  };

  // k-means++: each next centre is drawn with probability proportional to D² to the nearest one.
  setCentroid(0, Math.min(n - 1, Math.floor(rand() * n)));
  const nearest = new Float64Array(n);
  for (let i = 0; i < n; i++) nearest[i] = dist2(i, 0);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += nearest[i];
    let pick = 0;
    if (total > 0) {
      let r = rand() * total;
      pick = n - 1;
      for (let i = 0; i < n; i++) {
        r -= nearest[i];
        if (r < 0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = c; // all rows coincide with the centres so far
    }
    setCentroid(c, pick);
    for (let i = 0; i < n; i++) nearest[i] = Math.min(nearest[i], dist2(i, c));
  }

  const counts = new Int32Array(k);
  let iterations = 0;
  let inertia = 0;
  labels.fill(-1);
  for (let it = 0; it < maxIter; it++) {
    iterations = it + 1;
    let changed = 0;
    inertia = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = dist2(i, c);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      nearest[i] = bestD;
      inertia += bestD;
      if (labels[i] !== best) {
        labels[i] = best;
        changed++;
      }
    }
    if (changed === 0 && it > 0) break;
    centroids.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      counts[c]++;
      for (let j = 0; j < dim; j++) centroids[c * dim + j] += data[i * dim + j];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0) {
        for (let j = 0; j < dim; j++) centroids[c * dim + j] /= counts[c];
      } else {
        // Re-seed an empty cluster with the row worst served by its centre.
        let far = 0;
        for (let i = 1; i < n; i++) if (nearest[i] > nearest[far]) far = i;
        setCentroid(c, far);
        nearest[far] = 0;
      }
    }
  }
  return { labels, centroids, inertia, iterations, k };
}

/**
 * The k rows most cosine-similar to row `query` (itself left out), best first. Rows need not be
 * normalised; zero rows score 0.
 */
export function cosineNeighbours(
  data: Float32Array,
  n: number,
  dim: number,
  query: number,
  k: number,
): { index: number; score: number }[] {
  const q = data.slice(query * dim, (query + 1) * dim);
  const r = topOf(cosineToRows(q, data, dim, 0, n), Math.max(0, k), (i) => i === query);
  return [...r.index].map((index, i) => ({ index, score: r.score[i] }));
}
