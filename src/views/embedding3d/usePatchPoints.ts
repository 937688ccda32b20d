/**
 * Patch mode (one point per patch): which images are shown (the ones picked, else the selected
 * image, else the first), their joint patch PCA from the engine (sampled to at most 20,000
 * points), drawing it into the scene, the photo shown beside the cloud, and brushing on that
 * photo to light up its patches' points. The engine call is keyed by image ids and result stamps,
 * so it re-runs only when the shown images or their features change.
 */
import { useEffect, useMemo, useState } from 'react';
import { fitToBox } from '../../features/layout3d';
import type { ImageEntry } from '../../store/app-store';
import { engine } from '../../store/controller';
import type { Embedding3dSettings } from '../../store/embedding3d';
import type { PatchCloud } from './HoverTooltip';
import type { EmbeddingScene } from './scene';
import { stamp, type DoneImages } from './useDoneImages';
import type { Progress } from './useImageLayout';

/** Points drawn at most; more patches than this are evenly sampled by the engine. */
const MAX_PATCH_POINTS = 20_000;

export interface PatchPoints {
  /** The images whose patches are asked for. */
  patchIds: string[];
  /** The cloud on screen (null while computing, or in image mode). */
  shownPatches: PatchCloud | null;
  /** The photo beside the cloud, and its patch grid. */
  photoEntry: ImageEntry | undefined;
  photoGrid: { imageId: string; rows: number; cols: number } | undefined;
  /** The photo asked for (by a click, a hover or the Photo select); null: the first image. */
  photoId: string | null;
  /** Shows another of the shown images beside the cloud. */
  setPhotoId: (id: string) => void;
  /** Patches brushed on the photo (null: brush cleared). */
  onBrush: (selected: number[] | null) => void;
}

export function usePatchPoints(
  scene: EmbeddingScene | null,
  { done, byId }: DoneImages,
  settings: Embedding3dSettings,
  modelReady: boolean,
  selectedId: string | null,
  setProgress: (p: Progress) => void,
  setError: (e: string | null) => void,
): PatchPoints {
  const [patches, setPatches] = useState<PatchCloud | null>(null);
  const [photoId, setPhotoId] = useState<string | null>(null);
  const on = settings.mode === 'patches';

  const doneIds = useMemo(() => new Set(done.map((i) => i.id)), [done]);
  const chosen = settings.patchImages.filter((id) => doneIds.has(id));
  const patchIds =
    chosen.length > 0
      ? chosen
      : selectedId && doneIds.has(selectedId)
        ? [selectedId]
        : done.length > 0
          ? [done[0].id]
          : [];
  const patchKey = patchIds.map((id) => `${id}:${stamp(byId.get(id)?.result)}`).join(',');
  useEffect(() => {
    if (!on || !modelReady || patchIds.length === 0) return;
    let stale = false;
    setProgress({ fraction: 0, message: 'Patch PCA' });
    engine()
      .call({ type: 'patchPoints', imageIds: patchIds, maxPoints: MAX_PATCH_POINTS })
      .promise.then(
        (result) => {
          if (stale) return;
          setProgress(null);
          setPatches({ key: patchKey, ids: patchIds, result });
          setError(null);
        },
        (e: Error) => {
          if (stale) return;
          setProgress(null);
          setError(`Patch points failed: ${e.message}`);
        },
      );
    return () => {
      stale = true;
    };
    // patchKey describes patchIds.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [patchKey, on, modelReady]);

  const shownPatches = on && patches?.key === patchKey ? patches : null;
  useEffect(() => {
    if (!scene || !on) return;
    if (!shownPatches) {
      scene.setPoints(new Float32Array(0));
      return;
    }
    const r = shownPatches.result;
    const m = r.image.length;
    const coords = fitToBox(r.coords, m);
    if (settings.dims === 2) for (let i = 0; i < m; i++) coords[i * 3 + 2] = 0;
    scene.setPoints(coords, { flat: settings.dims === 2 });
    scene.setColours(r.colours);
    scene.setThumbnails(null);
    scene.setPointSize(m > 5000 ? 5 : m > 1000 ? 7 : 10, 0);
  }, [scene, shownPatches, on, settings.dims]);

  const photoEntryId =
    shownPatches && photoId && shownPatches.ids.includes(photoId)
      ? photoId
      : (shownPatches?.ids[0] ?? null);
  const photoEntry = photoEntryId ? byId.get(photoEntryId) : undefined;
  const photoGrid = shownPatches?.result.grids.find((g) => g.imageId === photoEntryId);

  const onBrush = (selected: number[] | null) => {
    if (!scene || !shownPatches || !photoEntryId) return;
    if (!selected) {
      scene.highlight(null);
      return;
    }
    const r = shownPatches.result;
    const img = shownPatches.ids.indexOf(photoEntryId);
    const want = new Set(selected);
    const hits: number[] = [];
    for (let i = 0; i < r.image.length; i++) {
      if (r.image[i] === img && want.has(r.patch[i])) hits.push(i);
    }
    scene.highlight(hits.length > 0 ? hits : []);
  };

  return { patchIds, shownPatches, photoEntry, photoGrid, photoId, setPhotoId, onBrush };
}
