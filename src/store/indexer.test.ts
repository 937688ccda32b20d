import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  cancelIndexing,
  enqueue,
  finishingAfterCancel,
  pauseIndexing,
  resetQueue,
  setIndexRunner,
  useIndexing,
} from './indexer';

/** A runner whose images finish when the test says so. */
function manualRunner() {
  const pending = new Map<string, (o: 'done' | 'failed' | 'cancelled') => void>();
  setIndexRunner((id) => new Promise((resolve) => pending.set(id, resolve)));
  return {
    started: () => [...pending.keys()],
    async finish(id: string, outcome: 'done' | 'failed' | 'cancelled' = 'done') {
      pending.get(id)!(outcome);
      pending.delete(id);
      await Promise.resolve(); // the queue's continuation
      await Promise.resolve();
    },
  };
}

describe('indexer', () => {
  beforeEach(() => {
    resetQueue();
    pauseIndexing(false);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('keeps two images in flight and says which', async () => {
    const r = manualRunner();
    enqueue(['a', 'b', 'c']);
    expect(r.started()).toEqual(['a', 'b']);
    expect(useIndexing.getState()).toMatchObject({ running: true, total: 3, inFlight: ['a', 'b'] });
    await r.finish('a');
    expect(r.started()).toEqual(['b', 'c']);
    expect(useIndexing.getState()).toMatchObject({ done: 1, inFlight: ['b', 'c'] });
    await r.finish('b', 'failed');
    await r.finish('c');
    expect(useIndexing.getState()).toMatchObject({
      running: false,
      done: 2,
      failed: 1,
      inFlight: [],
    });
  });

  it('lets the images in flight finish while paused, and starts no other', async () => {
    const r = manualRunner();
    enqueue(['a', 'b', 'c', 'd']);
    pauseIndexing(true);
    expect(useIndexing.getState().inFlight).toEqual(['a', 'b']);
    await r.finish('a');
    await r.finish('b');
    expect(r.started()).toEqual([]);
    expect(useIndexing.getState()).toMatchObject({ running: true, paused: true, inFlight: [] });
    pauseIndexing(false);
    expect(useIndexing.getState().inFlight).toEqual(['c', 'd']);
  });

  it('drops the waiting images on cancel and stops at once, while those in flight finish', async () => {
    const r = manualRunner();
    enqueue(['a', 'b', 'c', 'd']);
    expect(cancelIndexing()).toEqual(['c', 'd']);
    // Not running from the click on (nothing says "computing" for c and d), two still finishing.
    expect(useIndexing.getState()).toMatchObject({ running: false, inFlight: ['a', 'b'] });
    expect(finishingAfterCancel(useIndexing.getState())).toBe(2);
    await r.finish('a');
    expect(finishingAfterCancel(useIndexing.getState())).toBe(1);
    await r.finish('b');
    expect(r.started()).toEqual([]);
    expect(useIndexing.getState()).toMatchObject({ running: false, done: 2, inFlight: [] });
    expect(finishingAfterCancel(useIndexing.getState())).toBe(0);
  });

  it('is finishing nothing while a run goes on, paused or not', () => {
    manualRunner();
    enqueue(['a', 'b', 'c']);
    expect(finishingAfterCancel(useIndexing.getState())).toBe(0);
    pauseIndexing(true);
    expect(finishingAfterCancel(useIndexing.getState())).toBe(0);
  });

  it('counts the images still finishing after a cancel in the next run', async () => {
    const r = manualRunner();
    enqueue(['a', 'b', 'c', 'd']);
    cancelIndexing();
    // Index remaining: all four unindexed images, two of them still in the worker.
    enqueue(['a', 'b', 'c', 'd']);
    expect(useIndexing.getState()).toMatchObject({ running: true, total: 4, done: 0 });
    await r.finish('a');
    await r.finish('b');
    await r.finish('c');
    await r.finish('d');
    expect(useIndexing.getState()).toMatchObject({ running: false, total: 4, done: 4 });
  });

  it('forgets everything on reset, and a late answer changes nothing', async () => {
    const r = manualRunner();
    enqueue(['a']);
    resetQueue();
    expect(useIndexing.getState()).toMatchObject({ running: false, total: 0, inFlight: [] });
    await r.finish('a');
    expect(useIndexing.getState()).toMatchObject({ done: 0, inFlight: [] });
  });

  it('keeps the time estimate through a pause: neither the paused time nor the refill counts', async () => {
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const r = manualRunner();
    enqueue(['a', 'b', 'c', 'd', 'e', 'f']);
    // Steady state: one image every 100 ms.
    now = 100;
    await r.finish('a');
    now = 200;
    await r.finish('b');
    expect(useIndexing.getState().msPerImage).toBe(100);
    pauseIndexing(true);
    now = 300;
    await r.finish('c');
    now = 400;
    await r.finish('d');
    expect(useIndexing.getState().msPerImage).toBe(100);
    // Ten seconds paused, then the refill: the first image back takes longer than the steady rate.
    now = 10_400;
    pauseIndexing(false);
    now = 10_700;
    await r.finish('e');
    now = 10_800;
    await r.finish('f');
    expect(useIndexing.getState().msPerImage).toBe(100);
  });

  it('counts the time across a short pause while images were still in flight (no idle time)', async () => {
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const r = manualRunner();
    enqueue(['a', 'b', 'c', 'd']);
    now = 100;
    await r.finish('a');
    pauseIndexing(true);
    now = 150;
    pauseIndexing(false); // 'b' never stopped running
    now = 200;
    await r.finish('b');
    expect(useIndexing.getState().msPerImage).toBe(100);
  });

  it('does not count the answers of a run reset meanwhile in the new run of the same images', async () => {
    // A new resolution while two images are in the worker: the same images are queued again.
    const calls: { id: string; end: (o: 'done' | 'cancelled') => void }[] = [];
    setIndexRunner((id) => new Promise((end) => calls.push({ id, end })));
    enqueue(['a', 'b', 'c']);
    resetQueue();
    enqueue(['a', 'b', 'c']);
    expect(calls.map((c) => c.id)).toEqual(['a', 'b', 'a', 'b']);
    // The old requests answer (cancelled, or done before the cancel reached the worker).
    calls[0].end('cancelled');
    calls[1].end('done');
    await new Promise((r) => setTimeout(r, 0));
    expect(useIndexing.getState()).toMatchObject({ total: 3, done: 0, inFlight: ['a', 'b'] });
    for (let k = 2; k < calls.length; k++) {
      calls[k].end('done');
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(calls.map((c) => c.id)).toEqual(['a', 'b', 'a', 'b', 'c']);
    expect(useIndexing.getState()).toMatchObject({ running: false, total: 3, done: 3 });
  });

  it('estimates from the recent mean interval, steady when two images finish close together', async () => {
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const r = manualRunner();
    const ids = Array.from({ length: 20 }, (_, i) => `i${i}`);
    enqueue(ids);
    // Two in the worker: they finish in pairs, 10 ms apart, a pair every 200 ms (100 ms each).
    const seen: number[] = [];
    for (let k = 0; k < 16; k++) {
      now = Math.floor(k / 2) * 200 + 200 + (k % 2) * 10;
      await r.finish(r.started()[0]);
      if (k >= 8) seen.push(useIndexing.getState().msPerImage!);
    }
    // Once the window is full it holds the steady rate, not a swing around it.
    for (const ms of seen) expect(ms).toBeCloseTo(100, 6);
  });
});
