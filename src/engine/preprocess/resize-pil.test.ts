import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { precomputeCoeffs, resizeBicubicPil, type PixelSource } from './resize-pil';
import { simdResampleAvailable } from './resample-simd';

/** Deterministic pseudo-random RGBA/RGB picture (xorshift). */
function noise(width: number, height: number, channels: 3 | 4, seed = 1): PixelSource {
  const data = new Uint8ClampedArray(width * height * channels);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = s & 255;
  }
  return { data, width, height, channels };
}

function constant(width: number, height: number, rgb: [number, number, number]): PixelSource {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { data, width, height, channels: 3 };
}

function toRgb(src: PixelSource): Uint8Array {
  const out = new Uint8Array(src.width * src.height * 3);
  for (let i = 0; i < src.width * src.height; i++) {
    for (let c = 0; c < 3; c++) out[i * 3 + c] = src.data[i * src.channels + c];
  }
  return out;
}

const FLAVOURS = ['pillow', 'torchvision'] as const;

describe.each(FLAVOURS)('resizeBicubicPil (%s)', (flavour) => {
  it('returns the same pixels at the same size (RGBA in, RGB out)', () => {
    const src = noise(37, 23, 4);
    const out = resizeBicubicPil(src, 37, 23, { flavour });
    expect([out.width, out.height]).toEqual([37, 23]);
    expect(out.data).toEqual(toRgb(src));
  });

  it('keeps a constant picture constant (down, up, and mixed)', () => {
    const src = constant(50, 31, [0, 128, 255]);
    for (const [w, h] of [
      [17, 9],
      [123, 77],
      [80, 12],
      [1, 1],
    ]) {
      const out = resizeBicubicPil(src, w, h, { flavour });
      expect(Buffer.from(out.data).equals(Buffer.from(constant(w, h, [0, 128, 255]).data))).toBe(
        true,
      );
    }
  });

  it('upscales a ramp: monotonic, and linear away from the edges', () => {
    const w = 16;
    const data = new Uint8Array(w * 3);
    for (let x = 0; x < w; x++) data.fill(x * 16, x * 3, x * 3 + 3);
    const out = resizeBicubicPil({ data, width: w, height: 1, channels: 3 }, 64, 3, { flavour });
    expect([out.width, out.height]).toEqual([64, 3]);
    const row = Array.from({ length: 64 }, (_, x) => out.data[x * 3]);
    for (let x = 1; x < 64; x++) expect(row[x]).toBeGreaterThanOrEqual(row[x - 1]);
    // Keys' cubic reproduces linear functions where no tap is cut off by the border.
    for (let x = 8; x < 56; x++) {
      expect(Math.abs(row[x] - 16 * ((x + 0.5) / 4 - 0.5))).toBeLessThanOrEqual(0.5);
    }
    // All rows equal: the source has one row.
    expect(out.data.subarray(0, 64 * 3)).toEqual(out.data.subarray(128 * 3));
  });

  it('handles 1xN and Nx1 pictures', () => {
    const tall = noise(1, 40, 3, 7);
    const a = resizeBicubicPil(tall, 1, 13, { flavour });
    expect([a.width, a.height, a.data.length]).toEqual([1, 13, 39]);
    const b = resizeBicubicPil(tall, 5, 80, { flavour });
    expect([b.width, b.height]).toEqual([5, 80]);
    // Width 1 -> 5 repeats the single column.
    let mismatches = 0;
    for (let y = 0; y < 80; y++) {
      for (let i = 3; i < 15; i++)
        if (b.data[y * 15 + i] !== b.data[y * 15 + (i % 3)]) mismatches++;
    }
    expect(mismatches).toBe(0);
    const wide = noise(40, 1, 4, 9);
    const c = resizeBicubicPil(wide, 9, 1, { flavour });
    expect([c.width, c.height, c.data.length]).toEqual([9, 1, 27]);
  });

  it('keeps grey pictures grey (R = G = B)', () => {
    const src = noise(61, 47, 3, 3);
    for (let i = 0; i < 61 * 47; i++) src.data.fill(src.data[i * 3], i * 3 + 1, i * 3 + 3);
    for (const [w, h] of [
      [20, 15],
      [200, 100],
    ]) {
      const out = resizeBicubicPil(src, w, h, { flavour }).data;
      let colourful = 0;
      for (let i = 0; i < out.length; i += 3) {
        if (out[i + 1] !== out[i] || out[i + 2] !== out[i]) colourful++;
      }
      expect(colourful).toBe(0);
    }
  });

  it('a window equals resize-then-crop', () => {
    const src = noise(300, 211, 4, 5);
    const full = resizeBicubicPil(src, 137, 96, { flavour });
    const win = resizeBicubicPil(src, 137, 96, {
      flavour,
      window: { left: 20, top: 11, width: 64, height: 70 },
    });
    for (let y = 0; y < 70; y++) {
      const a = full.data.subarray(((y + 11) * 137 + 20) * 3, ((y + 11) * 137 + 84) * 3);
      expect(win.data.subarray(y * 64 * 3, (y + 1) * 64 * 3)).toEqual(a);
    }
  });

  it('equals a plain per-pixel, per-channel resample (odd and even rows and columns)', () => {
    // The fast passes work on packed pixels, two rows or columns at a time; this is the textbook
    // loop over the same weights, with Pillow's rounding and clipping after each pass.
    const plain = (src: PixelSource, ow: number, oh: number): Uint8Array => {
      const h = precomputeCoeffs(src.width, ow, flavour);
      const v = precomputeCoeffs(src.height, oh, flavour);
      const clip = (s: number, bits: number) => Math.min(255, Math.max(0, s >> bits));
      const rgb = toRgb(src);
      const mid = new Uint8Array(ow * src.height * 3);
      for (let y = 0; y < src.height; y++)
        for (let x = 0; x < ow; x++)
          for (let c = 0; c < 3; c++) {
            let s = 1 << (h.precision - 1);
            for (let t = 0; t < h.bounds[2 * x + 1]; t++)
              s += rgb[(y * src.width + h.bounds[2 * x] + t) * 3 + c] * h.coeffs[x * h.ksize + t];
            mid[(y * ow + x) * 3 + c] = clip(s, h.precision);
          }
      const out = new Uint8Array(ow * oh * 3);
      for (let y = 0; y < oh; y++)
        for (let x = 0; x < ow; x++)
          for (let c = 0; c < 3; c++) {
            let s = 1 << (v.precision - 1);
            for (let t = 0; t < v.bounds[2 * y + 1]; t++)
              s += mid[((v.bounds[2 * y] + t) * ow + x) * 3 + c] * v.coeffs[y * v.ksize + t];
            out[(y * ow + x) * 3 + c] = clip(s, v.precision);
          }
      return out;
    };
    for (const [channels, w, h, ow, oh] of [
      [4, 301, 211, 137, 96],
      [4, 200, 120, 90, 71],
      [3, 64, 41, 37, 17],
    ] as const) {
      const src = noise(w, h, channels, 13);
      const fast = resizeBicubicPil(src, ow, oh, { flavour });
      expect(Buffer.from(fast.data).equals(Buffer.from(plain(src, ow, oh)))).toBe(true);
    }
  });

  it('is its horizontal pass followed by its vertical pass, each to bytes', () => {
    // Pillow rounds to bytes between the passes; resizing one side, then the other, must give
    // exactly the two-pass result (this ties the one-pass paths to the checked two-pass one).
    for (const [channels, w, h, ow, oh] of [
      [4, 300, 211, 137, 96],
      [3, 64, 40, 150, 17],
    ] as const) {
      const src = noise(w, h, channels, 9);
      const both = resizeBicubicPil(src, ow, oh, { flavour });
      const across = resizeBicubicPil(src, ow, h, { flavour });
      const down = resizeBicubicPil({ ...across, channels: 3 }, ow, oh, { flavour });
      expect(Buffer.from(down.data).equals(Buffer.from(both.data))).toBe(true);
    }
  });
});

