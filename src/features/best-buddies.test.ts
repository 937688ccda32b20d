import { describe, expect, it } from 'vitest';
import { bestBuddies } from './best-buddies';
import { rowNorms } from './knn';
import { cosineToRows, regionMatch, type PatchSet } from './patch-similarity';

function randomTokens(t: number, d: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from(
    { length: t * d },
    () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1,
  );
}

function patchSet(tokens: Float32Array, d: number, start: number, count: number): PatchSet {
  return { tokens, norms: rowNorms(tokens, tokens.length / d, d), d, start, count };
}

describe('bestBuddies', () => {
  it('maps every patch of an image to itself', () => {
    const d = 24;
    const tokens = randomTokens(1 + 4 + 64, d, 3); // CLS, 4 registers, 8x8 patches
    const a = patchSet(tokens, d, 5, 64);
    const r = bestBuddies(a, a, 1000);
    expect(r.mutual).toBe(64);
    for (let k = 0; k < 64; k++) expect(r.pairs[2 * k]).toBe(r.pairs[2 * k + 1]);
    expect(new Set(Array.from({ length: 64 }, (_, k) => r.pairs[2 * k])).size).toBe(64);
    for (const s of r.scores) expect(s).toBeCloseTo(1, 5);
  });

  it('finds a shuffled copy and returns the strongest first', () => {
    const d = 16;
    const a = randomTokens(30, d, 11);
    const perm = Array.from({ length: 30 }, (_, i) => (i * 7) % 30);
    const b = new Float32Array(30 * d);
    // b[perm[i]] = a[i] scaled (cosine ignores scale) plus a little noise.
    const noise = randomTokens(30, d, 5);
    perm.forEach((j, i) => {
      for (let t = 0; t < d; t++) b[j * d + t] = 2 * a[i * d + t] + 0.01 * i * noise[j * d + t];
    });
    const r = bestBuddies(patchSet(a, d, 0, 30), patchSet(b, d, 0, 30), 5);
    expect(r.mutual).toBe(30);
    expect(r.pairs.length).toBe(10);
    for (let k = 0; k < 5; k++) expect(r.pairs[2 * k + 1]).toBe(perm[r.pairs[2 * k]]);
    for (let k = 1; k < 5; k++) expect(r.scores[k]).toBeLessThanOrEqual(r.scores[k - 1]);
    expect(r.pairs[0]).toBe(0); // no noise on patch 0: the strongest pair
  });

  it('keeps only masked patches', () => {
    const d = 8;
    const t = randomTokens(10, d, 9);
    const s = patchSet(t, d, 0, 10);
    const mask = Uint8Array.from({ length: 10 }, (_, i) => (i < 4 ? 1 : 0));
    const r = bestBuddies(s, s, 100, mask, mask);
    expect(r.mutual).toBe(4);
    for (const p of r.pairs) expect(p).toBeLessThan(4);
  });
});

describe('patch similarity', () => {
  it('cosineToRows equals the definition, with or without norms', () => {
    const d = 5;
    const t = randomTokens(6, d, 21);
    const q = t.slice(2 * d, 3 * d);
    const got = cosineToRows(q, t, d, 1, 4);
    const withNorms = cosineToRows(q, t, d, 1, 4, rowNorms(t, 6, d));
    for (let i = 0; i < 4; i++) {
      const row = t.subarray((1 + i) * d, (2 + i) * d);
      const dot = row.reduce((s, x, j) => s + x * q[j], 0);
      const cos = dot / Math.hypot(...row) / Math.hypot(...q);
      expect(got[i]).toBeCloseTo(cos, 5);
      expect(withNorms[i]).toBeCloseTo(cos, 5);
    }
    expect(got[1]).toBeCloseTo(1, 6); // row 2 is the query itself
  });

  it('regionMatch scores a region found in the target and marks where it is', () => {
    const d = 12;
    const q = patchSet(randomTokens(16, d, 1), d, 0, 16);
    const tt = randomTokens(16, d, 2);
    tt.set(q.tokens.subarray(3 * d, 5 * d), 10 * d); // patches 3 and 4 appear at 10 and 11
    const target = patchSet(tt, d, 0, 16);
    const r = regionMatch(q, [3, 4], target);
    expect(r.score).toBeCloseTo(1, 5);
    expect(r.heat[10]).toBeCloseTo(1, 5);
    expect(r.heat[11]).toBeCloseTo(1, 5);
    const other = regionMatch(q, [3, 4], patchSet(randomTokens(16, d, 3), d, 0, 16));
    expect(other.score).toBeLessThan(0.9);
  });
});
