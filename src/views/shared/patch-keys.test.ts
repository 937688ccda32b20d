import { describe, expect, it } from 'vitest';
import { cursorWords, movePatch } from './patch-keys';

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

describe('cursorWords', () => {
  it('names the patch 1-based, and the grid', () => {
    expect(cursorWords(0, null, 16, 24)).toBe('Row 1, column 1 of 16 by 24 patches');
    expect(cursorWords(16 * 24 - 1, null, 16, 24)).toBe('Row 16, column 24 of 16 by 24 patches');
    expect(cursorWords(25, 25, 16, 24)).toBe('Row 2, column 2 of 16 by 24 patches');
  });
  it('names a box whichever corner the cursor is on', () => {
    // From row 1 column 2 to row 3 column 4 of a 4-column grid: 3 x 3 patches.
    const a = cursorWords(11, 1, 3, 4);
    const b = cursorWords(1, 11, 3, 4);
    expect(a).toBe('Box of 9 patches: rows 1 to 3, columns 2 to 4');
    expect(b).toBe(a);
  });
});
