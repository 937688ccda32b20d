/**
 * Principal component analysis of float32 token rows ([n, dim], row-major), computed in float64.
 *
 * The data is centred by its mean, nothing else (as the DINOv2 PCA pictures do). The covariance is
 * formed explicitly (blocked XcᵀXc) and its top k eigenvectors found by `topEigen`; with fewer rows
 * than dimensions (a single 16x16 image on a 1024-wide model, or a small foreground) the n x n Gram
 * matrix is decomposed instead and its eigenvectors mapped back, which is much cheaper and exact.
 *
 * Sign convention: each component is flipped so that its largest-magnitude coordinate (the first
 * one on a tie) is positive. The sign of a component is otherwise arbitrary; callers may flip it.
 */
import { topEigen } from './pca-eigen';
import {
  columnMean,
  gramMatrix,
  gramWithin,
  rowCount,
  scatterMatrix,
  type GramOfRows,
} from './pca-scatter';

export interface Pca {
  /** Mean of the fitted rows, [dim]. */
  mean: Float64Array;
  /** k unit components, [k, dim], by explained variance descending. */
  components: Float64Array;
  /** Eigenvalues of the covariance (divided by n - 1), [k]. */
  variances: Float64Array;
  /** variances / totalVariance, [k]. */
  explained: Float64Array;
  /** Trace of the covariance: the sum of all dim eigenvalues. */
  totalVariance: number;
  /** Number of rows fitted. */
  n: number;
  /**
   * The Gram matrix this fit decomposed (fits with fewer rows than dimensions): a later fit on a
   * subset of these rows takes its own from it (PcaOptions.within).
   */
  gram?: GramOfRows;
}

export interface PcaOptions {
  /** Seed of the eigen-solver's start block (results do not depend on it beyond rounding). */
  seed?: number;
  /** Fit only these row indices (e.g. the foreground patches); the data is not copied. */
  rows?: Int32Array | null;
  /**
   * XcᵀXc ([dim, dim], rows centred by their column mean) computed elsewhere, e.g. by a faster
   * matrix product; used when there are at least `dim` rows (otherwise the Gram path is taken).
   */
  scatter?: Float64Array;
  /**
   * XcXcᵀ ([count, count] for the fitted rows, centred by their column mean) computed elsewhere;
   * used when there are fewer rows than `dim` (the Gram path).
   */
  gram?: Float64Array;
  /** The column mean of the fitted rows, when the caller already computed it (for `scatter`). */
  mean?: Float64Array;
  /**
   * An earlier fit's Gram matrix over a superset of `rows`: this fit's Gram matrix is derived from
   * it (gramWithin) instead of multiplied again, when `gram` is not given and the rows allow.
   */
  within?: GramOfRows | null;
}

const DEFAULT_SEED = 0x5eed;

