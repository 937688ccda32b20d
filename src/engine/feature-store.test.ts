import { describe, expect, it } from 'vitest';
import { PendingSaves } from './feature-store';

/** A storage whose writes end when the test says so, recording what it holds. */
function fakeStorage() {
  const stored = new Set<string>();
  const ends: (() => void)[] = [];
  return {
    stored,
    write: (id: string) => () =>
      new Promise<void>((resolve) =>
        ends.push(() => {
          stored.add(id);
          resolve();
        }),
      ),
    endWrites: () => ends.splice(0).forEach((end) => end()),
    remove: async (ids: string[]) => {
      for (const id of ids) stored.delete(id);
    },
  };
}

describe('PendingSaves', () => {
  it('deletes what a save still running wrote once it ends: the removal wins', async () => {
    const s = fakeStorage();
    const saves = new PendingSaves();
    const save = saves.track('a', s.write('a'));
    void saves.track('b', s.write('b'));
    expect(saves.imageIds()).toEqual(['a', 'b']);
    const forgot = saves.forget(['a'], s.remove);
    s.endWrites(); // the write lands after the removal was asked for
    await save;
    await forgot;
    expect([...s.stored]).toEqual(['b']);
    expect(saves.imageIds()).toEqual([]);
  });

  it('deletes the records of a forgotten image even with no save running (one that ended late)', async () => {
    const s = fakeStorage();
    const saves = new PendingSaves();
    const save = saves.track('a', s.write('a'));
    s.endWrites();
    await save;
    await saves.forget(['a'], s.remove);
    expect(s.stored.size).toBe(0);
  });

  it('waits for a failed save too, and deletes nothing when told no images', async () => {
    const saves = new PendingSaves();
    let removed: string[] | null = null;
    const failing = saves.track('a', () => Promise.reject(new Error('full')));
    await expect(failing).rejects.toThrow('full');
    await saves.forget([], async (ids) => {
      removed = ids;
    });
    expect(removed).toBeNull();
    expect(saves.imageIds()).toEqual([]);
  });
});
