/**
 * Second moments of centred float32 rows, accumulated in float64: the scatter matrix XcᵀXc
 * (dim x dim) or, when there are fewer rows than dimensions, the Gram matrix XcXcᵀ (n x n), which
 * has the same non-zero spectrum at a fraction of the cost (n²·dim instead of n·dim²).
 *
 * Both go through one register-blocked kernel (`syrk4`): 4 x 4 output tiles over contiguous float64
 * vectors, so each loaded value feeds four multiply-adds. That is the fastest shape plain JS gets
 * (no SIMD), about 3x a naive triple loop.
 */

/** Rows of a fit: the listed indices, or 0..n-1. */
export function rowCount(n: number, rows: Int32Array | null | undefined): number {
  return rows ? rows.length : n;
}

/** Mean of the selected rows, in float64. */
export function columnMean(
  data: Float32Array,
  n: number,
  dim: number,
  rows: Int32Array | null | undefined,
): Float64Array {
  const mean = new Float64Array(dim);
  const count = rowCount(n, rows);
  for (let i = 0; i < count; i++) {
    const o = (rows ? rows[i] : i) * dim;
    for (let j = 0; j < dim; j++) mean[j] += data[o + j];
  }
  if (count > 0) for (let j = 0; j < dim; j++) mean[j] /= count;
  return mean;
}

/** Rows per chunk of the scatter accumulation: the transposed chunk stays in L2. */
const CHUNK = 128;

/** XcᵀXc over the selected rows: a full symmetric dim x dim float64 matrix (not divided by n-1). */
export function scatterMatrix(
  data: Float32Array,
  n: number,
  dim: number,
  mean: Float64Array,
  rows: Int32Array | null | undefined,
): Float64Array {
  const count = rowCount(n, rows);
  const d4 = (dim + 3) & ~3; // padded to whole tiles; padding columns stay zero
  const t = new Float64Array(d4 * CHUNK); // centred chunk, transposed: one column per dimension
  const c4 = new Float64Array(d4 * d4);
  for (let r0 = 0; r0 < count; r0 += CHUNK) {
    const m = Math.min(CHUNK, count - r0);
    for (let r = 0; r < m; r++) {
      const o = (rows ? rows[r0 + r] : r0 + r) * dim;
      for (let j = 0; j < dim; j++) t[j * CHUNK + r] = data[o + j] - mean[j];
    }
    syrk4(t, d4, m, CHUNK, c4);
  }
  return unpad(c4, d4, dim);
}

/** The selected rows minus `mean`, in float64, padded with zero rows to a multiple of 4. */
export function centredRows(
  data: Float32Array,
  n: number,
  dim: number,
  mean: Float64Array,
  rows: Int32Array | null | undefined,
): Float64Array {
  const count = rowCount(n, rows);
  const centred = new Float64Array(((count + 3) & ~3) * dim); // padding rows stay zero
  for (let i = 0; i < count; i++) {
    const o = (rows ? rows[i] : i) * dim;
    for (let j = 0; j < dim; j++) centred[i * dim + j] = data[o + j] - mean[j];
  }
  return centred;
}

/** XcXcᵀ over the selected rows (count x count), plus the centred rows it was built from. */
export function gramMatrix(
  data: Float32Array,
  n: number,
  dim: number,
  mean: Float64Array,
  rows: Int32Array | null | undefined,
): { gram: Float64Array; centred: Float64Array } {
  const count = rowCount(n, rows);
  const n4 = (count + 3) & ~3;
  const centred = centredRows(data, n, dim, mean, rows);
  const g4 = new Float64Array(n4 * n4);
  syrk4(centred, n4, dim, dim, g4);
  return { gram: unpad(g4, n4, count), centred };
}

/**
 * c[i][j] += Σ_r v[i·stride + r] · v[j·stride + r] for r < len, over the upper triangle of 4 x 4
 * tiles (i, j < p, p a multiple of 4; c is p x p). Diagonal tiles are computed whole.
 */
