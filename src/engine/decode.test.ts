import { describe, expect, it } from 'vitest';
import { compositeAndInspect, isGrey, unsupportedFormat } from './decode';

/** RGBA pixels at a chosen byte offset into their buffer (an odd offset takes the byte loop). */
function pixels(values: number[][], offset = 0): Uint8ClampedArray {
  const buf = new Uint8ClampedArray(offset + values.length * 4);
  const px = buf.subarray(offset);
  values.forEach((v, i) => px.set(v, i * 4));
  return px;
}

describe('compositeAndInspect', () => {
  for (const offset of [0, 1]) {
    describe(`pixels at byte offset ${offset}`, () => {
      it('reports an opaque colour image and leaves it alone', () => {
        const px = pixels(
          [
            [10, 10, 10, 255],
            [1, 2, 3, 255],
          ],
          offset,
        );
        const before = Array.from(px);
        expect(compositeAndInspect(px, 255)).toEqual({ hadAlpha: false, grayscale: false });
        expect(Array.from(px)).toEqual(before);
      });

      it('reports an opaque grey image', () => {
        const px = pixels(
          [
            [0, 0, 0, 255],
            [200, 200, 200, 255],
          ],
          offset,
        );
        expect(compositeAndInspect(px, 0)).toEqual({ hadAlpha: false, grayscale: true });
      });

      it('composites transparency on the background, wherever the first one is', () => {
        const px = pixels(
          [
            [9, 9, 9, 255],
            [100, 50, 0, 0],
            [200, 100, 0, 51],
          ],
          offset,
        );
        expect(compositeAndInspect(px, 255)).toEqual({ hadAlpha: true, grayscale: false });
        // Fully transparent: the background; 20% alpha: 0.2 * colour + 0.8 * 255, clamped to bytes.
        expect(Array.from(px.subarray(4))).toEqual([255, 255, 255, 255, 244, 224, 204, 255]);
      });

      it('calls a grey image with a transparent colour pixel grey once composited', () => {
        const px = pixels(
          [
            [7, 7, 7, 255],
            [1, 2, 3, 0],
          ],
          offset,
        );
        expect(compositeAndInspect(px, 0)).toEqual({ hadAlpha: true, grayscale: true });
        expect(Array.from(px.subarray(4))).toEqual([0, 0, 0, 255]);
      });
    });
  }
});

describe('isGrey', () => {
  it('looks at the three colour bytes of each pixel, never the fourth', () => {
    const px = Uint8ClampedArray.of(7, 7, 7, 0, 200, 200, 200, 13);
    expect(isGrey(px)).toBe(true);
    px[5] = 201;
    expect(isGrey(px)).toBe(false);
  });
});

describe('unsupportedFormat', () => {
  it('names the formats people have that the browser does not decode', () => {
    expect(unsupportedFormat('image/svg+xml', 'logo.svg')).toContain('SVG');
    expect(unsupportedFormat('', 'IMG_0001.HEIC')).toContain('HEIC');
    expect(unsupportedFormat('image/tiff', 'scan.tif')).toContain('TIFF');
    expect(unsupportedFormat('', 'DSC_0001.NEF')).toContain('camera raw');
  });
  it('says nothing of a format the browser decodes (a failure there is a damaged file)', () => {
    expect(unsupportedFormat('image/png', 'photo.png')).toBeNull();
    expect(unsupportedFormat('image/jpeg', 'photo.jpg')).toBeNull();
  });
});
