import { describe, expect, it } from 'vitest';
import { mulberry32, topEigen } from './pca-eigen';
import { lanczosTop } from './pca-lanczos';
import { symmetricEigen } from './pca-tridiag';
import { cosine, gaussian, orthonormalRows, referenceEigen } from './pca-test-utils';

/** Q diag(values) Qᵀ for a random orthonormal Q: a symmetric matrix with a known spectrum. */
function withSpectrum(values: number[], seed: number): { s: Float64Array; q: Float64Array } {
  const p = values.length;
  const q = orthonormalRows(p, p, seed);
  const s = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      let v = 0;
      for (let c = 0; c < p; c++) v += q[c * p + i] * values[c] * q[c * p + j];
      s[i * p + j] = v;
      s[j * p + i] = v;
    }
  }
  return { s, q };
}

function residual(s: Float64Array, p: number, value: number, vec: ArrayLike<number>): number {
  let r2 = 0;
  for (let i = 0; i < p; i++) {
    let v = 0;
    for (let j = 0; j < p; j++) v += s[i * p + j] * vec[j];
    r2 += (v - value * vec[i]) ** 2;
  }
  return Math.sqrt(r2);
}

describe('symmetricEigen (tridiagonal QL)', () => {
  it.each([1, 2, 5, 17, 40])('matches the Jacobi reference at m=%i', (m) => {
    const g = gaussian(m);
    const a = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let j = i; j < m; j++) a[i * m + j] = a[j * m + i] = g();
    }
    const before = a.slice();
    const got = symmetricEigen(a, m);
    const ref = referenceEigen(a, m);
    expect(a).toEqual(before);
    for (let i = 0; i < m; i++) {
      expect(got.values[i]).toBeCloseTo(ref.values[i], 12);
      expect(residual(a, m, got.values[i], got.vectors.subarray(i * m, (i + 1) * m))).toBeLessThan(
        1e-12,
      );
      if (i > 0) expect(got.values[i]).toBeLessThanOrEqual(got.values[i - 1]);
    }
  });
});

describe('topEigen', () => {
  it('agrees with the full decomposition on the Krylov path (p=300)', () => {
    const values = Array.from({ length: 300 }, (_, i) => 100 / (1 + i) ** 0.7);
    const { s, q } = withSpectrum(values, 3);
    const got = topEigen(s, 300, 5, 1);
    expect(got.converged).toBe(true);
    for (let i = 0; i < 5; i++) {
      expect(Math.abs(got.values[i] - values[i]) / values[i]).toBeLessThan(1e-10);
      const v = got.vectors.subarray(i * 300, (i + 1) * 300);
      expect(Math.abs(cosine(v, q.subarray(i * 300, (i + 1) * 300)))).toBeGreaterThan(1 - 1e-9);
    }
  });

  it('finds a repeated top eigenvalue (an invariant subspace, not single vectors)', () => {
    const values = Array.from({ length: 200 }, (_, i) => (i < 3 ? 5 : 1 / (1 + i)));
    const { s } = withSpectrum(values, 8);
    const got = topEigen(s, 200, 3, 1);
    for (let i = 0; i < 3; i++) {
      expect(got.values[i]).toBeCloseTo(5, 10);
      expect(residual(s, 200, 5, got.vectors.subarray(i * 200, (i + 1) * 200))).toBeLessThan(1e-8);
    }
  });

  it('handles a zero matrix and returns orthonormal vectors', () => {
    const got = topEigen(new Float64Array(100 * 100), 100, 3, 1);
    expect(Array.from(got.values)).toEqual([0, 0, 0]);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let d = 0;
        for (let j = 0; j < 100; j++) d += got.vectors[a * 100 + j] * got.vectors[b * 100 + j];
        expect(d).toBeCloseTo(a === b ? 1 : 0, 12);
      }
    }
  });

  it('is deterministic for a seed and converges from any seed', () => {
    const values = Array.from({ length: 250 }, (_, i) => Math.exp(-i / 20));
    const { s } = withSpectrum(values, 5);
    const a = topEigen(s, 250, 3, 7);
    const b = topEigen(s, 250, 3, 7);
    const c = topEigen(s, 250, 3, 99);
    expect(Buffer.from(a.vectors.buffer)).toEqual(Buffer.from(b.vectors.buffer));
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(a.values[i] - c.values[i]) / values[i]).toBeLessThan(1e-12);
    }
  });
});

describe('lanczosTop (the fast path)', () => {
  it('converges on a slowly decaying spectrum to the full decomposition', () => {
    // Flat like random-weight ViT tokens: the top values are within a few percent of each other.
    const values = Array.from({ length: 256 }, (_, i) => 10 / (1 + i) ** 0.25);
    const { s, q } = withSpectrum(values, 12);
    const got = lanczosTop(s, 256, 3, mulberry32(4));
    expect(got).not.toBeNull();
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(got!.values[i] - values[i]) / values[i]).toBeLessThan(1e-10);
      expect(
        residual(s, 256, got!.values[i], got!.vectors.subarray(i * 256, (i + 1) * 256)),
      ).toBeLessThan(1e-8);
      const v = got!.vectors.subarray(i * 256, (i + 1) * 256);
      expect(Math.abs(cosine(v, q.subarray(i * 256, (i + 1) * 256)))).toBeGreaterThan(1 - 1e-9);
    }
  });

  it('never returns a repeated top eigenvalue short of its copies', () => {
    // Exactly repeated (a diagonal matrix): a single start vector's Krylov space meets the
    // eigenspace in one direction, so the deflated check must hand it to the block method.
    const p = 200;
    const s = new Float64Array(p * p);
    for (let i = 0; i < p; i++) s[i * p + i] = i < 3 ? 5 : 1 / (1 + i);
    const fast = lanczosTop(s, p, 3, mulberry32(1));
    if (fast) for (const v of fast.values) expect(v).toBeCloseTo(5, 10);
    const got = topEigen(s, p, 3, 1);
    for (let i = 0; i < 3; i++) {
      expect(got.values[i]).toBeCloseTo(5, 10);
      expect(residual(s, p, 5, got.vectors.subarray(i * p, (i + 1) * p))).toBeLessThan(1e-8);
    }
  });
});
