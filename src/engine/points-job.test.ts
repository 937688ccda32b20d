import { describe, expect, it } from 'vitest';
import { computePcaMaps } from '../features/pca-map';
import { makeStored } from './embed';
import { computeDescriptors, computePatchPoints } from './points-job';
import { TokenMemory } from './token-memory';

const memory = new TokenMemory(() => Promise.resolve(null));

/** Features with CLS = [i, ...], no registers, and patch p of image i = seeded values. */
function stored(seed: number, rows: number, cols: number, dim: number, registers = 0) {
  const tokenCount = 1 + registers + rows * cols;
  const tokens = new Float32Array(tokenCount * dim);
  let t = seed;
  for (let i = 0; i < tokens.length; i++) {
    t = (t * 1103515245 + 12345) % 2147483648;
    tokens[i] = t / 2147483648 - 0.5;
  }
  return makeStored(tokens, {
    tokenCount,
    dim,
    registers,
    rows,
    cols,
    inputHeight: rows * 14,
    inputWidth: cols * 14,
    source: {
      file: new Blob([]),
      fileName: 'x.png',
      preprocess: { mode: 'dense', resolution: 224, background: 'white' },
    },
  });
}

describe('computeDescriptors', () => {
  const features = new Map([
    ['a', stored(1, 2, 3, 4, 2)],
    ['b', stored(2, 3, 3, 4)],
  ]);

  it('gives CLS tokens of the images that have features, in order', () => {
    const { result } = computeDescriptors(
      { type: 'descriptors', imageIds: ['b', 'missing', 'a'], descriptor: 'cls' },
      features,
    );
    expect(result.imageIds).toEqual(['b', 'a']);
    expect(result.dim).toBe(4);
    const cls = features.get('b')!.exact!.subarray(0, 4);
    const norm = Math.hypot(...cls);
    for (let j = 0; j < 4; j++) expect(result.data[j]).toBeCloseTo(cls[j] / norm, 6);
  });

  it('averages the patch tokens (registers left out), normalised', () => {
    const { result } = computeDescriptors(
      { type: 'descriptors', imageIds: ['a'], descriptor: 'mean' },
      features,
    );
    const f = features.get('a')!;
    const mean = [0, 1, 2, 3].map((j) => {
      let s = 0;
      for (let p = 0; p < 6; p++) s += f.exact![(3 + p) * 4 + j];
      return s / 6;
    });
    const norm = Math.hypot(...mean);
    for (let j = 0; j < 4; j++) expect(result.data[j]).toBeCloseTo(mean[j] / norm, 6);
  });
});

describe('computePatchPoints', () => {
  const features = new Map([
    ['a', stored(3, 4, 5, 8, 1)],
    ['b', stored(4, 3, 3, 8)],
  ]);

  it('colours every patch like the joint PCA map', async () => {
    const { result } = await computePatchPoints(
      { type: 'patchPoints', imageIds: ['a', 'b'] },
      features,
      memory,
    );
    expect(result.total).toBe(29);
    expect(result.sampled).toBe(false);
    expect(result.image.length).toBe(29);
    expect(result.grids).toEqual([
      { imageId: 'a', rows: 4, cols: 5 },
      { imageId: 'b', rows: 3, cols: 3 },
    ]);
    const patches = (id: string, skip: number) => {
      const f = features.get(id)!;
      return f.exact!.subarray(skip * 8);
    };
    const maps = computePcaMaps(
      [
        { patches: patches('a', 2), rows: 4, cols: 5 },
        { patches: patches('b', 1), rows: 3, cols: 3 },
      ],
      8,
      { joint: true, foregroundOnly: false, invert: false },
    );
    const want = [...maps.maps[0].colours, ...maps.maps[1].colours];
    for (let i = 0; i < want.length; i++) expect(result.colours[i]).toBeCloseTo(want[i], 5);
    expect(result.explained.reduce((s, e) => s + e, 0)).toBeLessThanOrEqual(1);
    expect(result.image[20]).toBe(1);
    expect(result.patch[20]).toBe(0);
  });

  it('samples evenly when asked for fewer points, and says so', async () => {
    const { result } = await computePatchPoints(
      { type: 'patchPoints', imageIds: ['a', 'b'], maxPoints: 10 },
      features,
      memory,
    );
    expect(result.sampled).toBe(true);
    expect(result.total).toBe(29);
    expect(result.coords.length).toBe(30);
    expect(new Set(result.image)).toEqual(new Set([0, 1]));
  });
});
