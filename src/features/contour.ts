/**
 * The outline of a patch mask, for drawing over the photo.
 */

/** A line segment `[x0, y0, x1, y1]` in patch units on grid-line coordinates. */
export type Segment = [number, number, number, number];

/**
 * The boundary between kept (non-zero) and not-kept cells of a `rows x cols` row-major mask,
 * where cells outside the grid count as not kept (so a kept cell on the edge gets a border there).
 *
 * Cell (r, c) spans x in [c, c + 1], y in [r, r + 1]. Collinear unit edges that touch are merged
 * into maximal straight runs: a single cell gives 4 segments, a 2x2 block 4 segments of length 2.
 * (Two cells touching only at a corner give runs that pass through the corner.) Output order:
 * horizontal segments by y then x, then vertical segments by x then y; always x0 <= x1, y0 <= y1.
 */
export function maskContour(mask: Uint8Array, rows: number, cols: number): Segment[] {
  if (mask.length !== rows * cols) {
    throw new Error(`Mask has ${mask.length} cells, expected ${rows} x ${cols}.`);
  }
  const kept = (r: number, c: number) =>
    r >= 0 && r < rows && c >= 0 && c < cols && mask[r * cols + c] !== 0;
  const out: Segment[] = [];

  // Horizontal grid line y = r separates cell rows r - 1 and r.
  for (let y = 0; y <= rows; y++) {
    let start = -1;
    for (let x = 0; x <= cols; x++) {
      const edge = x < cols && kept(y - 1, x) !== kept(y, x);
      if (edge && start < 0) start = x;
      if (!edge && start >= 0) {
        out.push([start, y, x, y]);
        start = -1;
      }
    }
  }
  // Vertical grid line x = c separates cell columns c - 1 and c.
  for (let x = 0; x <= cols; x++) {
    let start = -1;
    for (let y = 0; y <= rows; y++) {
      const edge = y < rows && kept(y, x - 1) !== kept(y, x);
      if (edge && start < 0) start = y;
      if (!edge && start >= 0) {
        out.push([x, start, x, y]);
        start = -1;
      }
    }
  }
  return out;
}
