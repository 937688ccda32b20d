import { describe, expect, it } from 'vitest';
import { topK } from './knn';
import { mulberry32 } from './pca-eigen';
import { classifyLeaveOneOut, vote, type Neighbours } from './knn-classify';

const nb = (index: number[], score: number[]): Neighbours => ({
  index: Int32Array.from(index),
  score: Float32Array.from(score),
});

/** `n` unit vectors in `d` dimensions around one centre per class (spread: the noise's size). */
function clustered(seed: number, n: number, d: number, classes: number, spread: number) {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: classes }, () => Array.from({ length: d }, gauss));
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const rows = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = centres[labels[i]][j] + spread * gauss();
      rows[i * d + j] = v;
      s += v * v;
    }
    for (let j = 0; j < d; j++) rows[i * d + j] /= Math.sqrt(s);
  }
  return { labels, rows };
}

/** Each row's k nearest other rows, by brute force. */
const neighboursOf = (rows: Float32Array, n: number, d: number, k: number) => (i: number) =>
  topK(rows, n, d, rows.subarray(i * d, (i + 1) * d), k, (j) => j === i);

describe('vote', () => {
  it('weighs each neighbour by exp(similarity / T)', () => {
    // Class 0: one neighbour at 0.9; class 1: two at 0.8. exp(0.9/T) vs 2 exp(0.8/T).
    const labels = [0, 1, 1];
    const n = nb([0, 1, 2], [0.9, 0.8, 0.8]);
    // T = 0.07: exp(0.1/0.07) = 4.2 > 2, the closer one wins; T = 1: 1.1 < 2, the two win.
    expect(vote(labels, n, 2, 0.07)).toBe(0);
    expect(vote(labels, n, 2, 1)).toBe(1);
  });

  it('gives a tie to the lower class and ignores scores that are not numbers', () => {
    expect(vote([1, 0], nb([0, 1], [0.5, 0.5]), 2, 0.07)).toBe(0);
    expect(vote([1, 0, 0], nb([0, 1, 2], [0.5, 0.5, NaN]), 2, 0.07)).toBe(0);
    expect(vote([0, 1, 1], nb([0, 1, 2], [NaN, 0.5, 0.4]), 2, 0.07)).toBe(1);
    expect(vote([2], nb([], []), 3, 0.07)).toBe(0);
  });

  it('does not overflow at a tiny temperature (it becomes 1-NN)', () => {
    const labels = [1, 0, 0, 0];
    expect(vote(labels, nb([0, 1, 2, 3], [0.99, 0.98, 0.98, 0.98]), 2, 1e-4)).toBe(1);
  });

  it('agrees with the formula as written, in double precision', () => {
    const rand = mulberry32(7);
    for (let trial = 0; trial < 200; trial++) {
      const k = 1 + Math.floor(rand() * 20);
      const labels = Array.from({ length: k }, () => Math.floor(rand() * 4));
      const scores = Array.from({ length: k }, () => rand() * 2 - 1).sort((a, b) => b - a);
      const T = 0.05 + rand();
      const sums = [0, 0, 0, 0];
      scores.forEach((s, j) => (sums[labels[j]] += Math.exp(s / T)));
      const want = sums.indexOf(Math.max(...sums));
      const n = nb(
        labels.map((_, j) => j),
        scores,
      );
      expect(vote(labels, n, 4, T)).toBe(want);
    }
  });
});

describe('classifyLeaveOneOut', () => {
  it('classifies well-separated classes without a mistake', () => {
    const { labels, rows } = clustered(1, 60, 16, 3, 0.1);
    const r = classifyLeaveOneOut(labels, 3, neighboursOf(rows, 60, 16, 20), 0.07);
    expect(r.correct).toBe(60);
    expect(r.total).toBe(60);
    expect(r.perClass).toEqual([
      { count: 20, correct: 20 },
      { count: 20, correct: 20 },
      { count: 20, correct: 20 },
    ]);
    expect(r.majority).toBeCloseTo(1 / 3, 10);
  });

  it('keeps its counts consistent, and does not depend on how classes are numbered', () => {
    for (const seed of [2, 3, 4, 5]) {
      const { labels, rows } = clustered(seed, 45, 8, 3, 1.5); // overlapping: some mistakes
      const find = neighboursOf(rows, 45, 8, 5);
      const r = classifyLeaveOneOut(labels, 3, find, 0.07);
      const confusionTotal = r.confusion.reduce((s, v) => s + v, 0);
      expect(confusionTotal).toBe(45);
      const diagonal = [0, 1, 2].reduce((s, c) => s + r.confusion[c * 3 + c], 0);
      expect(diagonal).toBe(r.correct);
      expect(r.perClass.reduce((s, c) => s + c.correct, 0)).toBe(r.correct);
      r.predicted.forEach((p, i) => expect(r.confusion[labels[i] * 3 + p]).toBeGreaterThan(0));
      // The same data with the class numbers rotated: the same images are right.
      const rotated = labels.map((l) => (l + 1) % 3);
      const s = classifyLeaveOneOut(rotated, 3, find, 0.07);
      expect(s.correct).toBe(r.correct);
      s.predicted.forEach((p, i) => expect(p).toBe((r.predicted[i] + 1) % 3));
    }
  });

  it('is 1-NN with k = 1', () => {
    const { labels, rows } = clustered(9, 30, 8, 3, 2);
    const find = neighboursOf(rows, 30, 8, 1);
    const r = classifyLeaveOneOut(labels, 3, find, 0.07);
    for (let i = 0; i < 30; i++) expect(r.predicted[i]).toBe(labels[find(i).index[0]]);
  });
});
