import { describe, expect, it } from 'vitest';
import { movePatch } from './patch-keys';

describe('movePatch', () => {
  const rows = 3;
  const cols = 4;
  it('moves one patch per arrow and stops at the edges', () => {
    expect(movePatch(5, 'ArrowRight', rows, cols)).toBe(6);
    expect(movePatch(5, 'ArrowLeft', rows, cols)).toBe(4);
    expect(movePatch(5, 'ArrowUp', rows, cols)).toBe(1);
    expect(movePatch(5, 'ArrowDown', rows, cols)).toBe(9);
    expect(movePatch(4, 'ArrowLeft', rows, cols)).toBe(4); // no wrap to the row above
    expect(movePatch(7, 'ArrowRight', rows, cols)).toBe(7);
    expect(movePatch(1, 'ArrowUp', rows, cols)).toBe(1);
    expect(movePatch(10, 'ArrowDown', rows, cols)).toBe(10);
  });
  it('jumps to the row ends and the first and last rows', () => {
    expect(movePatch(5, 'Home', rows, cols)).toBe(4);
    expect(movePatch(5, 'End', rows, cols)).toBe(7);
    expect(movePatch(5, 'PageUp', rows, cols)).toBe(1);
    expect(movePatch(5, 'PageDown', rows, cols)).toBe(9);
  });
  it('stays on the grid from every patch, for every key', () => {
    for (let p = 0; p < rows * cols; p++)
      for (const k of ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End'])
        expect(movePatch(p, k, rows, cols)).toBeGreaterThanOrEqual(0);
    expect(movePatch(5, 'a', rows, cols)).toBeNull();
  });
});
