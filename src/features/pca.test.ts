import { describe, expect, it } from 'vitest';
import { fitPca, project } from './pca';
import { columnMean, gramMatrix, gramWithin } from './pca-scatter';
import { cosine, plantedData, referenceCovariance, referenceEigen } from './pca-test-utils';

/** Geometric variances 1, 0.7, 0.49, ...: distinct, slowly decaying, every direction used. */
function geometric(count: number): number[] {
  return Array.from({ length: count }, (_, i) => 0.7 ** i);
}

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

describe('fitPca against a float64 Jacobi reference', () => {
  it.each([
    // n, dim, k: covariance path with direct Jacobi, with block Krylov (dim > 64), Gram path (n < dim)
    [400, 16, 5],
    [300, 33, 3],
    [500, 64, 8],
    [600, 100, 4],
    [500, 150, 3],
    [40, 64, 6],
    [30, 120, 3],
  ])('n=%i dim=%i k=%i', (n, dim, k) => {
    const { data } = plantedData(n, dim, geometric(Math.min(dim, 24)), 0.05, n * 31 + dim);
    const pca = fitPca(data, n, dim, k);
    const ref = referenceEigen(referenceCovariance(data, n, dim), dim);
    const refTotal = ref.values.reduce((s, v) => s + v, 0);

    expect(pca.n).toBe(n);
    expect(rel(pca.totalVariance, refTotal)).toBeLessThan(1e-9);
    for (let c = 0; c < k; c++) {
      expect(rel(pca.variances[c], ref.values[c])).toBeLessThan(1e-6);
      const comp = pca.components.subarray(c * dim, (c + 1) * dim);
      expect(Math.abs(cosine(comp, ref.vectors[c]))).toBeGreaterThan(1 - 1e-6);
      expect(Math.abs(cosine(comp, comp) - 1)).toBeLessThan(1e-12);
      let norm = 0;
      for (const v of comp) norm += v * v;
      expect(Math.abs(norm - 1)).toBeLessThan(1e-12);
      if (c > 0) expect(pca.variances[c]).toBeLessThanOrEqual(pca.variances[c - 1]);
      expect(pca.explained[c]).toBeCloseTo(pca.variances[c] / pca.totalVariance, 14);
    }
    const sumExplained = pca.explained.reduce((s, v) => s + v, 0);
    const topK = ref.values.slice(0, k).reduce((s, v) => s + v, 0) / refTotal;
    expect(sumExplained).toBeLessThanOrEqual(1 + 1e-12);
    expect(rel(sumExplained, topK)).toBeLessThan(1e-6);
  });
});

