import { describe, expect, it } from 'vitest';
import { classifierPlan, densePlan } from './plan';

describe('classifierPlan (shortest edge 256, crop 224)', () => {
  it.each([
    // w, h, resize w, resize h, crop left, crop top
    [512, 512, 256, 256, 16, 16],
    [451, 300, 384, 256, 80, 16], // int(256 * 451 / 300) = int(384.85) = 384 (truncated)
    [600, 400, 384, 256, 80, 16],
    [300, 451, 256, 384, 16, 80],
    [1000, 257, 996, 256, 386, 16], // int(996.1)
    [10, 20, 256, 512, 16, 144], // upscaling
    [255, 256, 256, 257, 16, 16], // top = (257 - 224) // 2
  ])('%ix%i -> resize %ix%i, crop at (%i, %i)', (w, h, rw, rh, left, top) => {
    const plan = classifierPlan(w, h);
    expect(plan.resize).toEqual({ width: rw, height: rh });
    expect(plan.crop).toEqual({ left, top, width: 224, height: 224 });
  });

  it('skips the resample when the picture already has the resize size', () => {
    expect(classifierPlan(256, 300)).toEqual({
      resize: null,
      crop: { left: 16, top: 38, width: 224, height: 224 },
    });
  });

  it('takes other sizes and rejects a crop larger than the resize', () => {
    expect(classifierPlan(1000, 500, { shortestEdge: 592, crop: 518 }).resize).toEqual({
      width: 1184,
      height: 592,
    });
    expect(() => classifierPlan(100, 100, { shortestEdge: 200, crop: 224 })).toThrow(RangeError);
    expect(() => classifierPlan(0, 100)).toThrow(RangeError);
  });
});

describe('densePlan', () => {
  it.each([
    // w, h, resolution, maxLongSide, expected w, expected h, resampled
    [600, 400, 224, 1024, 336, 224, true],
    [400, 600, 224, 1024, 224, 336, true],
    [640, 480, 518, 1036, 686, 518, true], // 690.7 -> 49 patches
    [1000, 333, 224, 2000, 672, 224, true], // 672.7 -> 48 patches
    [224, 224, 224, 1024, 224, 224, false],
    [308, 224, 224, 1024, 308, 224, false], // already aligned
    [224, 308, 224, 1024, 224, 308, false],
    [10, 10, 224, 1024, 224, 224, true], // tiny: scaled up to the resolution
    [10, 10, 5, 1024, 14, 14, true], // never under one patch
    [8000, 1000, 224, 896, 896, 112, true], // panorama: capped, short side shrinks alike
    [8000, 1000, 224, 900, 896, 112, true], // cap rounded down to a patch multiple
    [8000, 1000, 448, 1792, 1792, 224, true],
    [1000, 8000, 448, 1792, 224, 1792, true],
    [1, 1000, 224, 1000, 14, 994, true], // extreme strip: one patch wide
    [518, 518, 518, 448, 448, 448, true], // cap below the resolution
  ])('%ix%i at %i (cap %i) -> %ix%i', (w, h, resolution, maxLongSide, ew, eh, resampled) => {
    const plan = densePlan(w, h, { resolution, patchSize: 14, maxLongSide });
    expect([plan.width, plan.height]).toEqual([ew, eh]);
    expect(plan.resize).toEqual(resampled ? { width: ew, height: eh } : null);
  });

  it('always gives patch multiples within the cap, keeping orientation', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return 1 + (seed % n);
    };
    for (let i = 0; i < 2000; i++) {
      const w = rand(6000);
      const h = rand(6000);
      const resolution = [224, 448, 518][i % 3];
      const maxLongSide = rand(3000) + 13;
      const p = densePlan(w, h, { resolution, patchSize: 14, maxLongSide });
      expect(p.width % 14).toBe(0);
      expect(p.height % 14).toBe(0);
      expect(Math.min(p.width, p.height)).toBeGreaterThanOrEqual(14);
      expect(Math.max(p.width, p.height)).toBeLessThanOrEqual(Math.max(14, maxLongSide));
      if (w > h) expect(p.width).toBeGreaterThanOrEqual(p.height);
      if (w < h) expect(p.width).toBeLessThanOrEqual(p.height);
    }
  });
});
