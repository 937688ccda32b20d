import { describe, expect, it } from 'vitest';
import { maskContour, type Segment } from './contour';

const sortSegs = (s: Segment[]) => [...s].map((x) => x.join(',')).sort();

/** Unit boundary edges computed cell by cell, as "x0,y0,x1,y1". */
function unitEdges(mask: Uint8Array, rows: number, cols: number): string[] {
  const kept = (r: number, c: number) =>
    r >= 0 && r < rows && c >= 0 && c < cols && mask[r * cols + c] !== 0;
  const edges = new Set<string>();
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (!kept(r, c)) continue;
      if (!kept(r - 1, c)) edges.add(`${c},${r},${c + 1},${r}`);
      if (!kept(r + 1, c)) edges.add(`${c},${r + 1},${c + 1},${r + 1}`);
      if (!kept(r, c - 1)) edges.add(`${c},${r},${c},${r + 1}`);
      if (!kept(r, c + 1)) edges.add(`${c + 1},${r},${c + 1},${r + 1}`);
    }
  }
  return [...edges].sort();
}

/** Split merged segments back into unit edges. */
function split(segs: Segment[]): string[] {
  const out: string[] = [];
  for (const [x0, y0, x1, y1] of segs) {
    if (y0 === y1) for (let x = x0; x < x1; x++) out.push(`${x},${y0},${x + 1},${y0}`);
    else for (let y = y0; y < y1; y++) out.push(`${x0},${y},${x0},${y + 1}`);
  }
  return out.sort();
}

describe('maskContour', () => {
  it('outlines a single cell with 4 segments', () => {
    const mask = new Uint8Array(9);
    mask[4] = 1;
    expect(sortSegs(maskContour(mask, 3, 3))).toEqual(
      sortSegs([
        [1, 1, 2, 1],
        [1, 2, 2, 2],
        [1, 1, 1, 2],
        [2, 1, 2, 2],
      ]),
    );
  });

  it('draws the grid border for kept cells on the edge', () => {
    expect(maskContour(Uint8Array.of(1), 1, 1)).toEqual([
      [0, 0, 1, 0],
      [0, 1, 1, 1],
      [0, 0, 0, 1],
      [1, 0, 1, 1],
    ]);
    // A full 2x3 grid is its border, merged.
    expect(maskContour(new Uint8Array(6).fill(1), 2, 3)).toEqual([
      [0, 0, 3, 0],
      [0, 2, 3, 2],
      [0, 0, 0, 2],
      [3, 0, 3, 2],
    ]);
  });

  it('merges a 2x2 block into 4 segments of length 2', () => {
    const mask = new Uint8Array(16);
    for (const i of [5, 6, 9, 10]) mask[i] = 1;
    const segs = maskContour(mask, 4, 4);
    expect(segs).toEqual([
      [1, 1, 3, 1],
      [1, 3, 3, 3],
      [1, 1, 1, 3],
      [3, 1, 3, 3],
    ]);
    expect(split(segs)).toHaveLength(8);
  });

  it('gives nothing for an empty mask', () => {
    expect(maskContour(new Uint8Array(12), 3, 4)).toEqual([]);
    expect(maskContour(new Uint8Array(0), 0, 0)).toEqual([]);
  });

  it('covers exactly the boundary edges of random masks', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let trial = 0; trial < 100; trial++) {
      const rows = 1 + Math.floor(rand() * 8);
      const cols = 1 + Math.floor(rand() * 8);
      const mask = Uint8Array.from({ length: rows * cols }, () => (rand() < 0.5 ? 1 : 0));
      const segs = maskContour(mask, rows, cols);
      const units = split(segs);
      expect(units).toEqual(unitEdges(mask, rows, cols));
      for (const [x0, y0, x1, y1] of segs) {
        expect(x0 === x1 || y0 === y1).toBe(true);
        expect(x0 <= x1 && y0 <= y1).toBe(true);
      }
    }
  });

  it('refuses a mask of the wrong size', () => {
    expect(() => maskContour(new Uint8Array(5), 2, 3)).toThrow(/expected 2 x 3/);
  });
});
