import { describe, expect, it } from 'vitest';
import {
  float16BitsToFloat32,
  float32ToFloat16Bits,
  fromFloat16Bits,
  toFloat16Bits,
} from './float16';

describe('float32 -> float16 bits', () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [0, 0x0000],
    [-0, 0x8000],
    [65504, 0x7bff], // largest half
    [65519, 0x7bff], // below the halfway point to 65536
    [65520, 0x7c00], // halfway: ties to even = inf
    [1e6, 0x7c00], // overflow -> inf
    [-1e6, 0xfc00],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -14, 0x0400], // smallest normal
    [6.1e-5, 0x03ff], // just below it: largest subnormal is nearer
    [5.96e-8, 0x0001], // smallest subnormal, 2^-24 = 5.96046e-8
    [2 ** -25, 0x0000], // halfway to the smallest subnormal: ties to even = 0
    [2 ** -25 * 1.0001, 0x0001],
    [3 * 2 ** -25, 0x0002], // halfway between 1 and 2 ulps: even = 2
    [1e-10, 0x0000],
    [0.1, 0x2e66], // 0.0999755859375
    [1 + 2 ** -11, 0x3c00], // halfway between 1 and the next half: even = 1
    [1 + 3 * 2 ** -11, 0x3c02], // halfway, odd below: rounds up
    [0.333333, 0x3555],
  ])('%d -> %i', (x, bits) => {
    expect(toFloat16Bits(x)).toBe(bits);
    expect(float32ToFloat16Bits(new Float32Array([x]))[0]).toBe(bits);
  });

  it('turns NaN into a half NaN', () => {
    const h = toFloat16Bits(NaN);
    expect(h & 0x7c00).toBe(0x7c00);
    expect(h & 0x3ff).not.toBe(0);
    expect(Number.isNaN(fromFloat16Bits(h))).toBe(true);
  });
});

describe('float16 bits -> float32', () => {
  it('decodes known values', () => {
    const bits = new Uint16Array([
      0x3c00, 0xc000, 0x7bff, 0x0400, 0x0001, 0x7c00, 0xfc00, 0x8000, 0x2e66,
    ]);
    expect(Array.from(float16BitsToFloat32(bits))).toEqual([
      1,
      -2,
      65504,
      2 ** -14,
      2 ** -24,
      Infinity,
      -Infinity,
      -0,
      0.0999755859375,
    ]);
    expect(Number.isNaN(float16BitsToFloat32(new Uint16Array([0x7e00]))[0])).toBe(true);
  });

  it('round-trips all 65536 bit patterns exactly (NaN payloads included)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const f = float16BitsToFloat32(all);
    const back = float32ToFloat16Bits(f);
    let mismatches = 0;
    let nans = 0;
    for (let i = 0; i < 65536; i++) {
      if (back[i] !== i) mismatches++;
      const isNan = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (isNan !== Number.isNaN(f[i])) mismatches++;
      if (isNan) nans++;
    }
    expect(mismatches).toBe(0);
    expect(nans).toBe(2046);
  });

  it('rounds every float between two halves to the nearer one', () => {
    // Midpoints between consecutive positive finite halves, nudged either side.
    let wrong = 0;
    for (let h = 0; h < 0x7bff; h++) {
      const lo = fromFloat16Bits(h);
      const hi = fromFloat16Bits(h + 1);
      const mid = (lo + hi) / 2; // exact in float32 for halves
      const below = Math.fround(mid - (hi - lo) / 1024);
      const above = Math.fround(mid + (hi - lo) / 1024);
      if (toFloat16Bits(below) !== h || toFloat16Bits(above) !== h + 1) wrong++;
      if (toFloat16Bits(mid) !== (h & 1 ? h + 1 : h)) wrong++;
    }
    expect(wrong).toBe(0);
  });
});
