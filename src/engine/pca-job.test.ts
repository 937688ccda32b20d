import { describe, expect, it, vi } from 'vitest';
import { makeStored, type StoredFeatures } from './embed';
import { PcaAhead, sentWithFeatures } from './pca-job';
import type { PcaRequest, PcaResult } from './protocol';

function image(seed: number, rows = 2, dim = 8): StoredFeatures {
  const tokenCount = 1 + rows * rows;
  const tokens = Float32Array.from({ length: tokenCount * dim }, (_, i) => Math.sin(seed + i));
  return makeStored(tokens, {
    tokenCount,
    dim,
    registers: 0,
    rows,
    cols: rows,
    inputHeight: 28,
    inputWidth: 28,
    source: {
      file: new Blob([]),
      fileName: `${seed}.png`,
      preprocess: { mode: 'dense', resolution: 28, background: 'white' },
    },
  });
}

const request = (imageIds: string[], threshold = 0.5): PcaRequest => ({
  type: 'pca',
  imageIds,
  joint: true,
  foregroundOnly: false,
  threshold,
  invert: 'auto',
});

describe('PcaAhead', () => {
  it('answers the same request over the same features, once', async () => {
    const features = new Map([
      ['a', image(1)],
      ['b', image(2)],
    ]);
    const ahead = new PcaAhead();
    const answer = { result: { ms: 1 } as PcaResult, transfer: [] };
    let runs = 0;
    ahead.start(request(['a', 'b']), features, () => {
      runs++;
      return Promise.resolve(answer);
    });
    expect(ahead.take(request(['b', 'a']), features)).toBeNull(); // another order: not the same
    expect(ahead.take(request(['a', 'b'], 0.6), features)).toBeNull(); // other settings
    expect(await ahead.take(request(['a', 'b']), features)).toEqual({
      ...answer,
      result: { ms: 1, startedEarly: true },
    });
    expect(ahead.take(request(['a', 'b']), features)).toBeNull(); // its buffers went with it
    expect(runs).toBe(1);
  });

  it('does not answer once an image has new features', () => {
    const features = new Map([['a', image(1)]]);
    const ahead = new PcaAhead();
    ahead.start(request(['a']), features, () =>
      Promise.resolve({ result: {} as PcaResult, transfer: [] }),
    );
    features.set('a', image(3)); // re-embedded meanwhile (another model or preprocessing)
    expect(ahead.take(request(['a']), features)).toBeNull();
  });

  it('hands a failure to the request that takes it', async () => {
    const ahead = new PcaAhead();
    const features = new Map([['a', image(1)]]);
    ahead.start(request(['a']), features, () => Promise.reject(new Error('no tokens')));
    await expect(ahead.take(request(['a']), features)).rejects.toThrow('no tokens');
  });

  it('runs deferred work after the early answer is handed over, or at its deadline', async () => {
    const features = new Map([['a', image(1)]]);
    const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
    const log: string[] = [];
    let finish: (a: { result: PcaResult; transfer: Transferable[] }) => void = () => undefined;

    // Handed over: after the answer, not before, and long before the deadline.
    const ahead = new PcaAhead();
    ahead.start(request(['a']), features, () => new Promise((r) => (finish = r)));
    ahead.afterHandover(() => log.push('save'), 10_000);
    await tick(5);
    expect(log).toEqual([]); // the maps are not out yet
    const taken = ahead.take(request(['a']), features)!;
    void taken.then(() => log.push('answer'));
    finish({ result: {} as PcaResult, transfer: [] });
    await tick(5);
    expect(log).toEqual(['answer', 'save']);

    // Never asked for: the deadline runs it (on a fake clock: a busy machine's real one may pass
    // the deadline before the first check).
    vi.useFakeTimers();
    try {
      const late = new PcaAhead();
      late.start(request(['a']), features, () => new Promise(() => undefined));
      late.afterHandover(() => log.push('deadline'), 20);
      vi.advanceTimersByTime(19);
      expect(log).not.toContain('deadline');
      vi.advanceTimersByTime(1); // the deadline: it runs `fn` in the next task
      vi.advanceTimersByTime(1);
      expect(log).toContain('deadline');
    } finally {
      vi.useRealTimers();
    }

    // Dropped (cleared), or nothing pending: the next task, once.
    const dropped = new PcaAhead();
    dropped.start(request(['a']), features, () => new Promise(() => undefined));
    dropped.afterHandover(() => log.push('cleared'), 10_000);
    dropped.clear();
    new PcaAhead().afterHandover(() => log.push('idle'));
    await tick(5);
    expect(log.filter((x) => x === 'cleared' || x === 'idle').sort()).toEqual(['cleared', 'idle']);
  });
});

describe('sentWithFeatures', () => {
  it('comes with the features for one image at 224 px, or a few; not for many or large ones', () => {
    // ViT-S: 16 x 16 patches of 384 at 224 px, 32 x 32 at 448 px.
    const features = new Map<string, StoredFeatures>();
    for (let i = 0; i < 8; i++) features.set(`s${i}`, image(i, 16, 384));
    features.set('big', image(9, 32, 384));
    expect(sentWithFeatures(request(['s0']), features)).toBe(true); // Gram 256 x 256 x 384
    expect(sentWithFeatures(request(['s0', 's1']), features)).toBe(true); // 512 x 384², 75 M
    expect(sentWithFeatures(request(['s0', 's1', 's2']), features)).toBe(false); // 113 M
    expect(sentWithFeatures(request(['big']), features)).toBe(false); // 1024 x 384², 151 M
    // Images without features (removed meanwhile) count for nothing; none at all: nothing to do.
    expect(sentWithFeatures(request(['gone']), features)).toBe(false);
    expect(sentWithFeatures(request(['s0', 'gone']), features)).toBe(true);
  });
});
