/**
 * The 3D view: the collection (one point per image) or the patches of chosen images (one point
 * per patch) as an explorable three.js point cloud. This file only wires the parts together: the
 * scene (useEmbeddingScene), image mode's data and drawing (useImageLayout, useImageScene), patch
 * mode (usePatchPoints), and the toolbar, legend, tooltip and side panels. Hover, camera and
 * per-frame state stay in the EmbeddingScene and the DOM, outside React; React state changes only
 * when data arrives or a setting changes. By keyboard, the canvas steps through the points (see
 * scene.ts); the point stepped to is named in a polite live region, filled outside React too.
 */
import { useEffect, useRef, useState } from 'react';
import { selectImage, useApp, useImageLabel } from '../../store/app-store';
import { useEmbedding3d } from '../../store/embedding3d';
import { HoverTooltip, pointInfo, showTooltip } from './HoverTooltip';
import { Legend, sceneSummary, Swatches } from './Legend';
import { PatchImagePicker } from './PatchImagePicker';
import { PatchPanel } from './PatchPanel';
import type { PatchPhotoHandle } from './PatchPhoto';
import { SelectionPanel } from './SelectionPanel';
import { Toolbar, UmapToolbar } from './Toolbar';
import { useDoneImages } from './useDoneImages';
import { ImageSelect } from '../shared/ImageSelect';
import { useEmbeddingScene } from './useEmbeddingScene';
import { useImageLayout, type Progress } from './useImageLayout';
import { useImageScene } from './useImageScene';
import { usePatchPoints } from './usePatchPoints';

/** How long the pointer rests on another image's patch before the photo switches to it. */
const PHOTO_DELAY_MS = 120;