describe('fitPca', () => {
  it('recovers a planted rank-3 structure at dim 384', () => {
    const n = 2000;
    const dim = 384;
    const planted = [25, 9, 4];
    const { data, directions } = plantedData(n, dim, planted, 0.1, 7);
    const pca = fitPca(data, n, dim, 3);
    for (let c = 0; c < 3; c++) {
      const comp = pca.components.subarray(c * dim, (c + 1) * dim);
      expect(Math.abs(cosine(comp, directions.subarray(c * dim, (c + 1) * dim)))).toBeGreaterThan(
        0.999,
      );
      // Sampling error of a variance from 2000 draws is ~3%.
      expect(rel(pca.variances[c], planted[c] + 0.01)).toBeLessThan(0.15);
    }
    // Exact eigenpairs of the sample covariance: ||Cv - λv|| tiny.
    const cov = referenceCovariance(data, n, dim);
    for (let c = 0; c < 3; c++) {
      let r2 = 0;
      for (let a = 0; a < dim; a++) {
        let s = 0;
        for (let b = 0; b < dim; b++) s += cov[a * dim + b] * pca.components[c * dim + b];
        r2 += (s - pca.variances[c] * pca.components[c * dim + a]) ** 2;
      }
      expect(Math.sqrt(r2) / pca.variances[0]).toBeLessThan(1e-8);
    }
  });

  it('fits a row subset exactly as the copied subset', () => {
    const n = 300;
    const dim = 40;
    const { data } = plantedData(n, dim, geometric(10), 0.1, 3);
    const rows = Int32Array.from({ length: 120 }, (_, i) => (i * 7) % n);
    const copy = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => copy.set(data.subarray(r * dim, (r + 1) * dim), i * dim));
    const a = fitPca(data, n, dim, 4, { rows });
    const b = fitPca(copy, rows.length, dim, 4);
    expect(a.n).toBe(120);
    expect(a.components).toEqual(b.components);
    expect(a.variances).toEqual(b.variances);
    expect(a.mean).toEqual(b.mean);
  });

  it('flips each component so its largest-magnitude coordinate is positive', () => {
    const { data } = plantedData(200, 20, geometric(20), 0.01, 11);
    const pca = fitPca(data, 200, 20, 5);
    for (let c = 0; c < 5; c++) {
      const comp = Array.from(pca.components.subarray(c * 20, (c + 1) * 20));
      const big = comp.reduce((a, v) => (Math.abs(v) > Math.abs(a) ? v : a), 0);
      expect(big).toBeGreaterThan(0);
    }
  });

  it('is deterministic to the bit', () => {
    const { data } = plantedData(500, 96, geometric(30), 0.05, 5);
    const a = fitPca(data, 500, 96, 3);
    const b = fitPca(data, 500, 96, 3);
    expect(Buffer.from(a.components.buffer)).toEqual(Buffer.from(b.components.buffer));
    expect(Buffer.from(a.variances.buffer)).toEqual(Buffer.from(b.variances.buffer));
  });

  it('completes an orthonormal basis when the data has fewer directions than k', () => {
    for (const n of [0, 1, 2, 3]) {
      const { data } = plantedData(n, 8, [1], 0, 2);
      const pca = fitPca(data, n, 8, 4);
      for (let a = 0; a < 4; a++) {
        for (let b = 0; b < 4; b++) {
          let d = 0;
          for (let j = 0; j < 8; j++) d += pca.components[a * 8 + j] * pca.components[b * 8 + j];
          expect(d).toBeCloseTo(a === b ? 1 : 0, 12);
        }
      }
      expect(Array.from(pca.variances).every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
      if (n < 2) expect(pca.totalVariance).toBe(0);
    }
  });

  it('refuses bad shapes and k', () => {
    const data = new Float32Array(10);
    expect(() => fitPca(data, 5, 2, 3)).toThrow(RangeError);
    expect(() => fitPca(data, 6, 2, 1)).toThrow(RangeError);
    expect(() => fitPca(data, 5, 2, 1, { rows: Int32Array.of(5) })).toThrow(RangeError);
  });
});

describe('project', () => {
  it('gives zero-mean scores whose variances are the eigenvalues', () => {
    const n = 800;
    const dim = 50;
    const { data } = plantedData(n, dim, geometric(12), 0.05, 9);
    const pca = fitPca(data, n, dim, 4);
    const scores = project(pca, data, n, dim);
    expect(scores.length).toBe(n * 4);
    for (let c = 0; c < 4; c++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += scores[i * 4 + c] / n;
      let variance = 0;
      for (let i = 0; i < n; i++) variance += (scores[i * 4 + c] - mean) ** 2 / (n - 1);
      expect(Math.abs(mean)).toBeLessThan(1e-5 * Math.sqrt(pca.variances[0]));
      expect(rel(variance, pca.variances[c])).toBeLessThan(1e-5);
    }
  });

  it.each([1, 2, 3, 4, 5])(
    'equals (x - mean) · component, row by row, for k = %i and an odd row count',
    (k) => {
      const n = 37;
      const dim = 9;
      const { data } = plantedData(n, dim, geometric(9), 0.05, 3);
      const pca = fitPca(data, n, dim, k);
      const rows = Int32Array.of(36, 4, 4, 0, 17);
      for (const r of [null, rows]) {
        const scores = project(pca, data, n, dim, undefined, r);
        const count = r ? r.length : n;
        expect(scores.length).toBe(count * k);
        for (let i = 0; i < count; i++) {
          const o = (r ? r[i] : i) * dim;
          for (let c = 0; c < k; c++) {
            let want = 0;
            for (let j = 0; j < dim; j++)
              want += (data[o + j] - pca.mean[j]) * pca.components[c * dim + j];
            expect(scores[i * k + c]).toBeCloseTo(want, 5);
          }
        }
      }
    },
  );

  it('projects only the listed rows into a given buffer', () => {
    const { data } = plantedData(100, 12, geometric(12), 0.05, 4);
    const pca = fitPca(data, 100, 12, 3);
    const all = project(pca, data, 100, 12);
    const rows = Int32Array.of(5, 99, 0);
    const out = new Float32Array(9);
    expect(project(pca, data, 100, 12, out, rows)).toBe(out);
    rows.forEach((r, i) =>
      expect(Array.from(out.subarray(i * 3, i * 3 + 3))).toEqual(
        Array.from(all.subarray(r * 3, r * 3 + 3)),
      ),
    );
  });
});

