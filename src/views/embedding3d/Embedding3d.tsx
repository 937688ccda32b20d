import { useEffect, useMemo, useRef, useState } from 'react';
import type { PatchPointsResult } from '../../engine/protocol';
import { cosineNeighbours, fitToBox, normalizeRows } from '../../features/layout3d';
import { isTensorFile } from '../../lib/files';
import { selectImage, useApp, type ImageEntry } from '../../store/app-store';
import { engine } from '../../store/controller';
import {
  setEmbedding3d,
  setUmapParams,
  useEmbedding3d,
  type Embedding3dSettings,
} from '../../store/embedding3d';
import { runLayout } from './layout-client';
import { categoryColour, categoryRgb } from './palette';
import { PatchPhoto, type PatchPhotoHandle } from './PatchPhoto';
import { EmbeddingScene, liveSceneStats } from './scene';
import { buildAtlas } from './thumbnails';

/** Descriptors of the shown images, L2-normalised (cosine = dot product). */
interface Descriptors {
  key: string;
  ids: string[];
  dim: number;
  data: Float32Array;
}

interface LayoutState {
  key: string;
  coords: Float32Array;
  explained: number[];
  /** The method used, and the one asked for (UMAP falls back to PCA for under 4 images). */
  method: 'pca' | 'umap';
  asked: 'pca' | 'umap';
  dims: 2 | 3;
}

interface PatchState {
  key: string;
  ids: string[];
  result: PatchPointsResult;
}

declare global {
  interface Window {
    /** Read-only debug hook of the 3D view (tests and curious users). */
    __explorer3d?: {
      stats: typeof liveSceneStats;
      points: () => { index: number; imageId: string | null; x: number; y: number }[];
      render: () => void;
    };
  }
}

