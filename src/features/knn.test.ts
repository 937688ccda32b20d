import { describe, expect, it } from 'vitest';
import { dotRows, normaliseRows, rowNorms, topK, topOf } from './knn';

describe('normaliseRows', () => {
  it('gives unit rows and leaves zero rows zero', () => {
    const m = normaliseRows(Float32Array.from([3, 4, 0, 0, 0, -2]), 3, 2);
    const want = [0.6, 0.8, 0, 0, 0, -1];
    want.forEach((w, i) => expect(m[i]).toBeCloseTo(w, 6));
    expect([...rowNorms(m, 3, 2)].map((x) => Math.round(x * 1e6) / 1e6)).toEqual([1, 0, 1]);
  });
});

describe('topK', () => {
  // Five points on the unit circle at 0, 30, 90, 180 and 270 degrees.
  const deg = [0, 30, 90, 180, 270];
  const m = Float32Array.from(
    deg.flatMap((a) => [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)]),
  );
  const q = Float32Array.from([Math.cos(Math.PI / 12), Math.sin(Math.PI / 12)]); // 15 degrees

  it('ranks by cosine, best first, with the right scores', () => {
    const r = topK(m, 5, 2, q, 3);
    expect([...r.index]).toEqual([0, 1, 2]); // 0 and 30 (both 15 away, lower index first), then 90
    expect(r.score[0]).toBeCloseTo(Math.cos(Math.PI / 12), 6);
    expect(r.score[1]).toBeCloseTo(Math.cos(Math.PI / 12), 6);
    expect(r.score[2]).toBeCloseTo(Math.cos((75 * Math.PI) / 180), 6);
  });

  it('skips rows and returns fewer than k when there are not enough', () => {
    const r = topK(m, 5, 2, q, 10, (i) => i === 0);
    expect([...r.index]).toEqual([1, 2, 4, 3]);
  });

  it('agrees with a full sort on random data', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const n = 500;
    const d = 37;
    const data = normaliseRows(Float32Array.from({ length: n * d }, rand), n, d);
    const query = normaliseRows(Float32Array.from({ length: d }, rand), 1, d);
    const scores = dotRows(data, n, d, query);
    const want = [...scores.keys()].sort((a, b) => scores[b] - scores[a] || a - b).slice(0, 10);
    expect([...topK(data, n, d, query, 10).index]).toEqual(want);
    expect([...topOf(scores, 0).index]).toEqual([]);
  });

  it('leaves NaN scores out instead of letting one stop the ranking', () => {
    const scores = Float32Array.from([0.1, NaN, 0.9, 0.8, 0.95]);
    expect([...topOf(scores, 2).index]).toEqual([4, 2]);
    expect([...topOf(Float32Array.from([NaN, 0.2]), 1).index]).toEqual([1]);
    expect([...topOf(Float32Array.from([NaN, 0.5, 0.7]), 5).index]).toEqual([2, 1]);
  });
});
