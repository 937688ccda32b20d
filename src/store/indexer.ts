/**
 * Background indexing: images wait in a queue and are sent to the engine a couple at a time (so
 * the worker never idles but a pause takes effect at once), with progress, a time estimate, pause,
 * resume and cancel. Hundreds of images are fine: nothing is posted until it is its turn.
 */
import { create } from 'zustand';
import { announce } from '../lib/announce';
import { countOf } from '../lib/words';

export interface IndexingState {
  /** Images in this run (done + waiting + in flight). */
  total: number;
  done: number;
  failed: number;
  paused: boolean;
  /** Wall time per image over the last few, for the estimate; null until one image finished. */
  msPerImage: number | null;
  /**
   * Images wait, or are in flight in a run that was not cancelled. A cancel sets it false at once
   * (so that nothing says "computing" for the dropped images), while the images already in the
   * worker finish: see finishingAfterCancel.
   */
  running: boolean;
  /** The images in the worker now: they go on while indexing is paused, until they finish. */
  inFlight: string[];
}

export const useIndexing = create<IndexingState>()(() => ({
  total: 0,
  done: 0,
  failed: 0,
  paused: false,
  msPerImage: null,
  running: false,
  inFlight: [],
}));

/** At most this many embed requests are in the worker at once. */
const IN_FLIGHT = 2;

type Run = (id: string) => Promise<'done' | 'failed' | 'cancelled'>;

let runOne: Run | null = null;
const waiting: string[] = [];
/**
 * The queue's own record of the images in the worker. IndexingState.inFlight is the UI's copy,
 * set after each request is posted (so that no render runs before the post).
 */
const inFlight = new Set<string>();
/**
 * A reset (a new model or settings) starts a new epoch. The requests of the one before are
 * cancelled (the worker drops those it has not started) and their answers do not count in the new
 * run, which may hold the same images.
 */
let epoch = 0;
/**
 * The last intervals between finishes. Their mean, not a running blend: with two images in the
 * worker the intervals alternate between almost nothing and twice an image's time, and a blend
 * that leans on the latest made the estimate swing with them.
 */
const intervals: number[] = [];
const WINDOW = 8;
let lastFinish = 0;
/**
 * The next finish ends a refill of the empty pipeline (after a resume): its interval holds the
 * posting and the worker's restart, not one image's steady time, so it sets lastFinish only.
 */
let refilling = false;

/** Sets how one image is indexed (the controller's embed). */
export function setIndexRunner(run: Run): void {
  runOne = run;
}

export function enqueue(ids: string[]): void {
  const fresh = ids.filter((id) => !waiting.includes(id) && !inFlight.has(id));
  if (fresh.length === 0) return;
  const s = useIndexing.getState();
  if (!s.running) {
    // A new run. Images still finishing after a cancel are part of it: they will count as done.
    useIndexing.setState({ total: inFlight.size, done: 0, failed: 0, msPerImage: null });
    intervals.length = 0;
    lastFinish = performance.now();
    // A new run's first image is its only estimate, so it counts; unless it is one that started
    // before this run, whose interval is not one image's time.
    refilling = inFlight.size > 0;
  }
  waiting.push(...fresh);
  useIndexing.setState((st) => ({ total: st.total + fresh.length, running: true }));
  pump();
}

/** Forgets queued work (a new model or settings restart the run); in-flight calls are the caller's. */
export function resetQueue(): void {
  waiting.length = 0;
  epoch++;
  inFlight.clear();
  intervals.length = 0;
  useIndexing.setState({
    total: 0,
    done: 0,
    failed: 0,
    msPerImage: null,
    running: false,
    inFlight: [],
  });
}

/** Removes one image from the queue (it was deleted). */
export function dequeue(id: string): void {
  const i = waiting.indexOf(id);
  if (i >= 0) {
    waiting.splice(i, 1);
    useIndexing.setState((s) => ({ total: Math.max(0, s.total - 1) }));
    settle();
  }
}

export function pauseIndexing(paused: boolean): void {
  const was = useIndexing.getState().paused;
  useIndexing.setState({ paused });
  if (!paused && was) {
    // With images still in flight the worker never stopped: the interval since the last finish
    // is work time, so it stays. With none, the paused time is not (and neither is the refill).
    if (inFlight.size === 0) {
      lastFinish = performance.now();
      refilling = true;
    }
  }
  if (!paused) pump();
}

/**
 * Stops the run: waiting images stay unindexed (they can be indexed later). The run ends at once
 * (running false), also for the UI; the images already in the worker finish and are kept.
 */
export function cancelIndexing(): string[] {
  const dropped = waiting.splice(0);
  useIndexing.setState((s) => ({ total: s.total - dropped.length, paused: false, running: false }));
  return dropped;
}

/** How many images a cancelled run still has in the worker (0 when none was cancelled). */
export function finishingAfterCancel(s: IndexingState): number {
  return s.running ? 0 : s.inFlight.length;
}

function settle(): void {
  if (waiting.length > 0 || inFlight.size > 0) return;
  const s = useIndexing.getState();
  // The run's end, said once: the status line goes back to the model's, which says nothing of it.
  if (s.running && s.done + s.failed > 0) announce(runEnd(s.done, s.failed));
  useIndexing.setState({ running: false });
}

/** What a finished run did, for a screen reader. */
export function runEnd(done: number, failed: number): string {
  return (
    (done > 0 ? `Features ready for ${countOf(done, 'image')}` : 'No image was indexed') +
    (failed > 0 ? `; ${countOf(failed, 'image')} failed (see the messages)` : '') +
    '.'
  );
}

function pump(): void {
  if (!runOne) return;
  while (!useIndexing.getState().paused && inFlight.size < IN_FLIGHT && waiting.length > 0) {
    const id = waiting.shift()!;
    const mine = epoch;
    inFlight.add(id);
    const run = runOne(id); // first: its request is posted before the UI is told
    useIndexing.setState({ inFlight: [...inFlight] });
    void run.then((outcome) => {
      if (mine !== epoch || !inFlight.delete(id)) return; // reset meanwhile
      const now = performance.now();
      const took = now - lastFinish;
      lastFinish = now;
      const sample = outcome === 'done' && !refilling;
      refilling = false;
      useIndexing.setState((s) => ({
        inFlight: [...inFlight],
        done: s.done + (outcome === 'done' ? 1 : 0),
        failed: s.failed + (outcome === 'failed' ? 1 : 0),
        total: outcome === 'cancelled' ? s.total - 1 : s.total,
        msPerImage: sample ? meanInterval(took) : s.msPerImage,
      }));
      settle();
      pump();
    });
  }
}

/** Adds an interval between finishes; the mean of the last WINDOW. */
function meanInterval(took: number): number {
  intervals.push(took);
  if (intervals.length > WINDOW) intervals.shift();
  return intervals.reduce((a, b) => a + b, 0) / intervals.length;
}

/** Seconds left by the recent rate, or null when unknown. */
export function secondsLeft(s: IndexingState): number | null {
  if (s.msPerImage === null) return null;
  const left = s.total - s.done - s.failed;
  return Math.max(0, (left * s.msPerImage) / 1000);
}
