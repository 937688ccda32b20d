import { describe, expect, it } from 'vitest';
import { makeStored, type StoredFeatures } from './embed';
import { TokenMemory } from './token-memory';

const DIM = 16;
const TOKENS = 1 + 4 * 4;
const BYTES = TOKENS * DIM * 4;

function image(seed: number): StoredFeatures {
  const tokens = Float32Array.from(
    { length: TOKENS * DIM },
    (_, i) => Math.sin(seed * 7.1 + i) * 3,
  );
  return makeStored(tokens, {
    tokenCount: TOKENS,
    dim: DIM,
    registers: 0,
    rows: 4,
    cols: 4,
    inputHeight: 56,
    inputWidth: 56,
    source: {
      file: new Blob([]),
      fileName: `${seed}.png`,
      preprocess: { mode: 'dense', resolution: 56, background: 'white' },
    },
  });
}

describe('TokenMemory', () => {
  it('reads similarity tokens from the float16 copy, with their own norms', () => {
    const memory = new TokenMemory(() => Promise.resolve(null));
    const f = image(1);
    const exact = f.exact!.slice();
    const { tokens, norms } = memory.approx(f);
    for (let i = 0; i < exact.length; i++) {
      expect(Math.abs(tokens[i] - exact[i])).toBeLessThanOrEqual(Math.abs(exact[i]) * 2 ** -11);
    }
    for (let t = 0; t < TOKENS; t++) {
      const row = tokens.subarray(t * DIM, (t + 1) * DIM);
      expect(norms[t]).toBeCloseTo(Math.hypot(...row), 5);
    }
    // The same copy whether cached or decoded again.
    expect(memory.approx(f).tokens).toBe(tokens);
  });

  it('keeps exact tokens of unsaved images, and bounds those of saved ones', async () => {
    const kept = new Map<StoredFeatures, Float32Array>();
    const memory = new TokenMemory((f) => Promise.resolve(kept.get(f)?.slice() ?? null), 2 * BYTES);
    const images = [image(1), image(2), image(3), image(4)];
    for (const f of images) kept.set(f, f.exact!.slice());
    const pinned = image(5);
    for (const f of images) memory.saved(f);
    // Only the two most recent saved images keep their exact tokens; the unsaved one keeps its own.
    expect(images.map((f) => f.exact !== null)).toEqual([false, false, true, true]);
    expect(memory.cacheBytes().exact).toBe(2 * BYTES);
    expect(await memory.exact(pinned)).toBe(pinned.exact);
    // An evicted image reads its exact tokens back from storage, bit for bit.
    const back = await memory.exact(images[0]);
    expect(Buffer.from(back.buffer)).toEqual(Buffer.from(kept.get(images[0])!.buffer));
    expect(images.map((f) => f.exact !== null)).toEqual([true, false, false, true]);
  });

  it('makes the float16 copy when the exact tokens leave memory, not when an image is saved', () => {
    const memory = new TokenMemory(() => Promise.resolve(null), BYTES);
    const [a, b] = [image(1), image(2)];
    const exactA = a.exact!.slice();
    memory.saved(a);
    expect(a.compact).toBeNull();
    memory.saved(b); // a leaves the working set
    expect(a.exact).toBeNull();
    expect(b.compact).toBeNull();
    // The copy that stays is a's own tokens, to float16 precision.
    const { tokens } = memory.approx(a);
    for (let i = 0; i < exactA.length; i++) {
      expect(Math.abs(tokens[i] - exactA[i])).toBeLessThanOrEqual(Math.abs(exactA[i]) / 1024);
    }
  });

  it('bounds the decoded copies and forgets released images', () => {
    const memory = new TokenMemory(() => Promise.resolve(null), 64 * BYTES, 3 * BYTES);
    const images = [1, 2, 3, 4, 5].map(image);
    for (const f of images) memory.approx(f);
    expect(memory.cacheBytes().decoded).toBe(3 * BYTES);
    memory.release(images[4]);
    expect(memory.cacheBytes().decoded).toBe(2 * BYTES);
    memory.clear();
    expect(memory.cacheBytes()).toEqual({ exact: 0, decoded: 0 });
  });

  it('says so when a saved image cannot be read back', async () => {
    const memory = new TokenMemory(() => Promise.resolve(null), BYTES);
    const [a, b] = [image(1), image(2)];
    memory.saved(a);
    memory.saved(b);
    expect(a.exact).toBeNull();
    await expect(memory.exact(a)).rejects.toThrow(/could not be read back/);
  });
});
