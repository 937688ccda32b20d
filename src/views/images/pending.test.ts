import { describe, expect, it } from 'vitest';
import { countOf } from '../../lib/words';
import { cancellingLine, pendingLabel, runLine, unindexedLine } from './pending';

describe('pendingLabel', () => {
  const q = { modelReady: true, running: true, paused: false, computing: false };
  it('says queued for an image waiting its turn, and computing only for one in the worker', () => {
    expect(pendingLabel('queued', q)).toBe('queued');
    expect(pendingLabel('queued', { ...q, computing: true })).toBe('computing features…');
  });
  it('says what a waiting image waits for when nothing computes it', () => {
    expect(pendingLabel('queued', { ...q, modelReady: false })).toBe('waiting for a model');
    expect(pendingLabel('queued', { ...q, paused: true })).toBe('indexing paused');
    expect(pendingLabel('queued', { ...q, running: false })).toBe('not indexed');
  });
  it('says computing for an image in the worker, even while indexing is paused or cancelled', () => {
    expect(pendingLabel('queued', { ...q, computing: true, paused: true })).toBe(
      'computing features…',
    );
    expect(pendingLabel('queued', { ...q, computing: true, running: false })).toBe(
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

describe('the indexing box lines', () => {
  it('counts in the singular for one and the plural otherwise', () => {
    expect(countOf(0, 'image')).toBe('0 images');
    expect(countOf(1, 'image')).toBe('1 image');
    expect(countOf(2, 'image')).toBe('2 images');
  });
  it('says how many images are not indexed, in agreement with the count', () => {
    expect(unindexedLine(1)).toBe('1 image is not indexed.');
    expect(unindexedLine(16)).toBe('16 images are not indexed.');
  });
  it('says a cancel took effect, and how many images still finish', () => {
    expect(cancellingLine(1)).toBe('Cancelled: finishing 1 image in progress');
    expect(cancellingLine(2)).toBe('Cancelled: finishing 2 images in progress');
  });
  it('gives the run its count, failures and time left (not while paused)', () => {
    const run = { done: 6, total: 7, failed: 0, paused: false };
    expect(runLine(run, 1.2)).toBe('Indexing 6 of 7 images · about 1 s left');
    expect(runLine(run, null)).toBe('Indexing 6 of 7 images');
    expect(runLine({ ...run, failed: 1 }, 90)).toBe(
      'Indexing 6 of 7 images (1 failed) · about 2 min left',
    );
    expect(runLine({ ...run, done: 4, total: 60, paused: true }, 30)).toBe(
      'Paused: 4 of 60 images',
    );
  });
});
