/**
 * The data behind image mode (one point per image), computed off the main thread: descriptors
 * (CLS or patch mean) from the engine, L2-normalised; the PCA or UMAP layout and the k-means
 * clusters, each in a layout worker (layout-client) that is cancelled when its inputs change; the
 * colour categories (cluster or folder); and the selected image's nearest neighbours. Nothing here
 * touches the scene: useImageScene draws what this hook returns.
 */
import { useEffect, useMemo, useState } from 'react';
import { cosineNeighbours, normalizeRows } from '../../features/layout3d';
import { shortFolders } from '../../lib/image-labels';
import type { ImageEntry } from '../../store/app-store';
import { engine } from '../../store/controller';
import type { Embedding3dSettings } from '../../store/embedding3d';
import { runLayout } from './layout-client';
import type { DoneImages } from './useDoneImages';

/** Descriptors of the shown images, L2-normalised (cosine = dot product). */
export interface Descriptors {
  key: string;
  ids: string[];
  dim: number;
  data: Float32Array;
}

export interface LayoutState {
  key: string;
  coords: Float32Array;
  explained: number[];
  /** The method used, and the one asked for (UMAP falls back to PCA for under 4 images). */
  method: 'pca' | 'umap';
  asked: 'pca' | 'umap';
  dims: 2 | 3;
}

/** Colour categories: each point's category and the categories' names. */
export interface Categories {
  of: number[];
  names: string[];
}

export type Progress = { fraction: number; message: string } | null;

export interface ImageLayout {
  /** The descriptors of the layout on screen (their ids index the points). */
  desc: Descriptors | null;
  /**
   * The layout on screen: the newest one computed. While the next is computed (images arriving
   * as they are indexed, a setting changed) the last one stays, rather than a blank stage each
   * time. Null before the first, with no images, or in patch mode.
   */
  shownLayout: LayoutState | null;
  categories: Categories | null;
  neighbours: { index: number; score: number }[];
}

export function useImageLayout(
  { done, doneKey, byId }: DoneImages,
  settings: Embedding3dSettings,
  modelReady: boolean,
  selectedId: string | null,
  setProgress: (p: Progress) => void,
  setError: (e: string | null) => void,
): ImageLayout {
  const [desc, setDesc] = useState<Descriptors | null>(null);
  const [layout, setLayout] = useState<(LayoutState & { desc: Descriptors }) | null>(null);
  // The clusters of the shown descriptors and of the newest (two while a layout catches up).
  const [labels, setLabels] = useState<{ key: string; labels: Int32Array }[]>([]);
  const images = settings.mode === 'images';

  // Descriptors from the engine.
  const descKey = `${doneKey}|${settings.descriptor}`;
  useEffect(() => {
    if (!images || !modelReady) return;
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
  }, [descKey, images, modelReady]);

  // The layout, in a worker (PCA or UMAP).
  const { method, dims } = settings;
  const umapKey = JSON.stringify(settings.umap);
  const layoutKey = `${desc?.key}|${method}|${dims}|${method === 'umap' ? umapKey : ''}`;
  useEffect(() => {
    if (!desc || !images) return;
    const forDesc = desc;
    const base = { data: desc.data, n: desc.ids.length, dim: desc.dim };
    const job =
      method === 'umap'
        ? { ...base, kind: 'umap' as const, dims, ...settings.umap }
        : { ...base, kind: 'pca' as const, dims };
    setProgress({ fraction: 0, message: method === 'umap' ? 'UMAP: starting' : 'PCA' });
    const run = runLayout(job, (fraction, message) => setProgress({ fraction, message }));
    run.promise.then(
      (r) => {
        setProgress(null);
        if (r.type === 'layout') {
          const { coords, explained } = r;
          setLayout({
            key: layoutKey,
            coords,
            explained,
            method: r.method,
            dims,
            asked: method,
            desc: forDesc,
          });
        }
      },
      (e: Error) => {
        setProgress(null);
        setError(`Layout failed: ${e.message}`);
      },
    );
    return () => run.cancel();
    // layoutKey covers desc, method, dims and the UMAP parameters.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layoutKey, images]);

  // k-means clusters, in a worker.
  const clusterKey = `${desc?.key}|${settings.k}`;
  const wantClusters = images && settings.colourBy === 'cluster';
  useEffect(() => {
    if (!desc || !wantClusters) return;
    const n = desc.ids.length;
    const run = runLayout({
      kind: 'kmeans',
      data: desc.data,
      n,
      dim: desc.dim,
      k: settings.k,
      seed: 1,
    });
    run.promise.then(
      (r) =>
        r.type === 'labels' &&
        setLabels((old) => [...old.slice(-1), { key: clusterKey, labels: r.labels }]),
      (e: Error) => setError(`Clustering failed: ${e.message}`),
    );
    return () => run.cancel();
    // clusterKey covers desc and k.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [clusterKey, wantClusters]);

  // What is on screen: the last layout, with the descriptors it placed (while images remain).
  const shownLayout = images && desc && layout ? layout : null;
  const shown = shownLayout?.desc ?? null;
  const shownClusters = `${shown?.key}|${settings.k}`;
  const categories = useMemo(
    () =>
      categorise(
        shown,
        settings.colourBy,
        labels.find((l) => l.key === shownClusters)?.labels ?? null,
        byId,
      ),
    [shown, settings.colourBy, labels, shownClusters, byId],
  );

  const neighbours = useMemo(() => {
    if (!shown || !selectedId) return [];
    const q = shown.ids.indexOf(selectedId);
    if (q < 0) return [];
    return cosineNeighbours(shown.data, shown.ids.length, shown.dim, q, settings.neighbours);
  }, [shown, selectedId, settings.neighbours]);

  return { desc: shown, shownLayout, categories, neighbours };
}

/** The categories that colour the points: folders, or the clusters once computed. */
function categorise(
  desc: Descriptors | null,
  colourBy: Embedding3dSettings['colourBy'],
  labels: Int32Array | null,
  byId: Map<string, ImageEntry>,
): Categories | null {
  if (!desc) return null;
  if (colourBy === 'folder') {
    const names: string[] = [];
    const index = new Map<string, number>();
    const folders = new Set(
      desc.ids.map((id) => byId.get(id)?.folder).filter((f) => f !== undefined),
    );
    const short = shortFolders([...folders]);
    const of = desc.ids.map((id) => {
      const folder = byId.get(id)?.folder;
      const f = folder === undefined ? '(no folder)' : short.get(folder)!;
      if (!index.has(f)) {
        index.set(f, names.length);
        names.push(f);
      }
      return index.get(f)!;
    });
    return { of, names };
  }
  if (colourBy === 'cluster' && labels) {
    const k = labels.reduce((m, v) => Math.max(m, v + 1), 0);
    const names = Array.from({ length: k }, (_, i) => `cluster ${i + 1}`);
    return { of: Array.from(labels), names };
  }
  return null;
}
