/**
 * Picks between ways of computing the same result (the WASM loop or a GPU kernel) by timing them
 * on the real workload, not by guessing from the hardware. Each path first serves `samples` calls
 * (in turn: both give the same answer, so the caller just uses whichever ran); then the one with
 * the lower median of its last `samples` times serves, and every `recheckEvery` calls another path
 * serves once, so a change (a busier CPU, a warmer GPU) is noticed. A path that fails is dropped.
 */
export class MeasuredChoice<P extends string> {
  private readonly times = new Map<P, number[]>();
  private calls = 0;

  constructor(
    paths: readonly P[],
    private readonly samples = 3,
    private readonly recheckEvery = 100,
  ) {
    if (paths.length === 0) throw new RangeError('MeasuredChoice needs at least one path');
    for (const p of paths) this.times.set(p, []);
  }

  /** The path to run now. */
  next(): P {
    this.calls++;
    const paths = [...this.times.keys()];
    let least = paths[0];
    for (const p of paths) if (this.times.get(p)!.length < this.times.get(least)!.length) least = p;
    if (this.times.get(least)!.length < this.samples) return least;
    const best = this.best()!;
    if (paths.length > 1 && this.calls % this.recheckEvery === 0) {
      const others = paths.filter((p) => p !== best);
      return others[Math.floor(this.calls / this.recheckEvery) % others.length];
    }
    return best;
  }

  /** How long a run of `path` took (ms). Calls that did one-off work should not be recorded. */
  record(path: P, ms: number): void {
    if (Number.isFinite(ms) && ms >= 0) this.keep(path, ms);
  }

  /**
   * A run of `path` that was given up on at a deadline. It counts as slower than any finished run,
   * not as the time waited: that deadline may derive from another path's times, which can drift
   * up later, and a path that never answers must not win by having been cut off early.
   */
  timedOut(path: P): void {
    this.keep(path, Infinity);
  }

  /** The last `samples` times of a path (none for a dropped one). */
  private keep(path: P, ms: number): void {
    const t = this.times.get(path);
    if (!t) return;
    t.push(ms);
    if (t.length > this.samples) t.shift();
  }

  /** Drops a path that failed; the last path left is never dropped. */
  drop(path: P): void {
    if (this.times.size > 1) this.times.delete(path);
  }

  /** The faster path once every path has its samples; null before. Ties go to the earlier path. */
  best(): P | null {
    let best: P | null = null;
    let bestMs = Infinity;
    for (const [p, t] of this.times) {
      if (t.length < this.samples) return null;
      const m = median(t);
      if (best === null || m < bestMs) {
        best = p;
        bestMs = m;
      }
    }
    return best;
  }

  /** Each path's median time so far (null without samples), for reports. */
  medians(): Partial<Record<P, number | null>> {
    const out: Partial<Record<P, number | null>> = {};
    for (const [p, t] of this.times) out[p] = t.length > 0 ? median(t) : null;
    return out;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
