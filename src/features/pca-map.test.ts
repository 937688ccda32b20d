import { describe, expect, it } from 'vitest';
import {
  autoForegroundSign,
  computePcaMaps,
  computePcaMapsAsync,
  foregroundMask,
  type FitRequest,
  pcaColours,
  type PcaImage,
} from './pca-map';
import { fitPca } from './pca';
import { gaussian, orthonormalRows } from './pca-test-utils';

const DIM = 32;

/**
 * A synthetic image: a centre block of "object" patches (cluster A, with three directions of
 * internal variation) on a background of cluster B. `amplitude` scales the object's variation;
 * `object: false` makes the whole image background; `sign: -1` mirrors the clusters, which flips
 * the first component's sign relative to the object.
 */
function scene(
  rows: number,
  cols: number,
  seed: number,
  {
    amplitude = 1,
    object = true,
    sign = 1,
  }: { amplitude?: number; object?: boolean; sign?: number } = {},
): PcaImage & { planted: Uint8Array } {
  const dirs = orthonormalRows(5, DIM, 1234); // shared by all scenes: same "semantics"
  const g = gaussian(seed);
  const patches = new Float32Array(rows * cols * DIM);
  const planted = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const fg =
        object && r >= rows / 4 && r < (3 * rows) / 4 && c >= cols / 4 && c < (3 * cols) / 4;
      planted[i] = fg ? 1 : 0;
      const row = patches.subarray(i * DIM, (i + 1) * DIM);
      for (let j = 0; j < DIM; j++) row[j] = 0.05 * g() + sign * (fg ? 6 : -2) * dirs[j];
      if (fg) {
        for (let d = 1; d <= 3; d++) {
          const a = (amplitude * g()) / d;
          for (let j = 0; j < DIM; j++) row[j] += a * dirs[d * DIM + j];
        }
      } else {
        const a = 0.3 * g();
        for (let j = 0; j < DIM; j++) row[j] += a * dirs[4 * DIM + j];
      }
    }
  }
  return { patches, rows, cols, planted };
}

function channelRange(
  colours: Float32Array,
  c: number,
  mask?: Uint8Array | null,
): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < colours.length / 3; i++) {
    if (mask && !mask[i]) continue;
    lo = Math.min(lo, colours[i * 3 + c]);
    hi = Math.max(hi, colours[i * 3 + c]);
  }
  return [lo, hi];
}

const plain = { foregroundOnly: false, threshold: 0.5, invert: 'auto' } as const;
const fgOnly = { foregroundOnly: true, threshold: 0.5, invert: 'auto' } as const;

describe('pcaColours', () => {
  it('min-max scales each component over the listed rows and leaves the rest 0', () => {
    // n = 4, k = 2: component 0 = [0, 10, 5, 100], component 1 constant.
    const scores = Float32Array.of(0, 1, 10, 1, 5, 1, 100, 1);
    const all = pcaColours(scores, 4, 2);
    expect(all).toEqual(Float32Array.of(0, 0.5, 0, 0.1, 0.5, 0, 0.05, 0.5, 0, 1, 0.5, 0));
    const some = pcaColours(scores, 4, 2, { rows: Int32Array.of(0, 1, 2) });
    expect(some).toEqual(Float32Array.of(0, 0.5, 0, 1, 0.5, 0, 0.5, 0.5, 0, 0, 0, 0));
  });
});

describe('foregroundMask and autoForegroundSign', () => {
  it('thresholds min-max normalized scores, inverted on request', () => {
    const first = Float32Array.of(-1, -0.2, 0.2, 1); // normalized: 0, 0.4, 0.6, 1
    expect(Array.from(foregroundMask(first, 0.5, false))).toEqual([0, 0, 1, 1]);
    expect(Array.from(foregroundMask(first, 0.5, true))).toEqual([1, 1, 0, 0]);
  });

  it('inverts when the border scores higher than the centre', () => {
    const rows = 6;
    const cols = 8;
    const centreHigh = new Float32Array(rows * cols);
    for (let r = 1; r < rows - 1; r++)
      for (let c = 1; c < cols - 1; c++) centreHigh[r * cols + c] = 1;
    expect(autoForegroundSign(centreHigh, rows, cols)).toBe(false);
    expect(
      autoForegroundSign(
        centreHigh.map((v) => -v),
        rows,
        cols,
      ),
    ).toBe(true);
    expect(autoForegroundSign(Float32Array.of(1, 2, 3, 4), 2, 2)).toBe(false); // no centre
  });
});

