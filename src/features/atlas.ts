/**
 * Packing thumbnails into one texture atlas: a grid of square cells, as small as it can be, within
 * the GPU's largest texture size. Pure layout: no DOM.
 */

export interface AtlasRect {
  /** Pixel rectangle of the cell in the atlas (origin top-left). */
  x: number;
  y: number;
  w: number;
  h: number;
  /** The same in texture coordinates, v growing upwards (as WebGL samples an unflipped canvas
   * uploaded with flipY): u0,v0 bottom-left, u1,v1 top-right. */
  u0: number;
  v0: number;
  u1: number;
  v1: number;
}

export interface AtlasLayout {
  width: number;
  height: number;
  /** Cell side in pixels (maybe smaller than asked, to fit `maxTextureSize`). */
  cell: number;
  cols: number;
  rows: number;
  /** How many thumbnails have a cell: min(n, what fits at `minCell`). */
  count: number;
  rects: AtlasRect[];
}

/**
 * A grid of `n` square cells of side `cell` (shrunk, down to `minCell`, when the grid would exceed
 * `maxTextureSize` on a side); cells beyond what fits at `minCell` get none (`count` < n). The
 * atlas is as close to square as the grid allows, each side at most `maxTextureSize`.
 */
export function packAtlas(
  n: number,
  cell: number,
  maxTextureSize: number,
  minCell = 8,
): AtlasLayout {
  if (!(cell >= 1) || !(maxTextureSize >= 1)) {
    throw new RangeError(`packAtlas: bad cell ${cell} or max texture size ${maxTextureSize}`);
  }
  let side = Math.floor(Math.min(cell, maxTextureSize));
  const floor = Math.max(1, Math.min(Math.floor(minCell), side));
  const perSide = (s: number) => Math.floor(maxTextureSize / s);
  while (side > floor && perSide(side) ** 2 < n) side--;
  const fit = perSide(side) ** 2;
  const count = Math.max(0, Math.min(n, fit));
  const cols = count === 0 ? 0 : Math.min(perSide(side), Math.ceil(Math.sqrt(count)));
  const rows = cols === 0 ? 0 : Math.ceil(count / cols);
  const width = Math.max(1, cols * side);
  const height = Math.max(1, rows * side);
  const rects: AtlasRect[] = [];
  for (let i = 0; i < count; i++) {
    const x = (i % cols) * side;
    const y = Math.floor(i / cols) * side;
    rects.push({
      x,
      y,
      w: side,
      h: side,
      u0: x / width,
      u1: (x + side) / width,
      v0: 1 - (y + side) / height,
      v1: 1 - y / height,
    });
  }
  return { width, height, cell: side, cols, rows, count, rects };
}

/** The largest w x h rectangle of the image's aspect ratio that fits a cell, centred in it. */
export function fitInCell(
  imageWidth: number,
  imageHeight: number,
  cell: number,
): { x: number; y: number; w: number; h: number } {
  if (!(imageWidth > 0) || !(imageHeight > 0)) return { x: 0, y: 0, w: cell, h: cell };
  const s = cell / Math.max(imageWidth, imageHeight);
  const w = Math.max(1, Math.round(imageWidth * s));
  const h = Math.max(1, Math.round(imageHeight * s));
  return { x: Math.floor((cell - w) / 2), y: Math.floor((cell - h) / 2), w, h };
}