describe('the WebAssembly SIMD passes', () => {
  it('run here (so the tests above exercised them on RGBA input)', () => {
    expect(simdResampleAvailable()).toBe(true);
  });

  it.each(FLAVOURS)(
    "give the JavaScript passes' bytes on random shapes and windows (%s)",
    (flavour) => {
      let seed = 41;
      const rand = (n: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed % n;
      };
      for (let trial = 0; trial < 60; trial++) {
        const w = 1 + rand(300);
        const h = 1 + rand(200);
        const ow = 1 + rand(260);
        const oh = 1 + rand(260);
        if (ow === w || oh === h) continue; // one pass only: always JavaScript
        const left = rand(ow);
        const top = rand(oh);
        const window = { left, top, width: 1 + rand(ow - left), height: 1 + rand(oh - top) };
        const src = noise(w, h, 4, trial + 1);
        const simd = resizeBicubicPil(src, ow, oh, { flavour, window });
        const js = resizeBicubicPil(src, ow, oh, { flavour, window, simd: false });
        expect([simd.width, simd.height]).toEqual([js.width, js.height]);
        expect(Buffer.from(simd.data).equals(Buffer.from(js.data))).toBe(true);
      }
    },
  );
});

describe('precomputeCoeffs', () => {
  it('mirrors Pillow for a 2x downscale: 8 taps, sums to 1 << 22', () => {
    const { ksize, bounds, coeffs, precision } = precomputeCoeffs(512, 256);
    expect([ksize, precision]).toEqual([9, 22]);
    // Interior sample: taps start at int(center - 4 + 0.5) with center = (x + 0.5) * 2.
    expect([bounds[200], bounds[201]]).toEqual([197, 8]);
    for (let x = 0; x < 256; x++) {
      let sum = 0;
      for (let k = 0; k < ksize; k++) sum += coeffs[x * ksize + k];
      expect(Math.abs(sum - (1 << 22))).toBeLessThanOrEqual(4);
    }
  });

  it('torchvision picks int16-sized weights', () => {
    const { coeffs, precision } = precomputeCoeffs(451, 384, 'torchvision');
    expect(precision).toBeLessThan(22);
    for (const c of coeffs) expect(Math.abs(c)).toBeLessThan(1 << 15);
  });
});

describe('large inputs', () => {
  // Speed is measured by `npm run bench`, never asserted here.
  it('downsizes a 4000x3000 RGBA photo', () => {
    const src = noise(4000, 3000, 4, 11);
    const out = resizeBicubicPil(src, 299, 224);
    expect(out.data.length).toBe(299 * 224 * 3);
  });
});