function syrk4(v: Float64Array, p: number, len: number, stride: number, c: Float64Array): void {
  for (let i = 0; i < p; i += 4) {
    const a0 = i * stride;
    const a1 = a0 + stride;
    const a2 = a1 + stride;
    const a3 = a2 + stride;
    for (let j = i; j < p; j += 4) {
      const b0 = j * stride;
      const b1 = b0 + stride;
      const b2 = b1 + stride;
      const b3 = b2 + stride;
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0;
      let c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0;
      let c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let r = 0; r < len; r++) {
        const y0 = v[b0 + r];
        const y1 = v[b1 + r];
        const y2 = v[b2 + r];
        const y3 = v[b3 + r];
        let x = v[a0 + r];
        c00 += x * y0;
        c01 += x * y1;
        c02 += x * y2;
        c03 += x * y3;
        x = v[a1 + r];
        c10 += x * y0;
        c11 += x * y1;
        c12 += x * y2;
        c13 += x * y3;
        x = v[a2 + r];
        c20 += x * y0;
        c21 += x * y1;
        c22 += x * y2;
        c23 += x * y3;
        x = v[a3 + r];
        c30 += x * y0;
        c31 += x * y1;
        c32 += x * y2;
        c33 += x * y3;
      }
      let o = i * p + j;
      c[o] += c00;
      c[o + 1] += c01;
      c[o + 2] += c02;
      c[o + 3] += c03;
      o += p;
      c[o] += c10;
      c[o + 1] += c11;
      c[o + 2] += c12;
      c[o + 3] += c13;
      o += p;
      c[o] += c20;
      c[o + 1] += c21;
      c[o + 2] += c22;
      c[o + 3] += c23;
      o += p;
      c[o] += c30;
      c[o + 1] += c31;
      c[o + 2] += c32;
      c[o + 3] += c33;
    }
  }
}

/** The leading size x size block of a padded upper-tile result, mirrored into a full matrix. */
function unpad(c4: Float64Array, p4: number, size: number): Float64Array {
  const out = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = i; j < size; j++) {
      const v = c4[i * p4 + j];
      out[i * size + j] = v;
      out[j * size + i] = v;
    }
  }
  return out;
}

/** A fit's Gram matrix, kept so that a fit on a subset of its rows needs no new product. */
export interface GramOfRows {
  /** XcXcᵀ of `rows`, centred by their own mean, divided by `denom`; count x count. */
  matrix: Float64Array;
  count: number;
  denom: number;
  /** The rows it is over (indices into the data), or null for 0..count-1. */
  rows: Int32Array | null;
}

/**
 * XcXcᵀ (not divided) of `rows`, each a row of `parent`, centred by their own mean: the parent's
 * entries for those rows, double-centred. With Y the rows centred by the parent's mean and
 * d = mean(Y_S), (Y_S - 1dᵀ)(Y_S - 1dᵀ)ᵀ = G_S - r1ᵀ - 1rᵀ + g with r = G_S·1/c, g = mean(r).
 * c² work instead of c²·dim (the foreground fit of a PCA map). Null when a row is not the
 * parent's (a strided first fit).
 */
export function gramWithin(parent: GramOfRows, rows: Int32Array, n: number): Float64Array | null {
  const p = parent.count;
  let at: Int32Array | null = null;
  if (parent.rows) {
    at = new Int32Array(n).fill(-1);
    for (let i = 0; i < p; i++) at[parent.rows[i]] = i;
  }
  const c = rows.length;
  const idx = new Int32Array(c);
  for (let i = 0; i < c; i++) {
    const r = rows[i];
    const k = at ? (r >= 0 && r < n ? at[r] : -1) : r < p && r >= 0 ? r : -1;
    if (k < 0) return null;
    idx[i] = k;
  }
  const g = parent.matrix;
  const sub = new Float64Array(c * c);
  const rowMean = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    const o = idx[i] * p;
    let s = 0;
    for (let j = 0; j < c; j++) {
      const v = g[o + idx[j]] * parent.denom;
      sub[i * c + j] = v;
      s += v;
    }
    rowMean[i] = s / c;
  }
  let all = 0;
  for (let i = 0; i < c; i++) all += rowMean[i];
  all /= c;
  for (let i = 0; i < c; i++) {
    for (let j = 0; j < c; j++) sub[i * c + j] += all - rowMean[i] - rowMean[j];
  }
  return sub;
}
