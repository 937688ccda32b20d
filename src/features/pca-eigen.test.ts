import { describe, expect, it } from 'vitest';
import { mulberry32, topEigen } from './pca-eigen';
import { lanczosTop, noneMissed } from './pca-lanczos';
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

  it('skips the check run only when the Frobenius norm leaves no room for a missed value', () => {
    const p = 120;
    // Top-heavy: three values carry nearly all the energy.
    const heavy = Array.from({ length: p }, (_, i) => (i < 3 ? [50, 20, 12][i] : 0.3 * 0.97 ** i));
    const h = withSpectrum(heavy, 31).s;
    expect(noneMissed(h, p, Float64Array.from([50, 20, 12]), 50)).toBe(true);
    // The same matrix with 20 claimed missing: 12 is not the third largest, and it must say so.
    expect(noneMissed(h, p, Float64Array.from([50, 12, heavy[3]]), 50)).toBe(false);
    // A flat rest: whatever was found, the bound proves nothing.
    const flat = Array.from({ length: p }, (_, i) => 10 / (1 + i) ** 0.25);
    const f = withSpectrum(flat, 32).s;
    expect(noneMissed(f, p, Float64Array.from(flat.slice(0, 3)), flat[0])).toBe(false);
  });

  it('never proves a wrong top k (random spectra, one value left out)', () => {
    const rng = mulberry32(77);
    for (let trial = 0; trial < 40; trial++) {
      const p = 40 + Math.floor(rng() * 60);
      const decay = 0.3 + rng() * 0.65;
      const values = Array.from({ length: p }, (_, i) => 100 * decay ** i * (0.5 + rng()));
      values.sort((a, b) => b - a);
      const { s } = withSpectrum(values, 100 + trial);
      const k = 1 + Math.floor(rng() * 4);
      // Claim the top k but leave out one of them (take the (k+1)-th instead).
      const skip = Math.floor(rng() * k);
      const claimed = values.filter((_, i) => i !== skip).slice(0, k);
      const gap = values[skip] - claimed[k - 1];
      if (gap > 1e-8 * values[0]) {
        expect(noneMissed(s, p, Float64Array.from(claimed), values[0])).toBe(false);
      }
      // And the true top k is proven only when the rest is small enough.
      const rest = values.slice(k).reduce((a, v) => a + v * v, 0);
      const proven = noneMissed(s, p, Float64Array.from(values.slice(0, k)), values[0]);
      if (proven) expect(rest).toBeLessThan((values[k - 1] + 1e-8 * values[0]) ** 2 * (1 + 1e-6));
      if (rest < 0.9 * values[k - 1] ** 2) expect(proven).toBe(true);
    }
  });
});