/** The collection and its patches as explorable 3D point clouds (three.js). */
export default function Embedding3d() {
  const selectedId = useApp((s) => s.selectedImageId);
  const preprocess = useApp((s) => s.settings.preprocess);
  const modelReady = useApp((s) => s.model.status === 'ready');
  const settings = useEmbedding3d();
  const images = useDoneImages();
  const label = useImageLabel();
  const { done, byId } = images;
  const [progress, setProgress] = useState<Progress>(null);
  const [error, setError] = useState<string | null>(null);

  const host = useRef<HTMLDivElement | null>(null);
  const tooltip = useRef<HTMLDivElement | null>(null);
  const announce = useRef<HTMLParagraphElement | null>(null);
  const photo = useRef<PatchPhotoHandle | null>(null);
  const photoSwitch = useRef(0);

  const imageMode = settings.mode === 'images';
  const image = useImageLayout(images, settings, modelReady, selectedId, setProgress, setError);
  const { desc, shownLayout, categories, neighbours } = image;
  /** Image ids of the points on screen in image mode ([] in patch mode or while computing). */
  const ids = imageMode && shownLayout && desc ? desc.ids : [];

  // The scene's pointer callbacks; they read this render's values (refreshed after each render).
  const { scene, glError } = useEmbeddingScene(host, {
    imageIdAt: (index) =>
      imageMode
        ? (ids[index] ?? null)
        : patch.shownPatches
          ? (patch.shownPatches.ids[patch.shownPatches.result.image[index]] ?? null)
          : null,
    onHover: (index, x, y) => {
      const cloud = imageMode ? null : patch.shownPatches;
      if (index === null || (!imageMode && !cloud)) {
        window.clearTimeout(photoSwitch.current);
        showTooltip(tooltip.current, null, x, y);
        if (!imageMode) photo.current?.showPatch(null);
        return;
      }
      const info = pointInfo(index, byId, ids, cloud, label);
      window.clearTimeout(photoSwitch.current);
      if (info.patch) {
        // Another image's patch: switch the photo once the pointer rests, not on every point
        // swept over (each switch re-renders the view and loads a photo).
        const { imageId } = info.patch;
        if (imageId !== patch.photoId) {
          const at = info.patch.index;
          photoSwitch.current = window.setTimeout(() => {
            patch.setPhotoId(imageId);
            photo.current?.showPatch(at, imageId);
          }, PHOTO_DELAY_MS);
        } else photo.current?.showPatch(info.patch.index);
      }
      showTooltip(tooltip.current, info, x, y);
    },
    onClick: (index) => {
      if (index === null) return;
      if (imageMode) {
        if (ids[index]) selectImage(ids[index]);
      } else if (patch.shownPatches) {
        const r = patch.shownPatches;
        patch.setPhotoId(r.ids[r.result.image[index]]);
        // Its patch marked on that photo, once shown (a tap has no hover that would mark it).
        const info = pointInfo(index, byId, ids, r, label);
        if (info.patch) photo.current?.showPatch(info.patch.index, info.patch.imageId);
      }
    },
    onStep: (index, rank, count) => {
      const el = announce.current;
      if (!el) return;
      const cloud = imageMode ? null : patch.shownPatches;
      if (index === null || (!imageMode && !cloud)) {
        el.textContent = '';
        return;
      }
      const info = pointInfo(index, byId, ids, cloud, label);
      el.textContent = `${info.label}, ${rank} of ${count}`;
      // Its patch on the photo at once when the photo is its image's (hover waits for a move).
      if (info.patch && info.patch.imageId === patch.photoEntry?.id) {
        photo.current?.showPatch(info.patch.index);
      }
    },
  });

  const thumbs = useImageScene(scene, image, settings, byId, selectedId);
  const patch = usePatchPoints(
    scene,
    images,
    settings,
    modelReady,
    selectedId,
    setProgress,
    setError,
  );

  const selected = selectedId ? byId.get(selectedId) : undefined;
  const shownCount = shownLayout ? (desc?.ids.length ?? 0) : 0;
  // Images still waiting for features: the layout and the neighbours are of the others only.
  const waiting = useApp((s) => s.images.filter((i) => i.status === 'queued').length);
  const legend = {
    waiting,
    settings,
    glError,
    modelReady,
    doneCount: done.length,
    shownLayout,
    shownCount,
    thumbs,
    shownPatches: patch.shownPatches,
  };
  const summary = sceneSummary(legend, selected ? label(selected) : null);
  useEffect(() => scene?.describe(summary), [scene, summary]);

  return (
    <section aria-label="3D embedding" className="e3d-view" aria-busy={!!progress}>
      <Toolbar settings={settings} onResetView={() => scene?.resetCamera()} />
      {imageMode && settings.method === 'umap' && <UmapToolbar umap={settings.umap} />}
      {!imageMode && done.length > 0 && <PatchImagePicker done={done} patchIds={patch.patchIds} />}
      <Legend {...legend} />
      {imageMode && shownCount > 0 && (
        // What a click on a point does, by keyboard (and by name, for a crowded cloud).
        <label className="e3d-select">
          Select
          <ImageSelect
            name="Select image by name"
            images={desc!.ids.flatMap((id) => byId.get(id) ?? [])}
            value={selected?.id ?? ''}
            onChange={(id) => selectImage(id || null)}
            placeholder="none (click a point, or N then Enter)"
          />
        </label>
      )}
      {imageMode && categories && shownCount > 0 && (
        <Swatches
          categories={categories}
          askedClusters={settings.colourBy === 'cluster' ? settings.k : null}
        />
      )}
      {progress && (
        <p className="e3d-progress">
          <progress value={progress.fraction} max={1} /> {progress.message}
        </p>
      )}
      {(error || glError) && <p className="notice">{glError ?? error}</p>}
      <div className="e3d-body">
        <div className="e3d-stage" ref={host}>
          <HoverTooltip ref={tooltip} />
        </div>
        <p className="visually-hidden e3d-announce" aria-live="polite" ref={announce} />
        {imageMode && selected && (
          <SelectionPanel
            selected={selected}
            descriptor={settings.descriptor}
            among={waiting > 0 ? shownCount : null}
            neighbours={neighbours.map((nb) => ({ ...nb, entry: byId.get(desc!.ids[nb.index]) }))}
          />
        )}
        {!imageMode && patch.photoEntry && patch.photoGrid && (
          <PatchPanel
            entry={patch.photoEntry}
            grid={patch.photoGrid}
            ids={patch.shownPatches?.ids ?? []}
            byId={byId}
            mode={preprocess}
            onPhoto={patch.setPhotoId}
            onBrush={patch.onBrush}
            photo={photo}
          />
        )}
      </div>
    </section>
  );
}
