import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import type { PreprocessMode } from '../../engine/protocol';
import { useImageLabel, type ImageEntry } from '../../store/app-store';
import { modelRegion, useImage } from '../shared/overlay';
import { drawPatchCursor, usePatchKeys } from '../shared/patch-keys';

export interface PatchPhotoHandle {
  /**
   * Outlines one patch (the one hovered in the cloud), or none. Drawn without React. With
   * `imageId` of another image than the one shown, it is outlined once that image is shown (a
   * point of another image was picked: the photo is switching to it).
   */
  showPatch: (patch: number | null, imageId?: string) => void;
}

export interface PatchPhotoProps {
  entry: ImageEntry;
  rows: number;
  cols: number;
  mode: PreprocessMode;
  /** Patches inside a brushed rectangle (row-major indices), or null when the brush is cleared. */
  onBrush: (patches: number[] | null) => void;
  handle: Ref<PatchPhotoHandle>;
}

const WIDTH = 280;

const KEYS_HINT =
  'Arrow keys move the patch cursor, Shift+arrows span a box, Enter lights up its patches in ' +
  'the cloud, Escape clears.';

/**
 * The photo beside the patch cloud: the part the model saw, with the hovered patch outlined.
 * Dragging on it brushes a rectangle of patches (their points light up in the cloud); a click
 * clears the brush. By keyboard: the patch keys span the box, Enter brushes it, Escape clears.
 */