describe('a fit on a subset of an earlier fit’s rows (the foreground fit)', () => {
  // n < dim: both fits take the Gram path. The subset's mean is far from the whole's (a shifted
  // cluster), so the double centring has real work to do.
  const n = 60;
  const dim = 90;
  const { data } = plantedData(n, dim, geometric(12), 0.05, 4242);
  for (let i = 0; i < 25; i++)
    for (let j = 0; j < dim; j++) data[i * dim + j] += j % 7 === 0 ? 3 : 0;
  const subset = Int32Array.from({ length: 25 }, (_, i) => i);

  it('derives the subset’s own centred Gram matrix from the parent’s', () => {
    const parent = fitPca(data, n, dim, 3);
    expect(parent.gram).toBeDefined();
    const derived = gramWithin(parent.gram!, subset, n)!;
    const direct = gramMatrix(data, n, dim, columnMean(data, n, dim, subset), subset).gram;
    const scale = Math.max(...direct.map(Math.abs));
    for (let i = 0; i < direct.length; i++) {
      expect(Math.abs(derived[i] - direct[i])).toBeLessThan(1e-10 * scale);
    }
  });

  it('gives the same fit as computing it afresh', () => {
    const parent = fitPca(data, n, dim, 3);
    const reused = fitPca(data, n, dim, 3, { rows: subset, within: parent.gram });
    const fresh = fitPca(data, n, dim, 3, { rows: subset });
    for (let c = 0; c < 3; c++) {
      expect(rel(reused.variances[c], fresh.variances[c])).toBeLessThan(1e-9);
      const a = reused.components.subarray(c * dim, (c + 1) * dim);
      const b = fresh.components.subarray(c * dim, (c + 1) * dim);
      expect(cosine(a, b)).toBeGreaterThan(1 - 1e-9);
    }
  });

  it('declines rows the parent did not fit (a strided first fit)', () => {
    const everyOther = Int32Array.from({ length: 30 }, (_, i) => 2 * i);
    const parent = fitPca(data, n, dim, 3, { rows: everyOther });
    expect(gramWithin(parent.gram!, Int32Array.of(0, 2, 4), n)).not.toBeNull();
    expect(gramWithin(parent.gram!, Int32Array.of(0, 1, 2), n)).toBeNull();
    // Declined, the fit computes its own product: still the right answer.
    const fit = fitPca(data, n, dim, 3, { rows: Int32Array.of(0, 1, 2, 3), within: parent.gram });
    const fresh = fitPca(data, n, dim, 3, { rows: Int32Array.of(0, 1, 2, 3) });
    expect(rel(fit.variances[0], fresh.variances[0])).toBeLessThan(1e-12);
  });

  it('keeps no Gram matrix on the covariance path (more rows than dimensions)', () => {
    const { data: tall } = plantedData(100, 20, geometric(8), 0.05, 7);
    expect(fitPca(tall, 100, 20, 3).gram).toBeUndefined();
  });
});