describe('computePcaMaps', () => {
  it('gives two identical images identical maps, joint and per image', () => {
    const a = scene(10, 12, 1);
    for (const joint of [true, false]) {
      for (const opts of [plain, fgOnly]) {
        const out = computePcaMaps([a, { ...a }], DIM, { ...opts, joint });
        expect(out.maps).toHaveLength(2);
        expect(out.maps[0].colours).toEqual(out.maps[1].colours);
        expect(out.maps[0].mask).toEqual(out.maps[1].mask);
        expect(out.maps[0].colours.length).toBe(10 * 12 * 3);
        expect(out.perImageExplained[0]).toEqual(out.perImageExplained[1]);
      }
    }
  });

  it('scales colours jointly across images (one range) but per image when asked', () => {
    const big = scene(12, 12, 2, { amplitude: 2 });
    const small = scene(12, 12, 3, { amplitude: 0.5 });
    const joint = computePcaMaps([big, small], DIM, { ...fgOnly, joint: true });
    for (let c = 0; c < 3; c++) {
      const [lo0, hi0] = channelRange(joint.maps[0].colours, c, joint.maps[0].mask);
      const [lo1, hi1] = channelRange(joint.maps[1].colours, c, joint.maps[1].mask);
      // The extremes are shared: the pool spans [0, 1] ...
      expect(Math.min(lo0, lo1)).toBe(0);
      expect(Math.max(hi0, hi1)).toBe(1);
      // ... and the quieter image uses only part of it.
      expect(hi1 - lo1).toBeLessThan(0.8);
    }
    expect(joint.perImageExplained[1]).toEqual(joint.explained);

    const single = computePcaMaps([big, small], DIM, { ...fgOnly, joint: false });
    for (const map of single.maps) {
      for (let c = 0; c < 3; c++) expect(channelRange(map.colours, c, map.mask)).toEqual([0, 1]);
    }
    const mean = single.perImageExplained[0].map(
      (v, c) => (v + single.perImageExplained[1][c]) / 2,
    );
    single.explained.forEach((v, c) => expect(v).toBeCloseTo(mean[c], 15));
  });

  it('finds the planted foreground with the auto sign, flips it when inverted, blacks out the rest', () => {
    const autoSigns = new Set<boolean>();
    for (const [joint, sign] of [
      [true, 1],
      [false, 1],
      [true, -1],
      [false, -1],
    ] as const) {
      const images = [scene(12, 16, 4, { sign }), scene(16, 12, 5, { sign })];
      const auto = computePcaMaps(images, DIM, { ...fgOnly, joint });
      autoSigns.add(auto.invertUsed);
      auto.maps.forEach((map, i) => {
        expect(map.mask).toEqual(images[i].planted);
        for (let p = 0; p < map.rows * map.cols; p++) {
          if (!map.mask![p])
            expect(Array.from(map.colours.subarray(p * 3, p * 3 + 3))).toEqual([0, 0, 0]);
        }
        for (let c = 0; c < 3; c++) {
          const [lo, hi] = channelRange(map.colours, c, map.mask);
          expect(lo).toBeGreaterThanOrEqual(0);
          expect(hi).toBeLessThanOrEqual(1);
        }
      });
      const flipped = computePcaMaps(images, DIM, { ...fgOnly, joint, invert: !auto.invertUsed });
      flipped.maps.forEach((map, i) => {
        expect(Array.from(map.mask!)).toEqual(Array.from(images[i].planted, (v) => 1 - v));
        expect(map.inverted).toBe(!auto.maps[i].inverted);
      });
      const explicit = computePcaMaps(images, DIM, { ...fgOnly, joint, invert: auto.invertUsed });
      expect(explicit.maps[0].mask).toEqual(auto.maps[0].mask);
    }
    expect(autoSigns.size).toBe(2); // both outcomes of the automatic sign were exercised
  });

  it('pools the foreground jointly: an image without an object is all background', () => {
    const images = [scene(12, 12, 6), scene(12, 12, 7, { object: false })];
    const out = computePcaMaps(images, DIM, { ...fgOnly, joint: true });
    expect(out.maps[0].mask).toEqual(images[0].planted);
    expect(Array.from(out.maps[1].mask!).every((v) => v === 0)).toBe(true);
    expect(Array.from(out.maps[1].colours).every((v) => v === 0)).toBe(true);
  });

  it('falls back to the whole-image PCA when fewer than 3 patches are foreground', () => {
    const images = [scene(8, 8, 8)];
    const none = computePcaMaps(images, DIM, { ...fgOnly, joint: false, threshold: 1 });
    const whole = computePcaMaps(images, DIM, { ...plain, joint: false });
    // It says so, and keeps the (too small) mask for display; the colours are the first PCA's.
    expect(none.maps[0].foregroundFallback).toBe(true);
    expect(whole.maps[0].foregroundFallback).toBe(false);
    expect(Array.from(none.maps[0].mask!).reduce((a, b) => a + b, 0)).toBeLessThan(3);
    expect(none.maps[0].colours).toEqual(whole.maps[0].colours);
    expect(none.explained).toEqual(whole.explained);
  });

  it('is deterministic to the bit', () => {
    const images = [scene(12, 12, 9), scene(12, 12, 10)];
    const a = computePcaMaps(images, DIM, { ...fgOnly, joint: true });
    const b = computePcaMaps(images, DIM, { ...fgOnly, joint: true });
    expect(Buffer.from(a.maps[1].colours.buffer)).toEqual(Buffer.from(b.maps[1].colours.buffer));
    expect(a.explained).toEqual(b.explained);
  });

  it('can fit on a strided subset of patches and still colour them all', () => {
    const images = [scene(16, 16, 11), scene(16, 16, 12)];
    const exact = computePcaMaps(images, DIM, { ...fgOnly, joint: true });
    expect(computePcaMaps(images, DIM, { ...fgOnly, joint: true, maxFitRows: 512 })).toEqual(exact);
    const sub = computePcaMaps(images, DIM, { ...fgOnly, joint: true, maxFitRows: 100 });
    sub.maps.forEach((map, i) => {
      expect(map.mask).toEqual(images[i].planted);
      const max = Math.max(...Array.from(map.colours));
      expect(max).toBeLessThanOrEqual(1);
    });
    sub.explained.forEach((v, c) => expect(v).toBeCloseTo(exact.explained[c], 1));
  });

  it('refuses patches that do not match the grid', () => {
    const a = scene(4, 4, 1);
    expect(() => computePcaMaps([{ ...a, rows: 5 }], DIM, { ...plain, joint: true })).toThrow(
      /grid/,
    );
    expect(computePcaMaps([], DIM, { ...plain, joint: true }).maps).toEqual([]);
  });
});