export function fitPca(
  data: Float32Array,
  n: number,
  dim: number,
  k: number,
  opts: PcaOptions = {},
): Pca {
  checkShape(data, n, dim);
  if (!Number.isInteger(k) || k < 1 || k > dim) {
    throw new RangeError(`fitPca: k=${k} must be an integer in 1..${dim}`);
  }
  const rows = opts.rows ?? null;
  if (rows) checkRows(rows, n);
  const seed = opts.seed ?? DEFAULT_SEED;
  const count = rowCount(n, rows);
  const denom = Math.max(count - 1, 1);
  const mean = opts.mean ?? columnMean(data, n, dim, rows);
  if (mean.length !== dim) throw new RangeError(`fitPca: mean is not of length ${dim}`);
  const components = new Float64Array(k * dim);
  const variances = new Float64Array(k);
  let totalVariance = 0;
  let found = 0; // components with a real eigenvector; the rest are completed below
  let kept: GramOfRows | undefined;

  if (count === 0) {
    // Nothing to fit: all variances 0, components completed to an arbitrary orthonormal set.
  } else if (count < dim) {
    const reused = !opts.gram && opts.within && rows ? gramWithin(opts.within, rows, n) : null;
    const gram = opts.gram ?? reused ?? gramMatrix(data, n, dim, mean, rows).gram;
    if (gram.length !== count * count)
      throw new RangeError(`fitPca: gram is not ${count}x${count}`);
    for (let i = 0; i < count * count; i++) gram[i] /= denom;
    for (let i = 0; i < count; i++) totalVariance += gram[i * count + i];
    kept = { matrix: gram, count, denom, rows };
    const kk = Math.min(k, count);
    const eig = topEigen(gram, count, kk, seed);
    // Component = Xcᵀu / ||Xcᵀu||; its norm is sqrt((n-1)λ), zero for directions the rows lack.
    mapBack(data, dim, mean, rows, count, eig.vectors, kk, components);
    for (let c = 0; c < kk; c++) {
      const v = components.subarray(c * dim, (c + 1) * dim);
      // Directions at rounding level (λ < 1e-12 of the total: float32 noise) carry no information
      // and map back inaccurately; they are completed like absent ones.
      const norm = Math.sqrt(sumSquares(v));
      if (!(norm > 1e-6 * Math.sqrt(denom * Math.max(totalVariance, 0)))) {
        components.fill(0, c * dim);
        break;
      }
      for (let j = 0; j < dim; j++) v[j] /= norm;
      orthogonalize(components, c, dim); // mapping back loses a little orthogonality
      variances[c] = Math.max(eig.values[c], 0);
      found = c + 1;
    }
  } else {
    const cov = opts.scatter ?? scatterMatrix(data, n, dim, mean, rows);
    if (cov.length !== dim * dim) throw new RangeError(`fitPca: scatter is not ${dim}x${dim}`);
    for (let i = 0; i < dim * dim; i++) cov[i] /= denom;
    for (let i = 0; i < dim; i++) totalVariance += cov[i * dim + i];
    const eig = topEigen(cov, dim, k, seed);
    components.set(eig.vectors);
    for (let c = 0; c < k; c++) variances[c] = Math.max(eig.values[c], 0);
    found = k;
  }
  for (let c = found; c < k; c++) completeBasis(components, c, dim);
  for (let c = 0; c < k; c++) fixSign(components.subarray(c * dim, (c + 1) * dim));

  const explained = new Float64Array(k);
  if (totalVariance > 0) for (let c = 0; c < k; c++) explained[c] = variances[c] / totalVariance;
  return {
    mean,
    components,
    variances,
    explained,
    totalVariance,
    n: count,
    ...(kept && { gram: kept }),
  };
}

/**
 * Scores (x - mean) · component for each row: [n, k], or [rows.length, k] in `rows` order when
 * rows are given. `out` is reused when given (it must hold that many values).
 */
export function project(
  pca: Pca,
  data: Float32Array,
  n: number,
  dim: number,
  out?: Float32Array,
  rows?: Int32Array | null,
): Float32Array {
  checkShape(data, n, dim);
  if (pca.mean.length !== dim)
    throw new RangeError(`project: PCA has dim ${pca.mean.length}, data ${dim}`);
  if (rows) checkRows(rows, n);
  const k = pca.variances.length;
  const count = rowCount(n, rows);
  const result = out ?? new Float32Array(count * k);
  if (result.length < count * k)
    throw new RangeError(`project: out holds ${result.length} < ${count * k}`);
  const { mean, components } = pca;
  // (x - mean)·c = x·c - mean·c: the mean's share is one number per component, so rows are read
  // as they are (float32 into float64 sums) without a centred copy.
  const shift = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += mean[j] * components[c * dim + j];
    shift[c] = s;
  }
  // Two rows per pass (the second repeats the first at an odd end), up to three components each:
  // each loaded component value feeds two products (k is usually exactly 3). 1.4x one row a pass.
  for (let i = 0; i < count; i += 2) {
    const o = (rows ? rows[i] : i) * dim;
    const pair = i + 1 < count;
    const o2 = pair ? (rows ? rows[i + 1] : i + 1) * dim : o;
    for (let c = 0; c < k; c += 3) {
      const c0 = c * dim;
      const c1 = Math.min(c + 1, k - 1) * dim;
      const c2 = Math.min(c + 2, k - 1) * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let t0 = 0;
      let t1 = 0;
      let t2 = 0;
      for (let j = 0; j < dim; j++) {
        const v = data[o + j];
        const u = data[o2 + j];
        const a = components[c0 + j];
        const b = components[c1 + j];
        const d = components[c2 + j];
        s0 += v * a;
        s1 += v * b;
        s2 += v * d;
        t0 += u * a;
        t1 += u * b;
        t2 += u * d;
      }
      const at = i * k + c;
      result[at] = s0 - shift[c];
      if (c + 1 < k) result[at + 1] = s1 - shift[c + 1];
      if (c + 2 < k) result[at + 2] = s2 - shift[c + 2];
      if (!pair) continue;
      result[at + k] = t0 - shift[c];
      if (c + 1 < k) result[at + k + 1] = t1 - shift[c + 1];
      if (c + 2 < k) result[at + k + 2] = t2 - shift[c + 2];
    }
  }
  return result;
}