/** A stable number per result object, so features recomputed for the same id change the key. */
const stamps = new WeakMap<object, number>();
let nextStamp = 1;
function stamp(o: object | undefined): number {
  if (!o) return 0;
  if (!stamps.has(o)) stamps.set(o, nextStamp++);
  return stamps.get(o)!;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** The collection and its patches as explorable 3D point clouds (three.js). */
export default function Embedding3d() {
  const images = useApp((s) => s.images);
  const selectedId = useApp((s) => s.selectedImageId);
  const preprocess = useApp((s) => s.settings.preprocess);
  const modelReady = useApp((s) => s.model.status === 'ready');
  const settings = useEmbedding3d();
  const done = useMemo(() => images.filter((i) => i.status === 'done' && i.result), [images]);
  const byId = useMemo(() => new Map(images.map((i) => [i.id, i])), [images]);
  const doneKey = done.map((i) => `${i.id}:${stamp(i.result)}`).join(',');

  const host = useRef<HTMLDivElement | null>(null);
  const tooltip = useRef<HTMLDivElement | null>(null);
  const photo = useRef<PatchPhotoHandle | null>(null);
  const [scene, setScene] = useState<EmbeddingScene | null>(null);
  const [glError, setGlError] = useState<string | null>(null);
  const [desc, setDesc] = useState<Descriptors | null>(null);
  const [layout, setLayout] = useState<LayoutState | null>(null);
  const [labels, setLabels] = useState<{ key: string; labels: Int32Array } | null>(null);
  const [progress, setProgress] = useState<{ fraction: number; message: string } | null>(null);
  const [thumbs, setThumbs] = useState<{ drawn: number; total: number; of: number } | null>(null);
  const [patches, setPatches] = useState<PatchState | null>(null);
  const [photoId, setPhotoId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  /** What the scene's callbacks need, kept current without re-creating the scene. */
  const live = useRef<{
    mode: Embedding3dSettings['mode'];
    ids: string[];
    byId: Map<string, ImageEntry>;
    patches: PatchState | null;
    photoId: string | null;
  }>({ mode: 'images', ids: [], byId: new Map(), patches: null, photoId: null });
  const imageLayout = settings.mode === 'images' && layout && desc ? layout : null;
  useEffect(() => {
    live.current = {
      mode: settings.mode,
      ids: settings.mode === 'images' && imageLayout ? (desc?.ids ?? []) : [],
      byId,
      patches: settings.mode === 'patches' ? patches : null,
      photoId,
    };
  });

  function showTooltip(index: number | null, x: number, y: number) {
    const tip = tooltip.current;
    if (!tip) return;
    const cur = live.current;
    if (index === null) {
      tip.hidden = true;
      if (cur.mode === 'patches') photo.current?.showPatch(null);
      return;
    }
    let entry: ImageEntry | undefined;
    let label = '';
    if (cur.mode === 'images') {
      entry = cur.byId.get(cur.ids[index]);
      label = entry?.name ?? '';
    } else if (cur.patches) {
      const r = cur.patches.result;
      const id = cur.patches.ids[r.image[index]];
      entry = cur.byId.get(id);
      const grid = r.grids.find((g) => g.imageId === id);
      const p = r.patch[index];
      label = grid
        ? `${entry?.name ?? id} · patch row ${Math.floor(p / grid.cols) + 1}, column ${(p % grid.cols) + 1}`
        : (entry?.name ?? id);
      if (id !== cur.photoId) setPhotoId(id);
      else photo.current?.showPatch(p);
    }
    const img = tip.querySelector('img')!;
    const text = tip.querySelector('span')!;
    text.textContent = label;
    if (entry && cur.mode === 'images' && !isTensorFile({ name: entry.name })) {
      if (img.getAttribute('src') !== entry.url) img.src = entry.url;
      img.hidden = false;
    } else {
      img.hidden = true;
    }
    tip.hidden = false;
    tip.style.left = `${x + 14}px`;
    tip.style.top = `${y + 14}px`;
  }

  function onPointClick(index: number | null) {
    const cur = live.current;
    if (cur.mode === 'images') {
      if (index === null) return;
      const id = cur.ids[index];
      if (id) selectImage(id);
    } else if (index !== null && cur.patches) {
      const id = cur.patches.ids[cur.patches.result.image[index]];
      setPhotoId(id);
    }
  }

  // The scene: made once per mount, disposed with the view.
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    let s: EmbeddingScene;
    try {
      s = new EmbeddingScene(el, {
        onHover: (index, x, y) => showTooltip(index, x, y),
        onClick: (index) => onPointClick(index),
      });
    } catch (e) {
      setGlError(`WebGL is not available here (${(e as Error).message}).`);
      return;
    }
    setScene(s);
    window.__explorer3d = {
      stats: liveSceneStats,
      points: () =>
        s.screenPositions().map((p) => ({ ...p, imageId: live.current.ids[p.index] ?? null })),
      render: () => s.renderNow(),
    };
    return () => {
      s.dispose();
      setScene(null);
      if (window.__explorer3d) window.__explorer3d.points = () => [];
    };
    // The scene is made once; its callbacks read `live`.
  }, []);

  // Images mode: descriptors from the engine.
  const descKey = `${doneKey}|${settings.descriptor}`;
  useEffect(() => {
    if (settings.mode !== 'images' || !modelReady) return;
    const ids = doneKey ? done.map((i) => i.id) : [];
    if (ids.length === 0) {
      setDesc(null);
      return;
    }
    let stale = false;
    engine()
      .call({ type: 'descriptors', imageIds: ids, descriptor: settings.descriptor })
      .promise.then(
        (r) => {
          if (stale) return;
          const n = r.imageIds.length;
          setDesc({
            key: descKey,
            ids: r.imageIds,
            dim: r.dim,
            data: normalizeRows(r.data, n, r.dim),
          });
          setError(null);
        },
        (e: Error) => !stale && setError(`Descriptors failed: ${e.message}`),
      );
    return () => {
      stale = true;
    };
    // `done` is described by doneKey.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [descKey, settings.mode, modelReady]);

  // Images mode: the layout, in a worker (PCA or UMAP).
  const { method, dims } = settings;
  const umapKey = JSON.stringify(settings.umap);
  const layoutKey = `${desc?.key}|${method}|${dims}|${method === 'umap' ? umapKey : ''}`;
  useEffect(() => {
    if (!desc || settings.mode !== 'images') return;
    const n = desc.ids.length;
    const base = { data: desc.data, n, dim: desc.dim };
    const job =
      method === 'umap'
        ? { ...base, kind: 'umap' as const, dims, ...settings.umap }
        : { ...base, kind: 'pca' as const, dims };
    setProgress({ fraction: 0, message: method === 'umap' ? 'UMAP: starting' : 'PCA' });
    const run = runLayout(job, (fraction, message) => setProgress({ fraction, message }));
    run.promise.then(
      (r) => {
        setProgress(null);
        if (r.type === 'layout')
          setLayout({
            key: layoutKey,
            coords: r.coords,
            explained: r.explained,
            method: r.method,
            dims,
            asked: method,
          });
      },
      (e: Error) => {
        setProgress(null);
        setError(`Layout failed: ${e.message}`);
      },
    );
    return () => run.cancel();
    // layoutKey covers desc, method, dims and the UMAP parameters.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layoutKey, settings.mode]);

  // Images mode: k-means clusters, in a worker.
  const clusterKey = `${desc?.key}|${settings.k}`;
  const wantClusters = settings.mode === 'images' && settings.colourBy === 'cluster';
  useEffect(() => {
    if (!desc || !wantClusters) return;
    const run = runLayout({
      kind: 'kmeans',
      data: desc.data,
      n: desc.ids.length,
      dim: desc.dim,
      k: settings.k,
      seed: 1,
    });
    run.promise.then(
      (r) => r.type === 'labels' && setLabels({ key: clusterKey, labels: r.labels }),
      (e: Error) => setError(`Clustering failed: ${e.message}`),
    );
    return () => run.cancel();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [clusterKey, wantClusters]);

  // Images mode: the categories that colour the points.
  const categories = useMemo(() => {
    if (!desc) return null;
    if (settings.colourBy === 'folder') {
      const names: string[] = [];
      const index = new Map<string, number>();
      const of = desc.ids.map((id) => {
        const f = byId.get(id)?.folder ?? '(no folder)';
        if (!index.has(f)) {
          index.set(f, names.length);
          names.push(f);
        }
        return index.get(f)!;
      });
      return { of, names };
    }
    if (settings.colourBy === 'cluster' && labels && labels.key === clusterKey) {
      const k = labels.labels.reduce((m, v) => Math.max(m, v + 1), 0);
      const names = Array.from({ length: k }, (_, i) => `cluster ${i + 1}`);
      return { of: Array.from(labels.labels), names };
    }
    return null;
  }, [desc, settings.colourBy, labels, clusterKey, byId]);

  // Images mode: points into the scene when the layout changes.
  const shownLayout =
    imageLayout && imageLayout.key.startsWith(`${desc?.key}|`) ? imageLayout : null;
  useEffect(() => {
    if (!scene || settings.mode !== 'images') return;
    if (!shownLayout || !desc) {
      scene.setPoints(new Float32Array(0));
      return;
    }
    const n = desc.ids.length;
    scene.setPoints(fitToBox(shownLayout.coords, n), { flat: shownLayout.dims === 2 });
    scene.setPointSize(10, n > 2000 ? 28 : n > 300 ? 40 : 56);
  }, [scene, shownLayout, desc, settings.mode]);

  // Images mode: colours.
  useEffect(() => {
    if (!scene || !shownLayout || !desc || settings.mode !== 'images') return;
    const n = desc.ids.length;
    const colours = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const rgb = categories ? categoryRgb(categories.of[i]) : [0.43, 0.66, 1];
      colours.set(rgb, i * 3);
    }
    scene.setColours(colours);
  }, [scene, shownLayout, desc, categories, settings.mode]);

  // Images mode: thumbnails, drawn into one atlas.
  useEffect(() => {
    if (!scene || !shownLayout || !desc || settings.mode !== 'images') return;
    if (!settings.thumbnails) {
      scene.setThumbnails(null);
      setThumbs(null);
      return;
    }
    const sources = desc.ids.map((id) => {
      const e = byId.get(id);
      const notes = e?.result?.notes;
      return {
        url: e?.url ?? '',
        width: notes?.width ?? 1,
        height: notes?.height ?? 1,
        picture: !!e && !isTensorFile({ name: e.name }),
      };
    });
    const atlas = buildAtlas(sources, scene.maxTextureSize());
    scene.setThumbnails(atlas);
    const total = sources.filter((s) => s.picture).length;
    setThumbs({ drawn: 0, total, of: atlas.layout.count });
    void atlas.fill((drawn) => {
      scene.thumbnailsChanged(atlas.rects);
      setThumbs({ drawn, total, of: atlas.layout.count });
    });
    return () => atlas.cancel();
    // byId only supplies URLs, which do not change for a given id.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scene, shownLayout, desc, settings.thumbnails, settings.mode]);

  // Images mode: the selection and its nearest neighbours.
  const neighbours = useMemo(() => {
    if (!desc || !selectedId) return [];
    const q = desc.ids.indexOf(selectedId);
    if (q < 0) return [];
    return cosineNeighbours(desc.data, desc.ids.length, desc.dim, q, settings.neighbours);
  }, [desc, selectedId, settings.neighbours]);
  useEffect(() => {
    if (!scene || !shownLayout || !desc || settings.mode !== 'images') return;
    const q = selectedId ? desc.ids.indexOf(selectedId) : -1;
    scene.setSelected(q >= 0 ? q : null);
    scene.setLines(q >= 0 ? neighbours.map((nb) => [q, nb.index] as [number, number]) : []);
    scene.highlight(
      q >= 0 && neighbours.length > 0 ? [q, ...neighbours.map((x) => x.index)] : null,
    );
  }, [scene, shownLayout, desc, selectedId, neighbours, settings.mode]);

  // Patch mode: which images, and their points from the engine.
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
  const patchKey = `${patchIds.map((id) => `${id}:${stamp(byId.get(id)?.result)}`).join(',')}`;
  useEffect(() => {
    if (settings.mode !== 'patches' || !modelReady || patchIds.length === 0) return;
    let stale = false;
    setProgress({ fraction: 0, message: 'Patch PCA' });
    engine()
      .call({ type: 'patchPoints', imageIds: patchIds, maxPoints: 20_000 })
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
  }, [patchKey, settings.mode, modelReady]);

  const shownPatches = settings.mode === 'patches' && patches?.key === patchKey ? patches : null;
  useEffect(() => {
    if (!scene || settings.mode !== 'patches') return;
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
    setThumbs(null);
  }, [scene, shownPatches, settings.mode, settings.dims]);

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

  const selected = selectedId ? byId.get(selectedId) : undefined;
  const nImages = desc?.ids.length ?? 0;
  const shownCount = shownLayout ? nImages : 0;

  return (
    <section aria-label="3D embedding" className="e3d-view" aria-busy={!!progress}>
      <div className="toolbar">
        <label>
          Points{' '}
          <select
            aria-label="Points"
            value={settings.mode}
            onChange={(e) => setEmbedding3d({ mode: e.target.value as 'images' | 'patches' })}
          >
            <option value="images">one per image</option>
            <option value="patches">patches of images</option>
          </select>
        </label>
        {settings.mode === 'images' && (
          <>
            <label>
              Descriptor{' '}
              <select
                aria-label="Descriptor"
                value={settings.descriptor}
                onChange={(e) => setEmbedding3d({ descriptor: e.target.value as 'cls' | 'mean' })}
              >
                <option value="cls">CLS token</option>
                <option value="mean">mean of patches</option>
              </select>
            </label>
            <label>
              Layout{' '}
              <select
                aria-label="Layout"
                value={settings.method}
                onChange={(e) => setEmbedding3d({ method: e.target.value as 'pca' | 'umap' })}
              >
                <option value="pca">PCA</option>
                <option value="umap">UMAP</option>
              </select>
            </label>
          </>
        )}
        <label>
          Space{' '}
          <select
            aria-label="Dimensions"
            value={settings.dims}
            onChange={(e) => setEmbedding3d({ dims: Number(e.target.value) as 2 | 3 })}
          >
            <option value={3}>3D</option>
            <option value={2}>2D</option>
          </select>
        </label>
        {settings.mode === 'images' && (
          <>
            <label>
              Colour{' '}
              <select
                aria-label="Colour by"
                value={settings.colourBy}
                onChange={(e) =>
                  setEmbedding3d({ colourBy: e.target.value as Embedding3dSettings['colourBy'] })
                }
              >
                <option value="cluster">k-means cluster</option>
                <option value="folder">folder</option>
                <option value="none">none</option>
              </select>
            </label>
            {settings.colourBy === 'cluster' && (
              <label>
                k{' '}
                <input
                  type="number"
                  aria-label="Clusters"
                  min={1}
                  max={50}
                  value={settings.k}
                  onChange={(e) =>
                    setEmbedding3d({ k: Math.max(1, Math.min(50, Number(e.target.value) || 1)) })
                  }
                />
              </label>
            )}
            <label>
              <input
                type="checkbox"
                checked={settings.thumbnails}
                onChange={(e) => setEmbedding3d({ thumbnails: e.target.checked })}
              />{' '}
              Thumbnails
            </label>
            <label>
              Neighbours{' '}
              <input
                type="number"
                aria-label="Neighbours"
                min={0}
                max={50}
                value={settings.neighbours}
                onChange={(e) =>
                  setEmbedding3d({
                    neighbours: Math.max(0, Math.min(50, Number(e.target.value) || 0)),
                  })
                }
              />
            </label>
          </>
        )}
        <button type="button" onClick={() => scene?.resetCamera()}>
          Reset view
        </button>
      </div>
      {settings.mode === 'images' && settings.method === 'umap' && (
        <div className="toolbar">
          <label>
            UMAP neighbours{' '}
            <input
              type="number"
              aria-label="UMAP nNeighbors"
              min={2}
              max={200}
              value={settings.umap.nNeighbors}
              onChange={(e) =>
                setUmapParams({
                  nNeighbors: Math.max(2, Math.min(200, Number(e.target.value) || 2)),
                })
              }
            />
          </label>
          <label>
            min distance{' '}
            <input
              type="number"
              aria-label="UMAP minDist"
              min={0}
              max={1}
              step={0.05}
              value={settings.umap.minDist}
              onChange={(e) =>
                setUmapParams({ minDist: Math.max(0, Math.min(1, Number(e.target.value) || 0)) })
              }
            />
          </label>
          <label>
            seed{' '}
            <input
              type="number"
              aria-label="UMAP seed"
              value={settings.umap.seed}
              onChange={(e) => setUmapParams({ seed: Math.floor(Number(e.target.value) || 0) })}
            />
          </label>
        </div>
      )}
      {settings.mode === 'patches' && done.length > 0 && (
        <fieldset className="e3d-pick">
          <legend>Images whose patches are shown</legend>
          {done.map((im) => (
            <label key={im.id}>
              <input
                type="checkbox"
                checked={patchIds.includes(im.id)}
                onChange={(e) => {
                  const next = e.target.checked
                    ? [...patchIds, im.id]
                    : patchIds.filter((id) => id !== im.id);
                  setEmbedding3d({ patchImages: next });
                }}
              />{' '}
              {im.name}
            </label>
          ))}
        </fieldset>
      )}
      <p className="muted e3d-legend" aria-live="polite">
        {legendText()}
      </p>
      {settings.mode === 'images' && categories && shownCount > 0 && (
        <ul className="e3d-swatches" aria-label="Colours">
          {categories.names.slice(0, 12).map((name, i) => (
            <li key={name}>
              <span className="e3d-swatch" style={{ background: categoryColour(i) }} />
              {name} ({categories.of.filter((c) => c === i).length})
            </li>
          ))}
          {categories.names.length > 12 && <li>+{categories.names.length - 12} more</li>}
        </ul>
      )}
      {progress && (
        <p className="e3d-progress">
          <progress value={progress.fraction} max={1} /> {progress.message}
        </p>
      )}
      {(error || glError) && <p className="notice">{glError ?? error}</p>}
      <div className="e3d-body">
        <div className="e3d-stage" ref={host}>
          <div className="e3d-tooltip" ref={tooltip} hidden>
            <img alt="" />
            <span />
          </div>
        </div>
        {settings.mode === 'images' && selected && (
          <aside className="e3d-side" aria-label="Selected image">
            <p>
              Selected: <strong>{selected.name}</strong>
            </p>
            {!isTensorFile({ name: selected.name }) && (
              <img className="e3d-selected" src={selected.url} alt={selected.name} />
            )}
            <div className="e3d-actions">
              <button
                type="button"
                onClick={() => useApp.setState({ view: 'attention', selectedImageId: selected.id })}
              >
                Open in Attention
              </button>
              <button
                type="button"
                onClick={() => useApp.setState({ view: 'pca', selectedImageId: selected.id })}
              >
                Open in PCA maps
              </button>
              <button
                type="button"
                onClick={() => setEmbedding3d({ mode: 'patches', patchImages: [selected.id] })}
              >
                Show its patches
              </button>
              <button type="button" onClick={() => selectImage(null)}>
                Clear selection
              </button>
            </div>
            {neighbours.length > 0 && (
              <>
                <p className="muted">
                  Nearest by cosine ({settings.descriptor === 'cls' ? 'CLS' : 'mean of patches'}):
                </p>
                <ol className="e3d-neighbours">
                  {neighbours.map((nb) => {
                    const e = byId.get(desc!.ids[nb.index]);
                    return (
                      <li key={nb.index}>
                        <button type="button" onClick={() => e && selectImage(e.id)}>
                          {e?.name ?? '?'}
                        </button>{' '}
                        {nb.score.toFixed(3)}
                      </li>
                    );
                  })}
                </ol>
              </>
            )}
          </aside>
        )}
        {settings.mode === 'patches' && photoEntry && photoGrid && (
          <aside className="e3d-side" aria-label="Patch photo">
            <p>
              <strong>{photoEntry.name}</strong>{' '}
              <span className="muted">
                ({photoGrid.rows}×{photoGrid.cols} patches)
              </span>
            </p>
            {shownPatches && shownPatches.ids.length > 1 && (
              <label>
                Photo{' '}
                <select
                  aria-label="Photo"
                  value={photoEntry.id}
                  onChange={(e) => setPhotoId(e.target.value)}
                >
                  {shownPatches.ids.map((id) => (
                    <option key={id} value={id}>
                      {byId.get(id)?.name ?? id}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <PatchPhoto
              entry={photoEntry}
              rows={photoGrid.rows}
              cols={photoGrid.cols}
              mode={preprocess}
              onBrush={onBrush}
              handle={photo}
            />
            <p className="muted">
              Hover a point to see its patch; drag on the photo to light up its patches.
            </p>
          </aside>
        )}
      </div>
    </section>
  );

  function legendText(): string {
    if (glError) return '';
    if (!modelReady) return 'Load a model and add images to see them here.';
    if (done.length === 0) return 'Points appear once images have features.';
    if (settings.mode === 'images') {
      if (!shownLayout) return 'Computing the layout…';
      const head = `${shownCount} image${shownCount === 1 ? '' : 's'}`;
      const how =
        shownLayout.method === 'pca'
          ? ` · PCA of the ${settings.descriptor === 'cls' ? 'CLS tokens' : 'patch means'} (exact linear projection)` +
            ` · explained variance ${shownLayout.explained.map((v, i) => `PC${i + 1} ${pct(v)}`).join(', ')}` +
            (shownLayout.asked === 'umap' ? ' · UMAP needs at least 4 images, so PCA is shown' : '')
          : ` · UMAP (approximate: neighbourhoods are kept, distances between groups are not; ` +
            `${settings.umap.nNeighbors} neighbours, min distance ${settings.umap.minDist}, seed ${settings.umap.seed})`;
      const t = thumbs
        ? thumbs.of < thumbs.total
          ? ` · thumbnails for ${thumbs.of} of ${thumbs.total}`
          : thumbs.drawn < thumbs.total
            ? ` · drawing thumbnails ${thumbs.drawn}/${thumbs.total}`
            : ''
        : '';
      return head + how + t;
    }
    if (!shownPatches) return 'Computing the patch PCA…';
    const r = shownPatches.result;
    const m = r.image.length;
    const n = r.grids.length;
    const head = r.sampled
      ? `showing ${m.toLocaleString('en')} of ${r.total.toLocaleString('en')} patches (evenly sampled)`
      : `${m.toLocaleString('en')} patches`;
    return (
      `${head} from ${n} image${n === 1 ? '' : 's'} · joint PCA of the patch tokens, coloured like the PCA maps` +
      ` · explained variance ${r.explained.map((v, i) => `PC${i + 1} ${pct(v)}`).join(', ')}`
    );
  }
}
