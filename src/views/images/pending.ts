import type { ImageEntry } from '../../store/app-store';

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
 * never says "computing" while nothing runs (no model yet, indexing paused or cancelled).
 */
export function pendingLabel(status: ImageEntry['status'], q: QueueState): string {
  if (status === 'error') return 'failed';
  if (q.computing) return 'computing features…';
  if (!q.modelReady) return 'waiting for a model';
  if (!q.running) return 'not indexed';
  if (q.paused) return 'indexing paused';
  return 'computing features…';
}