/**
 * out[c] = Σ_i u_c[i] · (x_i - mean) for the k Gram eigenvectors u_c (rows `rows`, or 0..count-1),
 * in one pass over the float32 rows, centred on the fly: no float64 copy of the rows (0.8 MB for
 * one ViT-S image), the same float64 values and summation order as a centred copy would give.
 */
function mapBack(
  data: Float32Array,
  dim: number,
  mean: Float64Array,
  rows: Int32Array | null,
  count: number,
  u: Float64Array,
  k: number,
  out: Float64Array,
): void {
  for (let i = 0; i < count; i++) {
    const o = (rows ? rows[i] : i) * dim;
    for (let c = 0; c < k; c++) {
      const w = u[c * count + i];
      const v = c * dim;
      for (let j = 0; j < dim; j++) out[v + j] += w * (data[o + j] - mean[j]);
    }
  }
}

function checkShape(data: Float32Array, n: number, dim: number): void {
  if (!Number.isInteger(n) || !Number.isInteger(dim) || n < 0 || dim < 1) {
    throw new RangeError(`PCA: bad shape [${n}, ${dim}]`);
  }
  if (data.length < n * dim) throw new RangeError(`PCA: ${data.length} values < [${n}, ${dim}]`);
}

function checkRows(rows: Int32Array, n: number): void {
  for (let i = 0; i < rows.length; i++) {
    if (rows[i] < 0 || rows[i] >= n)
      throw new RangeError(`PCA: row ${rows[i]} outside 0..${n - 1}`);
  }
}

function sumSquares(v: Float64Array): number {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  return s;
}

/**
 * Fills component c with a unit vector orthogonal to components 0..c-1, for directions the data
 * has no variance in: the coordinate axis least covered by them, Gram-Schmidt'ed (deterministic).
 */
function completeBasis(components: Float64Array, c: number, dim: number): void {
  let best = 0;
  let bestResidual = -1;
  for (let j = 0; j < dim; j++) {
    let covered = 0;
    for (let r = 0; r < c; r++) covered += components[r * dim + j] ** 2;
    if (1 - covered > bestResidual + 1e-12) {
      bestResidual = 1 - covered;
      best = j;
    }
  }
  const v = components.subarray(c * dim, (c + 1) * dim);
  v.fill(0);
  v[best] = 1;
  orthogonalize(components, c, dim);
}

/** Two Gram-Schmidt passes of component c against components 0..c-1, then unit length. */
function orthogonalize(components: Float64Array, c: number, dim: number): void {
  const v = components.subarray(c * dim, (c + 1) * dim);
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < c; r++) {
      const u = components.subarray(r * dim, (r + 1) * dim);
      let d = 0;
      for (let j = 0; j < dim; j++) d += u[j] * v[j];
      for (let j = 0; j < dim; j++) v[j] -= d * u[j];
    }
  }
  const norm = Math.sqrt(sumSquares(v));
  for (let j = 0; j < dim; j++) v[j] /= norm;
}

/** The sign convention: the largest-|value| coordinate (first on a tie) is made positive. */
function fixSign(v: Float64Array): void {
  let at = 0;
  for (let j = 1; j < v.length; j++) if (Math.abs(v[j]) > Math.abs(v[at])) at = j;
  if (v[at] < 0) for (let j = 0; j < v.length; j++) v[j] = -v[j];
}
