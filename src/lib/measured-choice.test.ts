import { describe, expect, it } from 'vitest';
import { MeasuredChoice } from './measured-choice';

/** Runs `calls` calls, each path taking the time `cost` gives it; returns the paths that ran. */
function drive<P extends string>(
  c: MeasuredChoice<P>,
  calls: number,
  cost: (p: P, i: number) => number,
): P[] {
  const ran: P[] = [];
  for (let i = 0; i < calls; i++) {
    const p = c.next();
    ran.push(p);
    c.record(p, cost(p, i));
  }
  return ran;
}

describe('MeasuredChoice', () => {
  it('tries every path its sample count, then serves the faster one', () => {
    for (const [wasm, gpu, want] of [
      [7, 1, 'gpu'],
      [0.2, 1.5, 'wasm'],
    ] as const) {
      const c = new MeasuredChoice(['wasm', 'gpu'] as const, 3, 1000);
      const ran = drive(c, 50, (p) => (p === 'wasm' ? wasm : gpu));
      expect(ran.slice(0, 6).filter((p) => p === 'gpu').length).toBe(3);
      expect(ran.slice(6).every((p) => p === want)).toBe(true);
      expect(c.best()).toBe(want);
    }
  });

  it('has no best before every path has its samples', () => {
    const c = new MeasuredChoice(['a', 'b'] as const, 3);
    drive(c, 5, () => 1);
    expect(c.best()).toBeNull();
  });

  it('uses medians, so one slow outlier does not decide', () => {
    const c = new MeasuredChoice(['a', 'b'] as const, 3, 1000);
    // a is faster, but its first run is a 100 ms outlier (a first compile, say).
    let firstA = true;
    drive(c, 20, (p) => {
      if (p === 'a' && firstA) {
        firstA = false;
        return 100;
      }
      return p === 'a' ? 1 : 2;
    });
    expect(c.best()).toBe('a');
  });

  it('rechecks the other path, and follows when the times change', () => {
    const c = new MeasuredChoice(['a', 'b'] as const, 3, 10);
    // b is faster for the first 100 calls, then a is.
    const ran = drive(c, 300, (p, i) => (p === 'a' ? 5 : i < 100 ? 1 : 9));
    expect(ran.slice(20, 100).filter((p) => p === 'a').length).toBeGreaterThan(0);
    expect(ran.slice(20, 100).filter((p) => p === 'b').length).toBeGreaterThan(60);
    expect(ran.slice(200).filter((p) => p === 'a').length).toBeGreaterThan(80);
  });

  it('never serves a path that timed out over one that answered, however the times drift', () => {
    // The CI failure this guards: the deadline was the other path's median, the cut-off run was
    // timed at it, and the other path's later runs came out slower, so the silent one won.
    const c = new MeasuredChoice(['session', 'gpu'] as const, 3, 1000);
    let slow = 10;
    for (let i = 0; i < 20; i++) {
      const p = c.next();
      if (p === 'gpu') c.timedOut('gpu');
      else c.record('session', (slow *= 1.5));
    }
    expect(c.best()).toBe('session');
    expect(c.medians().gpu).toBe(Infinity);
    // One late answer among quick ones does not decide (the median), two of three do.
    const d = new MeasuredChoice(['cpu', 'gpu'] as const, 3, 1000);
    for (const ms of [5, 5, 5]) d.record('cpu', ms);
    d.record('gpu', 1);
    d.timedOut('gpu');
    d.record('gpu', 1);
    expect(d.best()).toBe('gpu');
    d.timedOut('gpu');
    expect(d.best()).toBe('cpu');
    // Both timed out: still a path to serve, the earlier one.
    const e = new MeasuredChoice(['a', 'b'] as const, 1);
    e.timedOut('b');
    e.timedOut('a');
    expect(e.best()).toBe('a');
    expect(e.next()).toBe('a');
  });

  it('drops a failed path but never the last one, and ignores bad times', () => {
    const c = new MeasuredChoice(['wasm', 'gpu'] as const, 2);
    c.drop('gpu');
    expect(drive(c, 10, () => 1).every((p) => p === 'wasm')).toBe(true);
    c.drop('wasm');
    expect(c.next()).toBe('wasm');
    c.record('wasm', NaN);
    c.record('wasm', -1);
    expect(c.medians().wasm).toBe(1);
    expect(() => new MeasuredChoice([])).toThrow(RangeError);
  });
});
