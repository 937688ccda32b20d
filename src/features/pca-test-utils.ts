/**
 * Test helpers for the PCA modules: seeded data and a plain float64 reference (naive covariance and
 * classical Jacobi), written independently of the code under test. Not used by the app.
 */

/** Seeded standard normals (Box-Muller over mulberry32), so tests are reproducible. */
export function gaussian(seed: number): () => number {
  let t = seed >>> 0;
  const uniform = () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return (((r ^ (r >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Random orthonormal rows (Gram-Schmidt of Gaussian vectors), [count, dim]. */
export function orthonormalRows(count: number, dim: number, seed: number): Float64Array {
  const g = gaussian(seed);
  const q = new Float64Array(count * dim);
  for (let i = 0; i < count; i++) {
    const v = q.subarray(i * dim, (i + 1) * dim);
    for (let j = 0; j < dim; j++) v[j] = g();
    for (let pass = 0; pass < 2; pass++) {
      for (let r = 0; r < i; r++) {
        const u = q.subarray(r * dim, (r + 1) * dim);
        let d = 0;
        for (let j = 0; j < dim; j++) d += u[j] * v[j];
        for (let j = 0; j < dim; j++) v[j] -= d * u[j];
      }
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += v[j] * v[j];
    norm = Math.sqrt(norm);
    for (let j = 0; j < dim; j++) v[j] /= norm;
  }
  return q;
}

/**
 * n rows: offset + Σ_i g·sqrt(variance_i)·direction_i + isotropic noise, float32. Directions are
 * random orthonormal; returns them too.
 */
export function plantedData(
  n: number,
  dim: number,
  variances: number[],
  noise: number,
  seed: number,
): { data: Float32Array; directions: Float64Array } {
  const directions = orthonormalRows(variances.length, dim, seed + 1);
  const g = gaussian(seed);
  const data = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    const row = data.subarray(r * dim, (r + 1) * dim);
    for (let j = 0; j < dim; j++) row[j] = 3 + 0.1 * j + noise * g();
    for (let i = 0; i < variances.length; i++) {
      const a = Math.sqrt(variances[i]) * g();
      for (let j = 0; j < dim; j++) row[j] += a * directions[i * dim + j];
    }
  }
  return { data, directions };
}

/** Naive two-pass float64 covariance (divide by n-1) of the listed rows. */
export function referenceCovariance(
  data: Float32Array,
  n: number,
  dim: number,
  rows?: Int32Array,
): Float64Array {
  const idx = rows ? Array.from(rows) : Array.from({ length: n }, (_, i) => i);
  const mean = new Float64Array(dim);
  for (const r of idx) for (let j = 0; j < dim; j++) mean[j] += data[r * dim + j] / idx.length;
  const cov = new Float64Array(dim * dim);
  for (const r of idx) {
    for (let a = 0; a < dim; a++) {
      const xa = data[r * dim + a] - mean[a];
      for (let b = 0; b < dim; b++) cov[a * dim + b] += xa * (data[r * dim + b] - mean[b]);
    }
  }
  for (let i = 0; i < cov.length; i++) cov[i] /= idx.length - 1;
  return cov;
}

/** Classical cyclic Jacobi with full rotations: values descending, vectors as rows. */
export function referenceEigen(
  matrix: Float64Array,
  m: number,
): { values: number[]; vectors: Float64Array[] } {
  const a = matrix.slice();
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  let norm = 0;
  for (const x of a) norm += x * x;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = 0; q < m; q++) if (p !== q) off += a[p * m + q] ** 2;
    if (off <= 1e-30 * norm) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q];
        if (apq === 0) continue;
        const theta = (a[q * m + q] - a[p * m + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < m; r++) {
          const arp = a[r * m + p];
          const arq = a[r * m + q];
          a[r * m + p] = c * arp - s * arq;
          a[r * m + q] = s * arp + c * arq;
        }
        for (let r = 0; r < m; r++) {
          const apr = a[p * m + r];
          const aqr = a[q * m + r];
          a[p * m + r] = c * apr - s * aqr;
          a[q * m + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < m; r++) {
          const vrp = v[r * m + p];
          const vrq = v[r * m + q];
          v[r * m + p] = c * vrp - s * vrq;
          v[r * m + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => a[j * m + j] - a[i * m + i]);
  return {
    values: order.map((i) => a[i * m + i]),
    vectors: order.map((i) => Float64Array.from({ length: m }, (_, r) => v[r * m + i])),
  };
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let j = 0; j < a.length; j++) {
    ab += a[j] * b[j];
    aa += a[j] * a[j];
    bb += b[j] * b[j];
  }
  return ab / Math.sqrt(aa * bb);
}
