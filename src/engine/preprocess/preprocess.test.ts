import { readFileSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { classifierPlan } from './plan';
import {
  DEFAULT_RESCALE,
  IMAGENET_MEAN,
  IMAGENET_STD,
  preprocess,
  type PreprocessOptions,
} from './preprocess';
import type { PixelSource } from './resize-pil';

const FIXTURES = fileURLToPath(new URL('../../../tests/fixtures/dinov2/', import.meta.url));

function loadPng(name: string): PixelSource {
  const png = decode(readFileSync(FIXTURES + name));
  if (png.depth !== 8 || (png.channels !== 3 && png.channels !== 4)) {
    throw new Error(`${name}: expected 8-bit RGB(A)`);
  }
  return {
    data: png.data as Uint8Array,
    width: png.width,
    height: png.height,
    channels: png.channels,
  };
}

function loadF32(name: string): Float32Array {
  const buf = readFileSync(FIXTURES + name);
  const out = new Float32Array(buf.length / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

function diffStats(a: Float32Array, b: Float32Array): { mean: number; max: number } {
  expect(a.length).toBe(b.length);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.length, max };
}

const OPTS: PreprocessOptions = {
  mode: 'classifier',
  resolution: 224,
  patchSize: 14,
  maxLongSide: 1024,
  mean: IMAGENET_MEAN,
  std: IMAGENET_STD,
  rescale: DEFAULT_RESCALE,
};

/** The same pipeline with a naive bilinear resize (no antialias): must NOT meet the bound. */
function naiveBilinear(img: PixelSource): Float32Array {
  const plan = classifierPlan(img.width, img.height);
  const { width: rw, height: rh } = plan.resize!;
  const { left, top } = plan.crop;
  const out = new Float32Array(3 * 224 * 224);
  const sx = img.width / rw;
  const sy = img.height / rh;
  for (let y = 0; y < 224; y++) {
    const fy = Math.min(Math.max((y + top + 0.5) * sy - 0.5, 0), img.height - 1);
    const y1 = Math.floor(fy);
    const y2 = Math.min(y1 + 1, img.height - 1);
    const wy = fy - y1;
    for (let x = 0; x < 224; x++) {
      const fx = Math.min(Math.max((x + left + 0.5) * sx - 0.5, 0), img.width - 1);
      const x1 = Math.floor(fx);
      const x2 = Math.min(x1 + 1, img.width - 1);
      const wx = fx - x1;
      for (let c = 0; c < 3; c++) {
        const px = (xx: number, yy: number) => img.data[(yy * img.width + xx) * img.channels + c];
        const v =
          (px(x1, y1) * (1 - wx) + px(x2, y1) * wx) * (1 - wy) +
          (px(x1, y2) * (1 - wx) + px(x2, y2) * wx) * wy;
        out[c * 224 * 224 + y * 224 + x] =
          (Math.round(v) * DEFAULT_RESCALE - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
      }
    }
  }
  return out;
}

const PHOTOS = ['astronaut', 'chelsea', 'coffee'];
const REPORT = process.env.PREPROCESS_REPORT === '1';

describe('preprocess (classifier) matches the DINOv2 processor fixtures', () => {
  for (const name of PHOTOS) {
    it(name, () => {
      const img = loadPng(`${name}.png`);
      const expected = loadF32(`${name}.pixel_values.f32`);

      // Default flavour = BitImageProcessorFast, which made the fixtures: bit-exact.
      const fast = preprocess(img, OPTS);
      expect([fast.height, fast.width, fast.resized]).toEqual([224, 224, true]);
      const dFast = diffStats(fast.data, expected);
      expect(dFast.max).toBe(0);

      // Plain Pillow (the slow BitImageProcessor): off by one grey level here and there.
      const slow = preprocess(img, { ...OPTS, flavour: 'pillow' });
      const dSlow = diffStats(slow.data, expected);
      expect(dSlow.mean).toBeLessThanOrEqual(0.005);
      expect(dSlow.max).toBeLessThanOrEqual(0.05);

      // The bound is tight enough to catch a wrong resampler.
      const dNaive = diffStats(naiveBilinear(img), expected);
      expect(dNaive.mean > 0.005 || dNaive.max > 0.05).toBe(true);

      if (REPORT) console.log(name, { torchvision: dFast, pillow: dSlow, naive: dNaive });
    });
  }
});

describe('preprocess (dense)', () => {
  const dense: PreprocessOptions = { ...OPTS, mode: 'dense', resolution: 224, maxLongSide: 448 };

  it('keeps the aspect ratio with patch-aligned sides, CHW', () => {
    const img = loadPng('coffee.png'); // 600x400
    const out = preprocess(img, dense);
    expect([out.width, out.height, out.resized]).toEqual([336, 224, true]);
    expect(out.data.length).toBe(3 * 336 * 224);
  });

  it('does not resample an already aligned picture, and ignores alpha', () => {
    const w = 28;
    const h = 14;
    const rgba = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set([i % 256, 7, 200, i % 3], i * 4);
    const out = preprocess(
      { data: rgba, width: w, height: h, channels: 4 },
      { ...dense, resolution: 14 },
    );
    expect([out.width, out.height, out.resized]).toEqual([28, 14, false]);
    const f = Math.fround;
    const norm = (v: number, c: number) =>
      f(f(v - f(f(IMAGENET_MEAN[c]) * 255)) / f(f(IMAGENET_STD[c]) * 255));
    expect(out.data[5]).toBe(norm(5, 0));
    expect(out.data[w * h + 5]).toBe(norm(7, 1));
    expect(out.data[2 * w * h + 5]).toBe(norm(200, 2));
  });
});

describe('preprocess of BGRA pixels (a VideoFrame copied in its own layout)', () => {
  /** The photo as four bytes a pixel, blue first, and a fourth byte that is not alpha. */
  function asBgrx(src: PixelSource): PixelSource {
    const n = src.width * src.height;
    const data = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) data[i * 4 + 2 - c] = src.data[i * src.channels + c];
      data[i * 4 + 3] = i % 251; // padding: never read as a colour
    }
    return { data, width: src.width, height: src.height, channels: 4, order: 'bgr' };
  }

  it.each([
    ['classifier, resampled', { ...OPTS }],
    ['dense, resampled', { ...OPTS, mode: 'dense' as const, resolution: 224, maxLongSide: 448 }],
    // The 451 x 300 photo's short side is already 300: a 28 px crop straight from its pixels.
    ['classifier, no resample', { ...OPTS, resolution: 28, shortestEdge: 300 }],
  ])('gives the same model input as RGB: %s', (_name, opts) => {
    const rgb = loadPng('chelsea.png');
    const want = preprocess(rgb, opts);
    const got = preprocess(asBgrx(rgb), opts);
    expect([got.width, got.height, got.resized]).toEqual([want.width, want.height, want.resized]);
    expect(want.resized).toBe(!_name.includes('no resample'));
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
  });
});
