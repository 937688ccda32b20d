import { useLayoutEffect, useRef, type CSSProperties } from 'react';
import { drawOverlay, useImage } from '../shared/overlay';
import type { EmbedResult, PcaMap, PreprocessMode } from '../../engine/protocol';
import type { Channel } from '../../store/pca';

/** Per-patch colours as a cols x rows bitmap (one pixel per patch). */
export function mapPixels(map: PcaMap, channel: Channel, showMask: boolean): ImageData {
  const n = map.rows * map.cols;
  const px = new ImageData(map.cols, map.rows);
  for (let i = 0; i < n; i++) {
    let r: number;
    let g: number;
    let b: number;
    if (showMask && map.mask) {
      r = g = b = map.mask[i] ? 1 : 0;
    } else if (channel === 'rgb') {
      r = map.colours[i * 3];
      g = map.colours[i * 3 + 1];
      b = map.colours[i * 3 + 2];
    } else {
      r = g = b = map.colours[i * 3 + channel];
    }
    px.data[i * 4] = Math.round(r * 255);
    px.data[i * 4 + 1] = Math.round(g * 255);
    px.data[i * 4 + 2] = Math.round(b * 255);
    px.data[i * 4 + 3] = 255;
  }
  return px;
}

/**
 * The map alone, as a saved figure shows it: the three components as RGB (background black where
 * foreground-only zeroed it), without the photo and whatever the opacity, at `width` x `height`
 * (the model input's size) with each patch a block (nearest).
 */
export function mapAlone(map: PcaMap, width: number, height: number): HTMLCanvasElement | null {
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  const ctx = out.getContext('2d');
  if (!ctx) return null;
  const small = new OffscreenCanvas(map.cols, map.rows);
  small.getContext('2d')!.putImageData(mapPixels(map, 'rgb', false), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, width, height);
  return out;
}

export interface PcaCanvasProps {
  map: PcaMap;
  result: EmbedResult;
  name: string;
  photoUrl: string | null;
  mode: PreprocessMode;
  opacity: number;
  smooth: boolean;
  channel: Channel;
  showMask: boolean;
  canvasRef?: (el: HTMLCanvasElement | null) => void;
}

/** The map drawn over the model's view of the photo, at the input's aspect ratio. */
export function PcaCanvas(p: PcaCanvasProps) {
  const ref = useRef<HTMLCanvasElement | null>(null);
  const img = useImage(p.photoUrl);
  const { map, result, opacity, smooth, channel, showMask, mode } = p;
  // Drawn before the browser paints: a new card never shows an empty canvas for a frame, and
  // the map is on screen in the same frame as the card (a passive effect may run a paint later).
  useLayoutEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    canvas.width = result.inputWidth;
    canvas.height = result.inputHeight;
    drawOverlay(ctx, {
      result,
      mode,
      img,
      pixels: mapPixels(map, channel, showMask),
      opacity,
      smooth,
    });
  }, [map, result, img, opacity, smooth, channel, showMask, mode]);
  return (
    <canvas
      ref={(el) => {
        ref.current = el;
        p.canvasRef?.(el);
      }}
      role="img"
      aria-label={`PCA map: ${p.name}`}
      className="map-canvas"
      // The aspect ratio lets the enlarged map fill the width and still fit the window's height.
      style={{ '--ar': result.inputWidth / result.inputHeight } as CSSProperties}
    />
  );
}
