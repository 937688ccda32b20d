import { describe, expect, it } from 'vitest';
import { fitInCell, packAtlas } from './atlas';

function checkLayout(n: number, cell: number, max: number, minCell?: number) {
  const a = packAtlas(n, cell, max, minCell);
  expect(a.width).toBeLessThanOrEqual(max);
  expect(a.height).toBeLessThanOrEqual(max);
  expect(a.rects).toHaveLength(a.count);
  // Plain checks (one expect at the end): 10,000 rects would make per-value expects slow.
  const bad: string[] = [];
  const seen = new Set<string>();
  for (const [i, r] of a.rects.entries()) {
    const inBounds = r.x >= 0 && r.y >= 0 && r.x + r.w <= a.width && r.y + r.h <= a.height;
    const uv = [r.u0, r.u1, r.v0, r.v1].every((v) => v >= 0 && v <= 1);
    if (!inBounds || !uv || !(r.u1 > r.u0) || !(r.v1 > r.v0)) bad.push(`rect ${i} out of bounds`);
    if (r.w !== a.cell || r.h !== a.cell) bad.push(`rect ${i} is not a cell`);
    // Equal cells on a grid overlap only if they share an origin.
    if (r.x % a.cell !== 0 || r.y % a.cell !== 0) bad.push(`rect ${i} off the grid`);
    seen.add(`${r.x},${r.y}`);
  }
  expect(bad).toEqual([]);
  expect(seen.size).toBe(a.count);
  return a;
}

describe('packAtlas', () => {
  it('packs a few thumbnails at the asked cell size in a near-square grid', () => {
    const a = checkLayout(3, 64, 4096);
    expect(a.cell).toBe(64);
    expect(a.count).toBe(3);
    expect([a.cols, a.rows]).toEqual([2, 2]);
    expect([a.width, a.height]).toEqual([128, 128]);
  });

  it('shrinks cells to fit the largest texture', () => {
    const a = checkLayout(10_000, 64, 4096);
    expect(a.count).toBe(10_000);
    expect(a.cell).toBeLessThan(64);
    expect(Math.floor(4096 / a.cell) ** 2).toBeGreaterThanOrEqual(10_000);
  });

  it('gives only what fits at the smallest cell', () => {
    const a = checkLayout(100, 16, 64, 16);
    expect(a.cell).toBe(16);
    expect(a.count).toBe(16);
  });

  it('handles zero thumbnails', () => {
    expect(checkLayout(0, 64, 4096).count).toBe(0);
  });
});

describe('fitInCell', () => {
  it('keeps the aspect ratio, centred', () => {
    expect(fitInCell(200, 100, 64)).toEqual({ x: 0, y: 16, w: 64, h: 32 });
    expect(fitInCell(100, 200, 64)).toEqual({ x: 16, y: 0, w: 32, h: 64 });
  });
});
