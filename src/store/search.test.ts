import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { PatchSimilarityResult } from '../engine/protocol';

/** Patch-similarity requests the store sent, each answered when the test says so. */
const sent: { patch: number; targets: string[]; answer: (r: PatchSimilarityResult) => void }[] = [];
vi.mock('./controller', () => ({
  engine: () => ({
    call: (req: { patch: number; targets: string[] }) => ({
      promise: new Promise<PatchSimilarityResult>((answer) =>
        sent.push({ patch: req.patch, targets: req.targets, answer }),
      ),
    }),
  }),
}));
const { clearPointer, pointAtPatch, useSearch } = await import('./search');

function answerOf(patch: number): PatchSimilarityResult {
  return { imageId: 'q', patch, maps: [], ms: 1, path: 'wasm' };
}

/** Lets the store's then/finally continuations run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('patch similarity under the pointer', () => {
  beforeEach(async () => {
    // Whatever an earlier test left in flight is answered, so the next request goes out.
    for (const s of sent.splice(0)) s.answer(answerOf(s.patch));
    await settle();
    clearPointer();
    sent.length = 0;
  });

  it('keeps one request in flight and sends the latest position when it returns', async () => {
    pointAtPatch('q', 1, ['a']);
    pointAtPatch('q', 2, ['a']);
    pointAtPatch('q', 3, ['a']);
    expect(sent.map((s) => s.patch)).toEqual([1]);
    sent[0].answer(answerOf(1));
    await settle();
    expect(useSearch.getState().similarity?.patch).toBe(1);
    expect(sent.map((s) => s.patch)).toEqual([1, 3]);
    sent[1].answer(answerOf(3));
    await settle();
    expect(useSearch.getState().similarity?.patch).toBe(3);
  });

  it('does not show an answer that arrives after the pointer left', async () => {
    pointAtPatch('q', 5, ['a']);
    clearPointer();
    sent[0].answer(answerOf(5));
    await settle();
    expect(useSearch.getState().similarity).toBeNull();
    // Pointing again afterwards is answered as usual.
    pointAtPatch('q', 6, ['a', 'b']);
    expect(sent.map((s) => s.patch)).toEqual([5, 6]);
    sent[1].answer(answerOf(6));
    await settle();
    expect(useSearch.getState().similarity?.patch).toBe(6);
  });
});
