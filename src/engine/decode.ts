/**
 * Decodes an image file in the worker: EXIF orientation honoured, colour values untouched (no
 * colour-space conversion, so PNG pixels match what Python's PIL reads), alpha composited on a
 * chosen background, and huge images decoded straight to a capped size.
 */
import { ExplorerError } from '../lib/errors';
import { cappedSize, readImageSize } from './image-size';
import type { AlphaBackground, ImageNotes } from './protocol';

/** About 40 megapixels (e.g. 7700 x 5200), at most 16384 px a side: a few hundred MB at most. */
export const MAX_DECODE_PIXELS = 40_000_000;
export const MAX_DECODE_SIDE = 16384;

export interface DecodedImage {
  /** RGBA, alpha already composited (every alpha is 255). */
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  notes: ImageNotes;
}

export async function decodeImage(
  blob: Blob,
  fileName: string,
  background: AlphaBackground,
): Promise<DecodedImage> {
  if (blob.size === 0) {
    throw new ExplorerError('bad-image', `"${fileName}" is empty. Pick an image file.`, fileName);
  }
  const head = new Uint8Array(await blob.slice(0, 256 * 1024).arrayBuffer());
  const declared = readImageSize(head);
  const options: ImageBitmapOptions = {
    imageOrientation: 'from-image',
    premultiplyAlpha: 'none',
    colorSpaceConversion: 'none',
  };
  let capped = false;
  if (declared) {
    const target = cappedSize(declared, MAX_DECODE_PIXELS, MAX_DECODE_SIDE);
    if (target.width !== declared.width || target.height !== declared.height) {
      Object.assign(options, {
        resizeWidth: target.width,
        resizeHeight: target.height,
        resizeQuality: 'high',
      });
      capped = true;
    }
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, options);
  } catch {
    throw new ExplorerError(
      'bad-image',
      `"${fileName}" could not be read as an image: the file is damaged or not in a format the ` +
        'browser decodes. Use a PNG, JPEG, WebP, GIF, BMP or AVIF file.',
      fileName,
    );
  }
  try {
    let { width, height } = bitmap;
    // The size before any cap, after EXIF orientation when we can know it.
    const originalWidth = capped && declared ? declared.width : width;
    const originalHeight = capped && declared ? declared.height : height;
    // A format whose header we could not read: cap after decoding instead.
    const target = cappedSize({ width, height }, MAX_DECODE_PIXELS, MAX_DECODE_SIDE);
    if (target.width !== width || target.height !== height) {
      const smaller = await createImageBitmap(bitmap, {
        resizeWidth: target.width,
        resizeHeight: target.height,
        resizeQuality: 'high',
      });
      bitmap.close();
      bitmap = smaller;
      ({ width, height } = bitmap);
      capped = true;
    }
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new ExplorerError('internal', 'This browser cannot draw images in a worker.');
    ctx.drawImage(bitmap, 0, 0);
    const rgba = ctx.getImageData(0, 0, width, height).data;
    const { hadAlpha, grayscale } = compositeAndInspect(rgba, background === 'white' ? 255 : 0);
    return {
      rgba,
      width,
      height,
      notes: { originalWidth, originalHeight, width, height, capped, hadAlpha, grayscale },
    };
  } finally {
    bitmap.close();
  }
}

/**
 * Composites non-opaque pixels on a grey level `bg` in place (straight alpha), and reports whether
 * any pixel had alpha and whether the image is grey (R = G = B everywhere).
 */
export function compositeAndInspect(
  rgba: Uint8ClampedArray,
  bg: number,
): { hadAlpha: boolean; grayscale: boolean } {
  let hadAlpha = false;
  let grayscale = true;
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3];
    if (a !== 255) {
      hadAlpha = true;
      const f = a / 255;
      rgba[i] = rgba[i] * f + bg * (1 - f);
      rgba[i + 1] = rgba[i + 1] * f + bg * (1 - f);
      rgba[i + 2] = rgba[i + 2] * f + bg * (1 - f);
      rgba[i + 3] = 255;
    }
    if (grayscale && (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2])) grayscale = false;
  }
  return { hadAlpha, grayscale };
}
