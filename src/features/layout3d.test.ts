import { describe, expect, it } from 'vitest';
import {
  cosineNeighbours,
  fitToBox,
  kmeans,
  normalizeRows,
  pcaLayout,
  umapNeighbours,
} from './layout3d';
import { gaussian } from './pca-test-utils';

/** n points a + t·u + s·v (+ tiny noise) in `dim` dims. */
function plane(n: number, dim: number, planar: boolean, seed = 7) {
  const g = gaussian(seed);
  const u = Array.from({ length: dim }, (_, j) => (j === 1 ? 1 : 0));
  const v = Array.from({ length: dim }, (_, j) => (j === 3 ? 1 : 0));
  const data = new Float32Array(n * dim);
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = 5 * g();
    const b = planar ? 2 * g() : 0;
    t.push(a);
    for (let j = 0; j < dim; j++) data[i * dim + j] = 3 + a * u[j] + b * v[j] + 1e-4 * g();
  }
  return { data, t };
}

describe('pcaLayout', () => {
  it('recovers points on a line: one component explains nearly everything', () => {
    const { data, t } = plane(50, 6, false);
    const { coords, explained } = pcaLayout(data, 50, 6, 3);
    expect(explained).toHaveLength(3);
    expect(explained[0]).toBeGreaterThan(0.999);
    expect(explained.reduce((s, e) => s + e, 0)).toBeLessThanOrEqual(1 + 1e-9);
    // The first coordinate is the line parameter up to sign and offset.
    const mean = t.reduce((s, x) => s + x, 0) / t.length;
    const sign = Math.sign(coords[0] * (t[0] - mean));
    for (let i = 0; i < 50; i++) expect(coords[i * 3] * sign).toBeCloseTo(t[i] - mean, 2);
  });

  it('recovers a plane: two components sum to ~1, the third ~0, the 2D layout has z = 0', () => {
    const { data } = plane(80, 8, true);
    const three = pcaLayout(data, 80, 8, 3);
    expect(three.explained[0] + three.explained[1]).toBeGreaterThan(0.9999);
    expect(three.explained[2]).toBeLessThan(1e-6);
    expect(three.explained[0]).toBeGreaterThan(three.explained[1]);
    const two = pcaLayout(data, 80, 8, 2);
    expect(two.explained).toHaveLength(2);
    for (let i = 0; i < 80; i++) expect(two.coords[i * 3 + 2]).toBe(0);
  });

  it('handles a single point', () => {
    const { coords, explained } = pcaLayout(new Float32Array([1, 2, 3]), 1, 3, 3);
    expect(Array.from(coords)).toEqual([0, 0, 0]);
    expect(explained).toEqual([0, 0, 0]);
  });
});

describe('fitToBox', () => {
  it('centres and scales to the radius', () => {
    const out = fitToBox(new Float32Array([0, 0, 0, 4, 2, 0]), 2, 1);
    expect(Array.from(out)).toEqual([-1, -0.5, 0, 1, 0.5, 0]);
  });
});

describe('kmeans', () => {
  it('separates well-separated blobs, deterministically', () => {
    const g = gaussian(3);
    const centres = [
      [10, 0, 0],
      [0, 10, 0],
      [0, 0, 10],
      [-10, -10, -10],
    ];
    const n = 200;
    const data = new Float32Array(n * 3);
    const truth: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = i % 4;
      truth.push(c);
      for (let j = 0; j < 3; j++) data[i * 3 + j] = centres[c][j] + 0.3 * g();
    }
    const r = kmeans(data, n, 3, 4, { seed: 11 });
    expect(r.k).toBe(4);
    // Each true blob maps to exactly one cluster, and the four clusters are distinct.
    const map = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      if (!map.has(truth[i])) map.set(truth[i], r.labels[i]);
      expect(r.labels[i]).toBe(map.get(truth[i]));
    }
    expect(new Set(map.values()).size).toBe(4);
    expect(Array.from(kmeans(data, n, 3, 4, { seed: 11 }).labels)).toEqual(Array.from(r.labels));
  });

  it('caps k at n and copes with identical rows', () => {
    const r = kmeans(new Float32Array([1, 1, 1, 1]), 2, 2, 5);
    expect(r.k).toBe(2);
    expect(r.inertia).toBe(0);
  });
});

describe('cosineNeighbours and normalizeRows', () => {
  it('ranks by cosine and leaves the query out', () => {
    const data = new Float32Array([1, 0, 0.9, 0.1, 0, 1, -1, 0]);
    const nb = cosineNeighbours(data, 4, 2, 0, 2);
    expect(nb.map((x) => x.index)).toEqual([1, 2]);
    expect(nb[0].score).toBeCloseTo(0.9 / Math.hypot(0.9, 0.1), 6);
    const unit = normalizeRows(data, 4, 2);
    expect(Math.hypot(unit[2], unit[3])).toBeCloseTo(1, 6);
  });
});

describe('umapNeighbours', () => {
  it('takes what was asked while there are more images, else one fewer than the images, at least 2', () => {
    expect(umapNeighbours(15, 50)).toBe(15);
    expect(umapNeighbours(200, 50)).toBe(49);
    expect(umapNeighbours(15, 4)).toBe(3);
    expect(umapNeighbours(15, 2)).toBe(2);
  });
});
