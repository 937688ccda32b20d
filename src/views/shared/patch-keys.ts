/**
 * Picking patches by keyboard on a patch canvas: the canvas takes focus, arrow keys move a patch
 * cursor (Home/End: row start/end; PageUp/PageDown: first/last row), Enter or Space picks the
 * cursor's patch, Escape drops the cursor. Where the pointer drags a box (`box`), Shift+arrows
 * span one from where the cursor was; elsewhere Shift+arrows move as the arrows do, so the
 * keyboard never draws a box that Enter would not pick.
 * The pointer is not needed for anything a patch canvas does.
 */
import { useState } from 'react';
import { announce } from '../../lib/announce';

export const PATCH_KEYS_HINT =
  'Arrow keys move the patch cursor, Enter picks the patch, Escape hides the cursor.';
export const PATCH_BOX_KEYS_HINT =
  'Arrow keys move the patch cursor, Enter picks the patch, Shift+arrows span a box, Escape ' +
  'hides the cursor.';

/** What the cursor is on, in words (1-based rows and columns, as the views' status lines). */
export function cursorWords(
  cursor: number,
  anchor: number | null,
  rows: number,
  cols: number,
): string {
  const r = Math.floor(cursor / cols);
  const c = cursor % cols;
  if (anchor === null || anchor === cursor) {
    return `Row ${r + 1}, column ${c + 1} of ${rows} by ${cols} patches`;
  }
  const [r0, r1] = [Math.floor(anchor / cols), r].sort((x, y) => x - y);
  const [c0, c1] = [anchor % cols, c].sort((x, y) => x - y);
  const n = (r1 - r0 + 1) * (c1 - c0 + 1);
  return `Box of ${n} patches: rows ${r0 + 1} to ${r1 + 1}, columns ${c0 + 1} to ${c1 + 1}`;
}

/** The patch `key` moves `cursor` to (row-major), or null when the key does not move it. */
export function movePatch(cursor: number, key: string, rows: number, cols: number): number | null {
  const r = Math.floor(cursor / cols);
  const c = cursor % cols;
  const at = (row: number, col: number) =>
    Math.min(rows - 1, Math.max(0, row)) * cols + Math.min(cols - 1, Math.max(0, col));
  switch (key) {
    case 'ArrowLeft':
      return at(r, c - 1);
    case 'ArrowRight':
      return at(r, c + 1);
    case 'ArrowUp':
      return at(r - 1, c);
    case 'ArrowDown':
      return at(r + 1, c);
    case 'Home':
      return at(r, 0);
    case 'End':
      return at(r, cols - 1);
    case 'PageUp':
      return at(0, c);
    case 'PageDown':
      return at(rows - 1, c);
    default:
      return null;
  }
}

export interface PatchKeys {
  /** The keyboard cursor (null: none, e.g. not focused). */
  cursor: number | null;
  /** The box's other corner while Shift+arrows span one. */
  anchor: number | null;
  /**
   * The pointer picked `patch`: the keyboard cursor goes away (the pick is marked by the view)
   * and the next key starts from that patch, so Enter never picks an older cursor's patch.
   */
  pointed: (patch: number) => void;
  handlers: {
    tabIndex: 0;
    onKeyDown: (e: React.KeyboardEvent) => void;
    onFocus: (e: React.FocusEvent) => void;
    onBlur: () => void;
    'aria-description': string;
  };
}

export function usePatchKeys(p: {
  rows: number;
  cols: number;
  /** Shift+arrows span a box (only where the view picks a box: the pointer drags one too). */
  box?: boolean;
  /** The keys as described to assistive technology (the default names those this hook has). */
  hint?: string;
  /** The cursor moved (or left: null). */
  onMove?: (patch: number | null) => void;
  /** Enter or Space: the patch, or the box from `from` to `to` (`from === to` without `box`). */
  onPick: (from: number, to: number) => void;
}): PatchKeys {
  const [cursor, setCursor] = useState<number | null>(null);
  const [anchor, setAnchor] = useState<number | null>(null);
  const [start, setStart] = useState<number | null>(null);
  const centre = Math.floor(p.rows / 2) * p.cols + Math.floor(p.cols / 2);
  const move = (next: number | null, box: number | null = null) => {
    setCursor(next);
    p.onMove?.(next);
    // Said as it moves: a screen reader user hears where the cursor is before picking.
    if (next !== null) announce(cursorWords(next, box, p.rows, p.cols));
  };
  return {
    cursor,
    anchor,
    pointed: (patch) => {
      setStart(patch);
      setAnchor(null);
      setCursor(null);
    },
    handlers: {
      tabIndex: 0,
      'aria-description': p.hint ?? (p.box ? PATCH_BOX_KEYS_HINT : PATCH_KEYS_HINT),
      // A cursor shows on keyboard focus only: a click focuses the canvas too, and a cursor put
      // at the centre then would draw there and be picked by a later Enter, not the clicked patch.
      onFocus: (e) => {
        if (e.currentTarget.matches(':focus-visible')) move(cursor ?? start ?? centre);
      },
      onBlur: () => {
        setAnchor(null);
        // Only a keyboard cursor leaves with focus: what a tap shows (it focuses the canvas too)
        // stays until the next touch.
        if (cursor !== null) move(null);
      },
      onKeyDown: (e) => {
        // (A cursor from a larger grid, should the image change under it, is brought inside.)
        const here = Math.min(cursor ?? start ?? centre, p.rows * p.cols - 1);
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          if (cursor === null) {
            // The canvas was clicked (no cursor): show the cursor first rather than pick a
            // patch the user has not seen.
            move(here);
            return;
          }
          p.onPick(anchor ?? here, here);
          setAnchor(null);
          return;
        }
        if (e.key === 'Escape') {
          if (cursor === null && anchor === null) return;
          e.preventDefault(); // handled here: views that close on Escape leave it alone
          setAnchor(null);
          move(null);
          return;
        }
        const next = movePatch(here, e.key, p.rows, p.cols);
        if (next === null) return;
        e.preventDefault(); // no page scroll
        if (cursor === null) {
          // No cursor yet (the canvas was clicked): the first arrow shows it where it starts.
          move(here);
          return;
        }
        const box = e.shiftKey && p.box ? (anchor ?? here) : null;
        setAnchor(box);
        move(next, box);
      },
    },
  };
}

/** Outlines the keyboard cursor (and a spanned box) on a canvas drawn at `sx` x `sy` per patch. */
export function drawPatchCursor(
  ctx: CanvasRenderingContext2D,
  keys: { cursor: number | null; anchor: number | null },
  cols: number,
  sx: number,
  sy: number,
): void {
  if (keys.cursor === null) return;
  const a = keys.anchor ?? keys.cursor;
  const [c0, c1] = [a % cols, keys.cursor % cols].sort((x, y) => x - y);
  const [r0, r1] = [Math.floor(a / cols), Math.floor(keys.cursor / cols)].sort((x, y) => x - y);
  ctx.save();
  ctx.setLineDash(keys.anchor === null ? [] : [4, 3]);
  const box = [c0 * sx + 1, r0 * sy + 1, (c1 - c0 + 1) * sx - 2, (r1 - r0 + 1) * sy - 2] as const;
  // Cyan on a dark edge: seen on light and dark maps alike, and not taken for the attention
  // view's white mass contour or the 3D photo's yellow hover outline.
  ctx.lineWidth = 4;
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.7)';
  ctx.strokeRect(...box);
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#0ff';
  ctx.strokeRect(...box);
  ctx.restore();
}