describe('computePcaMapsAsync', () => {
  it('tells each fit which images its rows come from (for rows kept elsewhere)', async () => {
    const a = { ...scene(10, 12, 1), key: {} };
    const b = { ...scene(8, 8, 2), key: {} };
    for (const joint of [true, false]) {
      const asked: FitRequest[] = [];
      await computePcaMapsAsync([a, b], DIM, { ...fgOnly, joint }, (q) => {
        asked.push(q);
        return Promise.resolve(fitPca(q.data, q.n, q.dim, q.k, { seed: q.seed, rows: q.rows }));
      });
      const groups = joint ? [[a, b]] : [[a], [b]];
      // Two fits per group (all patches, then the foreground), each naming the group's images.
      expect(asked.map((q) => q.parts)).toEqual(
        groups.flatMap((g) => {
          const parts = g.map((im) => ({ key: im.key, count: im.rows * im.cols }));
          return [parts, parts];
        }),
      );
      for (const q of asked) expect(q.parts.reduce((s, p) => s + p.count, 0)).toBe(q.n);
      // The very keys given (toEqual above compares them by value only).
      const keys = asked.flatMap((q) => q.parts.map((p) => p.key));
      expect(keys).toHaveLength(4);
      keys.forEach((k, i) => expect(k).toBe(joint ? [a, b][i % 2].key : [a, a, b, b][i].key));
    }
  });
});
