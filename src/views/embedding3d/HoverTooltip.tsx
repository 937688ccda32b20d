/**
 * The tooltip that follows the pointer over the 3D cloud. It is rendered once by React and then
 * filled and moved directly in the DOM by `showTooltip`, because hover changes at pointer rate and
 * must not re-render the view. `pointInfo` says what a point stands for: an image (image mode) or
 * one patch of an image (patch mode), with the label the tooltip shows.
 */
import type { Ref } from 'react';
import type { PatchPointsResult } from '../../engine/protocol';
import { isTensorFile } from '../../lib/files';
import type { ImageEntry } from '../../store/app-store';

export function HoverTooltip({ ref }: { ref: Ref<HTMLDivElement> }) {
  return (
    <div className="e3d-tooltip" ref={ref} hidden>
      <img alt="" />
      <span />
    </div>
  );
}

/** The patch points on screen: the engine's result and the image ids it indexes. */
export interface PatchCloud {
  key: string;
  ids: string[];
  result: PatchPointsResult;
}

export interface PointInfo {
  entry: ImageEntry | undefined;
  label: string;
  /** Patch mode: the point's image id and patch index (row-major). */
  patch?: { imageId: string; index: number };
}

/** What point `index` stands for, in image mode (`ids`) or patch mode (`patches`). */
export function pointInfo(
  index: number,
  byId: Map<string, ImageEntry>,
  ids: string[],
  patches: PatchCloud | null,
  /** What to call an image (its label on screen). */
  nameOf: (entry: ImageEntry) => string,
): PointInfo {
  if (!patches) {
    const entry = byId.get(ids[index]);
    return { entry, label: entry ? nameOf(entry) : '' };
  }
  const r = patches.result;
  const id = patches.ids[r.image[index]];
  const entry = byId.get(id);
  const grid = r.grids.find((g) => g.imageId === id);
  const p = r.patch[index];
  const label = grid
    ? `${entry ? nameOf(entry) : id} · patch row ${Math.floor(p / grid.cols) + 1}, column ${(p % grid.cols) + 1}`
    : entry
      ? nameOf(entry)
      : id;
  return { entry, label, patch: { imageId: id, index: p } };
}

/** Fills and places the tooltip (thumbnail only for pictures in image mode), or hides it. */
export function showTooltip(
  tip: HTMLDivElement | null,
  info: PointInfo | null,
  x: number,
  y: number,
): void {
  if (!tip) return;
  if (!info) {
    tip.hidden = true;
    return;
  }
  const img = tip.querySelector('img')!;
  const text = tip.querySelector('span')!;
  text.textContent = info.label;
  const entry = info.entry;
  if (entry && !info.patch && !isTensorFile({ name: entry.name })) {
    if (img.getAttribute('src') !== entry.url) img.src = entry.url;
    img.hidden = false;
  } else {
    img.hidden = true;
  }
  tip.hidden = false;
  tip.style.left = `${x + 14}px`;
  tip.style.top = `${y + 14}px`;
}
