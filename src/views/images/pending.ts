/**
 * The words for work that is not done yet: what an image card says while its image has no
 * features, and the lines of the side panel's indexing box. Pure, so that they are unit-tested.
 */
import { countOf } from '../../lib/words';
import type { ImageEntry } from '../../store/app-store';
import type { IndexingState } from '../../store/indexer';

export interface QueueState {
  modelReady: boolean;
  /** Indexing has images waiting or in flight (useIndexing().running). */
  running: boolean;
  paused: boolean;
  /** This image is in the worker now (it finishes even while indexing is paused). */
  computing: boolean;
}

/**
 * What an image card says while the image has no features: what it is waiting for, so that a card
 * never says "computing" while nothing computes it (no model yet, indexing paused or cancelled,
 * or other images ahead of it: only the one or two in the worker are being computed).
 */
export function pendingLabel(status: ImageEntry['status'], q: QueueState): string {
  if (status === 'error') return 'failed';
  if (q.computing) return 'computing features…';
  if (!q.modelReady) return 'waiting for a model';
  if (!q.running) return 'not indexed';
  if (q.paused) return 'indexing paused';
  return 'queued';
}

type RunCounts = Pick<IndexingState, 'done' | 'total' | 'failed' | 'paused'>;

/** The indexing box's line while a run goes on: how far it is, and (running) the time left. */
export function runLine(s: RunCounts, secondsLeft: number | null): string {
  const failed = s.failed > 0 ? ` (${s.failed} failed)` : '';
  if (s.paused) return `Paused: ${s.done} of ${countOf(s.total, 'image')}${failed}`;
  const left = secondsLeft !== null ? ` · about ${formatDuration(secondsLeft)} left` : '';
  return `Indexing ${s.done} of ${countOf(s.total, 'image')}${failed}${left}`;
}

/** The box's line after a cancel: the images already in the worker still finish (and are kept). */
export function cancellingLine(finishing: number): string {
  return `Cancelled: finishing ${countOf(finishing, 'image')} in progress`;
}

export function unindexedLine(n: number): string {
  return `${countOf(n, 'image')} ${n === 1 ? 'is' : 'are'} not indexed.`;
}

export function formatDuration(s: number): string {
  if (s < 60) return `${Math.max(1, Math.round(s))} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
