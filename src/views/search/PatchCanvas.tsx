/**
 * One image as the model saw it, with an optional per-patch heatmap, a selected region and pointer
 * handlers that report patches. Used for the query, the results and the correspondences.
 */
import { useLayoutEffect, useRef } from 'react';
import type { EmbedResult, PreprocessMode } from '../../engine/protocol';
import { applyColormap } from '../../features/colormap';
import { drawOverlay, useImage } from '../shared/overlay';
import { drawPatchCursor, usePatchKeys } from '../shared/patch-keys';

export interface PatchCanvasProps {
  label: string;
  url: string | null;
  result: EmbedResult;
  mode: PreprocessMode;
  /** [rows * cols] values shown as a heatmap, scaled from `range[0]` (dark) to `range[1]`. */
  values?: Float32Array | null;
  range?: [number, number];
  /** Patches outlined (the region). */
  region?: number[];
  /** A patch to mark (the one under the pointer). */
  mark?: number | null;
  /** Long side of the drawing, in CSS pixels. */
  size?: number;
  onPatchHover?: (patch: number | null) => void;
  /** A box drag from patch `from` to `to` (row-major indices), or a click (`from === to`). */
  onBox?: (from: number, to: number) => void;
}

export function PatchCanvas(p: PatchCanvasProps) {
  const ref = useRef<HTMLCanvasElement | null>(null);
  const drag = useRef<number | null>(null);
  const img = useImage(p.url);
  const { rows, cols } = p.result;
  const scale = (p.size ?? 320) / Math.max(p.result.inputWidth, p.result.inputHeight);
  const width = Math.round(p.result.inputWidth * scale);
  const height = Math.round(p.result.inputHeight * scale);
  // The keyboard does what the pointer does: the cursor hovers, Enter clicks or ends a box.
  const keys = usePatchKeys({
    rows,
    cols,
    box: Boolean(p.onBox),
    onMove: p.onPatchHover,
    onPick: (from, to) => p.onBox?.(from, to),
  });
  const { cursor, anchor } = keys;

  // Drawn in the commit (see PcaCanvas): the canvas never shows the previous values a frame
  // after the text beside it changed.
  useLayoutEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    canvas.width = width;
    canvas.height = height;
    const n = rows * cols;
    let pixels: ImageData;
    if (p.values && p.values.length === n) {
      const [lo, hi] = p.range ?? [0, 1];
      const t = Float32Array.from(p.values, (v) =>
        Math.min(1, Math.max(0, (v - lo) / (hi - lo || 1))),
      );
      pixels = new ImageData(
        applyColormap(t, 'inferno') as Uint8ClampedArray<ArrayBuffer>,
        cols,
        rows,
      );
    } else {
      pixels = new ImageData(cols, rows); // transparent
    }
    drawOverlay(ctx, { result: p.result, mode: p.mode, img, pixels, opacity: 0.65, smooth: false });
    const sx = width / cols;
    const sy = height / rows;
    if (p.region && p.region.length > 0) {
      ctx.fillStyle = 'rgba(80, 200, 255, 0.35)';
      ctx.strokeStyle = 'rgba(80, 200, 255, 0.9)';
      for (const q of p.region) {
        ctx.fillRect((q % cols) * sx, Math.floor(q / cols) * sy, sx, sy);
      }
      // Outlined too: a faint fill alone is easy to miss once the cursor (focus) has gone.
      const rs = p.region.map((q) => Math.floor(q / cols));
      const cs = p.region.map((q) => q % cols);
      const [r0, c0] = [Math.min(...rs), Math.min(...cs)];
      ctx.lineWidth = 2;
      ctx.strokeRect(
        c0 * sx + 1,
        r0 * sy + 1,
        (Math.max(...cs) - c0 + 1) * sx - 2,
        (Math.max(...rs) - r0 + 1) * sy - 2,
      );
    }
    if (p.mark !== null && p.mark !== undefined) {
      ctx.strokeStyle = '#0f0';
      ctx.lineWidth = 2;
      ctx.strokeRect((p.mark % cols) * sx + 1, Math.floor(p.mark / cols) * sy + 1, sx - 2, sy - 2);
    }
    drawPatchCursor(ctx, { cursor, anchor }, cols, sx, sy);
  }, [
    img,
    p.values,
    p.range,
    p.region,
    p.mark,
    p.result,
    p.mode,
    rows,
    cols,
    width,
    height,
    cursor,
    anchor,
  ]);

  const patchAt = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const c = Math.min(
      cols - 1,
      Math.max(0, Math.floor(((e.clientX - box.left) / box.width) * cols)),
    );
    const r = Math.min(
      rows - 1,
      Math.max(0, Math.floor(((e.clientY - box.top) / box.height) * rows)),
    );
    return r * cols + c;
  };
  const interactive = Boolean(p.onPatchHover || p.onBox);
  return (
    <canvas
      ref={ref}
      role="img"
      aria-label={p.label}
      className="patch-canvas"
      style={{
        // Narrower where the view is (a phone): the canvas keeps its aspect ratio, and pointer
        // positions are read against its shown box.
        width,
        maxWidth: '100%',
        height: 'auto',
        cursor: interactive ? 'crosshair' : undefined,
        // A finger drags a box here instead of scrolling the page; a picture that takes no
        // input lets the page scroll (and zoom) as anywhere else.
        touchAction: interactive ? 'none' : undefined,
      }}
      {...(interactive ? keys.handlers : {})}
      onPointerMove={p.onPatchHover ? (e) => p.onPatchHover!(patchAt(e)) : undefined}
      // A finger has no hover: it leaves as it lifts, and what it touched stays shown (a tap
      // shows a patch's similarity) until the next touch.
      onPointerLeave={
        p.onPatchHover
          ? (e) => {
              if (e.pointerType !== 'touch') p.onPatchHover!(null);
            }
          : undefined
      }
      onPointerDown={(e) => {
        if (!interactive) return;
        p.onPatchHover?.(patchAt(e));
        if (!p.onBox) return;
        e.currentTarget.setPointerCapture(e.pointerId);
        drag.current = patchAt(e);
      }}
      onPointerUp={
        p.onBox
          ? (e) => {
              if (drag.current !== null) {
                keys.pointed(patchAt(e));
                p.onBox!(drag.current, patchAt(e));
              }
              drag.current = null;
            }
          : undefined
      }
    />
  );
}

/** The patches of the box spanned by two patch indices, row-major. */
export function boxPatches(from: number, to: number, cols: number): number[] {
  const [r0, r1] = [Math.floor(from / cols), Math.floor(to / cols)].sort((a, b) => a - b);
  const [c0, c1] = [from % cols, to % cols].sort((a, b) => a - b);
  const out: number[] = [];
  for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) out.push(r * cols + c);
  return out;
}
