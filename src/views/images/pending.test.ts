import { describe, expect, it } from 'vitest';
import { pendingLabel } from './pending';

describe('pendingLabel', () => {
  const q = { modelReady: true, running: true, paused: false, computing: false };
  it('says computing only while indexing runs with a model', () => {
    expect(pendingLabel('queued', q)).toBe('computing features…');
    expect(pendingLabel('queued', { ...q, modelReady: false })).toBe('waiting for a model');
    expect(pendingLabel('queued', { ...q, paused: true })).toBe('indexing paused');
    expect(pendingLabel('queued', { ...q, running: false })).toBe('not indexed');
  });
  it('says computing for an image in the worker, even while indexing is paused', () => {
    expect(pendingLabel('queued', { ...q, computing: true })).toBe('computing features…');
    expect(pendingLabel('queued', { ...q, computing: true, paused: true })).toBe(
      'computing features…',
    );
  });
  it('says failed for a failed image whatever the queue does', () => {
    for (const modelReady of [true, false])
      for (const running of [true, false])
        for (const paused of [true, false])
          expect(pendingLabel('error', { modelReady, running, paused, computing: false })).toBe(
            'failed',
          );
  });
});