export function PatchPhoto({ entry, rows, cols, mode, onBrush, handle }: PatchPhotoProps) {
  const base = useRef<HTMLCanvasElement | null>(null);
  const over = useRef<HTMLCanvasElement | null>(null);
  const img = useImage(entry.url);
  const name = useImageLabel()(entry);
  const state = useRef<{
    hover: number | null;
    brush: { x0: number; y0: number; x1: number; y1: number } | null;
    dragging: boolean;
    /** The patch picked for an image about to be shown (see showPatch). */
    pending: { imageId: string; patch: number | null } | null;
    /** What the overlay was last set up for: image, recipe and grid. */
    shown: string;
  }>({ hover: null, brush: null, dragging: false, pending: null, shown: '' });
  const height = Math.round((WIDTH * rows) / Math.max(1, cols));
  const keys = usePatchKeys({
    rows,
    cols,
    box: true,
    hint: KEYS_HINT,
    onPick: (from, to) => {
      // The box's patch edges as a brush: exactly its patches have their centres inside.
      const [r0, r1] = [Math.floor(from / cols), Math.floor(to / cols)].sort((a, b) => a - b);
      const [c0, c1] = [from % cols, to % cols].sort((a, b) => a - b);
      state.current.brush = {
        x0: c0 / cols,
        y0: r0 / rows,
        x1: (c1 + 1) / cols,
        y1: (r1 + 1) / rows,
      };
      drawOverlay();
      onBrush(brushed());
    },
  });
  // The overlay is drawn outside React (the hover comes through the handle): it reads the
  // keyboard cursor from here.
  const cursor = useRef({ cursor: keys.cursor, anchor: keys.anchor });

  const drawOverlay = () => {
    const c = over.current;
    if (!c) return;
    const ctx = c.getContext('2d')!;
    ctx.clearRect(0, 0, c.width, c.height);
    const cw = c.width / cols;
    const ch = c.height / rows;
    const b = state.current.brush;
    if (b) {
      const [x0, x1] = [Math.min(b.x0, b.x1), Math.max(b.x0, b.x1)];
      const [y0, y1] = [Math.min(b.y0, b.y1), Math.max(b.y0, b.y1)];
      ctx.fillStyle = 'rgba(16, 18, 23, 0.55)';
      ctx.fillRect(0, 0, c.width, c.height);
      ctx.clearRect(x0 * c.width, y0 * c.height, (x1 - x0) * c.width, (y1 - y0) * c.height);
      ctx.strokeStyle = '#6ea8fe';
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 * c.width, y0 * c.height, (x1 - x0) * c.width, (y1 - y0) * c.height);
    }
    const h = state.current.hover;
    if (h !== null && h >= 0 && h < rows * cols) {
      const r = Math.floor(h / cols);
      const col = h % cols;
      // Yellow: the keyboard cursor is cyan (drawPatchCursor), and both can show at once.
      ctx.strokeStyle = '#ffd43b';
      ctx.lineWidth = 2;
      ctx.strokeRect(col * cw, r * ch, cw, ch);
      ctx.strokeStyle = '#000';
      ctx.lineWidth = 1;
      ctx.strokeRect(col * cw - 1.5, r * ch - 1.5, cw + 3, ch + 3);
    }
    drawPatchCursor(ctx, cursor.current, cols, cw, ch);
  };

  useEffect(() => {
    cursor.current = { cursor: keys.cursor, anchor: keys.anchor };
    drawOverlay();
    // drawOverlay reads refs only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [keys.cursor, keys.anchor]);

  useImperativeHandle(handle, () => ({
    showPatch: (patch, imageId) => {
      if (imageId !== undefined && imageId !== entry.id) {
        state.current.pending = { imageId, patch };
        return;
      }
      state.current.pending = null;
      state.current.hover = patch;
      drawOverlay();
    },
  }));

  useEffect(() => {
    const c = base.current;
    if (!c) return;
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, c.width, c.height);
    if (img && entry.result) {
      const { x, y, w, h } = modelRegion(entry.result, mode);
      const [iw, ih] = [img.naturalWidth, img.naturalHeight];
      ctx.drawImage(img, x * iw, y * ih, w * iw, h * ih, 0, 0, c.width, c.height);
    }
    // A new image starts without a brush, and with the patch picked for it if there is one
    // (the photo loading later keeps it: the same image).
    state.current.brush = null;
    const shown = `${entry.id}|${mode}|${rows}x${cols}`;
    if (state.current.shown !== shown) {
      state.current.shown = shown;
      const p = state.current.pending;
      state.current.hover = p?.imageId === entry.id ? p.patch : null;
      state.current.pending = null;
    }
    drawOverlay();
    // drawOverlay reads refs only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [img, entry, mode, rows, cols]);

  const at = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return {
      x: Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)),
      y: Math.min(1, Math.max(0, (e.clientY - r.top) / r.height)),
    };
  };
  const patchAt = (p: { x: number; y: number }) =>
    Math.min(rows - 1, Math.floor(p.y * rows)) * cols + Math.min(cols - 1, Math.floor(p.x * cols));
  const clearBrush = () => {
    state.current.brush = null;
    drawOverlay();
    onBrush(null);
  };

  const brushed = (): number[] | null => {
    const b = state.current.brush;
    if (!b) return null;
    const [x0, x1] = [Math.min(b.x0, b.x1), Math.max(b.x0, b.x1)];
    const [y0, y1] = [Math.min(b.y0, b.y1), Math.max(b.y0, b.y1)];
    const out: number[] = [];
    for (let r = 0; r < rows; r++) {
      const cy = (r + 0.5) / rows;
      if (cy < y0 || cy > y1) continue;
      for (let c = 0; c < cols; c++) {
        const cx = (c + 0.5) / cols;
        if (cx >= x0 && cx <= x1) out.push(r * cols + c);
      }
    }
    return out;
  };

  return (
    <div className="e3d-photo" style={{ width: WIDTH, height }}>
      <canvas ref={base} width={WIDTH} height={height} aria-hidden="true" />
      <canvas
        ref={over}
        width={WIDTH}
        height={height}
        role="img"
        aria-label={`Patches of ${name}: drag to select a region`}
        {...keys.handlers}
        onKeyDown={(e) => {
          // Escape clears the brush as a click does (and the cursor, as on every patch map).
          if (e.key === 'Escape' && state.current.brush) {
            e.preventDefault();
            clearBrush();
          }
          keys.handlers.onKeyDown(e);
        }}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          const p = at(e);
          state.current.dragging = true;
          state.current.brush = { x0: p.x, y0: p.y, x1: p.x, y1: p.y };
          drawOverlay();
        }}
        onPointerMove={(e) => {
          if (!state.current.dragging || !state.current.brush) return;
          const p = at(e);
          state.current.brush.x1 = p.x;
          state.current.brush.y1 = p.y;
          drawOverlay();
          onBrush(brushed());
        }}
        onPointerUp={(e) => {
          state.current.dragging = false;
          keys.pointed(patchAt(at(e)));
          const b = state.current.brush;
          // A click without a drag clears the brush.
          if (b && Math.abs(b.x1 - b.x0) < 0.01 && Math.abs(b.y1 - b.y0) < 0.01) {
            clearBrush();
          } else {
            onBrush(brushed());
          }
        }}
      />
    </div>
  );
}
