import { describe, expect, it } from 'vitest';
import { applyColormap, colormapLut, COLORMAPS } from './colormap';

const rgb = (lut: Uint8Array, i: number) => Array.from(lut.subarray(i * 3, i * 3 + 3));

/** Relative luminance of an sRGB colour (linearised). */
function luminance(r: number, g: number, b: number): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function expectNear(actual: number[], expected: number[], tol: number): void {
  actual.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(tol));
}

describe('colormapLut', () => {
  it('has the matplotlib endpoints', () => {
    const v = colormapLut('viridis');
    const f = colormapLut('inferno');
    expect(v.length).toBe(768);
    expect(rgb(v, 0)).toEqual([68, 1, 84]);
    expect(rgb(v, 255)).toEqual([253, 231, 37]);
    expect(rgb(f, 0)).toEqual([0, 0, 4]);
    expect(rgb(f, 255)).toEqual([252, 255, 164]);
  });

  it('is within a unit of matplotlib between anchors', () => {
    // matplotlib _cm_listed.py entries * 255, rounded.
    const v = colormapLut('viridis');
    const f = colormapLut('inferno');
    expectNear(rgb(v, 128), [33, 145, 140], 1);
    expectNear(rgb(v, 242), [221, 227, 24], 1);
    expectNear(rgb(v, 64), [59, 82, 139], 1);
    expectNear(rgb(f, 128), [188, 55, 84], 1);
    expectNear(rgb(f, 242), [241, 237, 113], 1); // 0.946392, 0.930761, 0.442367
    expectNear(rgb(f, 254), [250, 253, 161], 1); // 0.982257, 0.994109, 0.631017
  });

  it('has monotone luminance', () => {
    // 8-bit rounding makes matplotlib's own viridis dip by < 0.001 between neighbours (at 95
    // and 146), so neighbours may dip by that much; over 8 entries luminance strictly rises.
    for (const name of COLORMAPS) {
      const lut = colormapLut(name);
      const lum = Array.from({ length: 256 }, (_, i) =>
        luminance(lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2]),
      );
      for (let i = 1; i < 256; i++) {
        expect(lum[i], `${name} at ${i}`).toBeGreaterThan(lum[i - 1] - 1e-3);
      }
      for (let i = 8; i < 256; i++) {
        expect(lum[i], `${name} at ${i}`).toBeGreaterThan(lum[i - 8]);
      }
      expect(lum[255] - lum[0]).toBeGreaterThan(0.5);
    }
  });

  it('is the identity for grey and returns copies', () => {
    const g = colormapLut('grey');
    for (let i = 0; i < 256; i++) expect(rgb(g, i)).toEqual([i, i, i]);
    g[0] = 99;
    expect(colormapLut('grey')[0]).toBe(0);
  });
});

describe('applyColormap', () => {
  it('maps values through the table into RGBA, clamping out-of-range values', () => {
    const out = applyColormap(Float32Array.from([0, 1, 0.5, -2, 7]), 'viridis');
    expect(Array.from(out.subarray(0, 4))).toEqual([68, 1, 84, 255]);
    expect(Array.from(out.subarray(4, 8))).toEqual([253, 231, 37, 255]);
    const mid = rgb(colormapLut('viridis'), 128);
    expect(Array.from(out.subarray(8, 11))).toEqual(mid);
    expect(Array.from(out.subarray(12, 16))).toEqual([68, 1, 84, 255]);
    expect(Array.from(out.subarray(16, 20))).toEqual([253, 231, 37, 255]);
  });

  it('writes into a given buffer, NaN as transparent', () => {
    const buf = new Uint8ClampedArray(8).fill(7);
    const out = applyColormap(Float32Array.from([NaN, 0.2]), 'grey', buf);
    expect(out).toBe(buf);
    expect(Array.from(buf)).toEqual([0, 0, 0, 0, 51, 51, 51, 255]);
    expect(() => applyColormap(Float32Array.from([0.1]), 'grey', buf)).toThrow(/expected 4/);
  });
});
