import { describe, expect, it } from 'vitest';
import { patchTokens, tokenLayout } from './tokens';

describe('tokenLayout', () => {
  it.each([
    // tokens, rows, cols, registers from graph, expected registers
    [257, 16, 16, 0, 0],
    [261, 16, 16, 4, 4],
    [261, 16, 16, null, 4],
    [353, 16, 22, null, 0],
    [357, 16, 22, 4, 4],
  ])('T=%i on %ix%i (graph says %s) has %i registers', (t, r, c, g, expected) => {
    const l = tokenLayout(t, r, c, g);
    expect(l.registers).toBe(expected);
    expect(l.patchStart).toBe(1 + expected);
  });

  it('refuses counts that do not fit the grid', () => {
    expect(() => tokenLayout(200, 16, 16, null)).toThrow(/do not fit/);
    expect(() => tokenLayout(261, 16, 16, 0)).toThrow(/register/);
  });

  it('slices the patch tokens after CLS and registers', () => {
    const dim = 2;
    const data = Float32Array.from({ length: (1 + 4 + 6) * dim }, (_, i) => i);
    const p = patchTokens(data, tokenLayout(11, 2, 3, 4), dim);
    expect(p.length).toBe(12);
    expect(p[0]).toBe(10);
  });
});
