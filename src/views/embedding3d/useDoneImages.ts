/**
 * The images of the collection that have features, as the 3D view needs them: the list, a lookup
 * by id, and a key that changes when any of them gets new features. The key uses a stamp per
 * result object (not the id alone), so features recomputed for the same image re-run the layouts
 * that depend on them; both image mode and patch mode build their request keys from it.
 */
import { useMemo } from 'react';
import { useApp, type ImageEntry } from '../../store/app-store';

/** A stable number per result object, so features recomputed for the same id change the key. */
const stamps = new WeakMap<object, number>();
let nextStamp = 1;
export function stamp(o: object | undefined): number {
  if (!o) return 0;
  if (!stamps.has(o)) stamps.set(o, nextStamp++);
  return stamps.get(o)!;
}

export interface DoneImages {
  /** Images whose features are computed, in collection order. */
  done: ImageEntry[];
  /** Every image of the collection by id (done or not). */
  byId: Map<string, ImageEntry>;
  /** Ids and result stamps of `done`: changes when the set or any image's features change. */
  doneKey: string;
}

export function useDoneImages(): DoneImages {
  const images = useApp((s) => s.images);
  const done = useMemo(() => images.filter((i) => i.status === 'done' && i.result), [images]);
  const byId = useMemo(() => new Map(images.map((i) => [i.id, i])), [images]);
  const doneKey = useMemo(() => done.map((i) => `${i.id}:${stamp(i.result)}`).join(','), [done]);
  return { done, byId, doneKey };
}
