/**
 * Thumbnails for the 3D view in ONE texture atlas: each image is decoded small with
 * createImageBitmap (from its object URL) and drawn into its cell of one canvas.
 */
import { fitInCell, packAtlas, type AtlasLayout } from '../../features/atlas';
import type { ThumbnailAtlas } from './scene';

export interface ThumbSource {
  url: string;
  /** Decoded size (after EXIF orientation), to decode straight at the cell size. */
  width: number;
  height: number;
  /** False for inputs that are not pictures (a .npy tensor): no thumbnail. */
  picture: boolean;
}

export interface AtlasBuild extends ThumbnailAtlas {
  layout: AtlasLayout;
  /** Draws the thumbnails, calling `onProgress` every few; resolves when all are drawn. */
  fill: (onProgress: (drawn: number) => void) => Promise<void>;
  /** Stops drawing. */
  cancel: () => void;
}

const CONCURRENCY = 4;

export function buildAtlas(sources: ThumbSource[], maxTextureSize: number, cell = 64): AtlasBuild {
  const layout = packAtlas(sources.length, cell, Math.min(4096, maxTextureSize));
  const canvas = document.createElement('canvas');
  canvas.width = layout.width;
  canvas.height = layout.height;
  const ctx = canvas.getContext('2d')!;
  const rects = new Float32Array(sources.length * 4).fill(-1);
  layout.rects.forEach((r, i) => {
    if (!sources[i].picture) return;
    rects.set([r.u0, r.v0, r.u1, r.v1], i * 4);
  });
  let cancelled = false;

  const fill = async (onProgress: (drawn: number) => void) => {
    let next = 0;
    let drawn = 0;
    let lastReport = performance.now();
    const one = async (i: number) => {
      const s = sources[i];
      const r = layout.rects[i];
      if (!s.picture || !r) return;
      const box = fitInCell(s.width, s.height, layout.cell);
      try {
        const blob = await (await fetch(s.url)).blob();
        if (cancelled) return;
        const bmp = await createImageBitmap(blob, {
          resizeWidth: box.w,
          resizeHeight: box.h,
          resizeQuality: 'medium',
        });
        if (!cancelled) ctx.drawImage(bmp, r.x + box.x, r.y + box.y, box.w, box.h);
        bmp.close();
      } catch {
        // An undecodable picture keeps an empty cell; the point is drawn as a dot.
        rects.fill(-1, i * 4, i * 4 + 4);
      }
      drawn++;
      const now = performance.now();
      if (now - lastReport > 150) {
        lastReport = now;
        onProgress(drawn);
      }
    };
    const lane = async () => {
      while (!cancelled && next < layout.count) await one(next++);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    if (!cancelled) onProgress(drawn);
  };

  return {
    image: canvas,
    rects,
    layout,
    fill,
    cancel: () => {
      cancelled = true;
    },
  };
}
