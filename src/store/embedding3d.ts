/**
 * The 3D view's settings (they survive switching tabs). The scene itself, hover and camera live
 * outside React, in the view's EmbeddingScene.
 */
import { create } from 'zustand';

export type PointMode = 'images' | 'patches';
export type LayoutMethod = 'pca' | 'umap';
export type ColourBy = 'cluster' | 'folder' | 'none';

export interface UmapParams {
  nNeighbors: number;
  minDist: number;
  seed: number;
}

export interface Embedding3dSettings {
  mode: PointMode;
  method: LayoutMethod;
  dims: 2 | 3;
  descriptor: 'cls' | 'mean';
  colourBy: ColourBy;
  /** Clusters for k-means colouring. */
  k: number;
  thumbnails: boolean;
  /** Nearest neighbours drawn from the selected image. */
  neighbours: number;
  umap: UmapParams;
  /** Images whose patches patch mode shows (empty: the selected image, or the first). */
  patchImages: string[];
}

export const useEmbedding3d = create<Embedding3dSettings>()(() => ({
  mode: 'images',
  method: 'pca',
  dims: 3,
  descriptor: 'cls',
  colourBy: 'cluster',
  k: 3,
  thumbnails: true,
  neighbours: 5,
  umap: { nNeighbors: 15, minDist: 0.1, seed: 42 },
  patchImages: [],
}));

export function setEmbedding3d(p: Partial<Embedding3dSettings>): void {
  useEmbedding3d.setState(p);
}

export function setUmapParams(p: Partial<UmapParams>): void {
  useEmbedding3d.setState((s) => ({ umap: { ...s.umap, ...p } }));
}
