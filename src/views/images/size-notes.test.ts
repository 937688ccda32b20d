import { describe, expect, it } from 'vitest';
import { classifierKept, sizeNotes } from './size-notes';

describe('size notes', () => {
  it("gives the share the classifier's centre crop keeps", () => {
    expect(classifierKept(512, 512)).toBeCloseTo((224 / 256) ** 2, 6);
    // 2000 x 300: scaled to 1707 x 256, of which 224 x 224 is kept.
    expect(classifierKept(2000, 300)).toBeCloseTo((224 / 1706.67) * (224 / 256), 4);
    // Whatever the shape, never more than the square's share, and always a share.
    for (const [w, h] of [
      [10, 10],
      [300, 2000],
      [4000, 3000],
      [224, 224],
    ]) {
      const k = classifierKept(w, h);
      expect(k).toBeGreaterThan(0);
      expect(k).toBeLessThanOrEqual((224 / 256) ** 2 + 1e-12);
    }
  });

  it('says what a panorama loses to the crop, and when a small picture is enlarged', () => {
    expect(sizeNotes('classifier', 2000, 300, 224)).toEqual([
      'the centre crop keeps 11% of the picture',
    ]);
    expect(sizeNotes('classifier', 512, 512, 224)).toEqual([]);
    // A thin strip keeps 0.4%: not "0%".
    expect(sizeNotes('classifier', 20, 5000, 224)[0]).toBe(
      'the centre crop keeps less than 1% of the picture',
    );
    expect(sizeNotes('classifier', 20, 20, 224)).toEqual(["enlarged 12.8× to the model's size"]);
    expect(sizeNotes('dense', 20, 20, 224)).toEqual(["enlarged 11.2× to the model's size"]);
    expect(sizeNotes('dense', 512, 384, 294)).toEqual([]);
  });
});
