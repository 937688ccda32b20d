/**
 * Drawing a per-patch map over the part of the photo the model saw. Shared by the PCA and
 * attention views.
 */
import { useEffect, useState } from 'react';
import type { EmbedResult, PreprocessMode } from '../../engine/protocol';
import { useApp } from '../../store/app-store';

/**
 * The part of the photo the model saw, as fractions of its width and height: all of it (dense)
 * or the classifier's centre crop (shortest edge 256, then a centred 224 square).
 */
export function modelRegion(r: EmbedResult, mode: PreprocessMode) {
  const { width, height } = r.notes;
  if (mode !== 'classifier') return { x: 0, y: 0, w: 1, h: 1 };
  const side = (Math.min(width, height) * 224) / 256;
  return {
    x: (width - side) / 2 / width,
    y: (height - side) / 2 / height,
    w: side / width,
    h: side / height,
  };
}

export function useImage(url: string | null): HTMLImageElement | null {
  const [img, setImg] = useState<HTMLImageElement | null>(null);
  useEffect(() => {
    if (!url) return;
    const el = new Image();
    el.onload = () => setImg(el);
    el.src = url;
    return () => {
      el.onload = null;
    };
  }, [url]);
  return url ? img : null;
}

export interface OverlayOptions {
  result: EmbedResult;
  mode: PreprocessMode;
  img: HTMLImageElement | null;
  /** One pixel per patch (cols x rows). */
  pixels: ImageData;
  opacity: number;
  smooth: boolean;
}

/** Draws the photo region, then the map stretched over the whole canvas (the patch grid). */
export function drawOverlay(ctx: CanvasRenderingContext2D, o: OverlayOptions): void {
  const { canvas } = ctx;
  // Under a transparent photo, the colour the model saw there (its alpha was composited on it).
  ctx.fillStyle = useApp.getState().settings.background === 'white' ? '#fff' : '#000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (o.img) {
    const { x, y, w, h } = modelRegion(o.result, o.mode);
    const [iw, ih] = [o.img.naturalWidth, o.img.naturalHeight];
    ctx.drawImage(o.img, x * iw, y * ih, w * iw, h * ih, 0, 0, canvas.width, canvas.height);
  }
  const small = new OffscreenCanvas(o.pixels.width, o.pixels.height);
  small.getContext('2d')!.putImageData(o.pixels, 0, 0);
  ctx.globalAlpha = o.img ? o.opacity : 1;
  ctx.imageSmoothingEnabled = o.smooth;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
  ctx.globalAlpha = 1;
}
