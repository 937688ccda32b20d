/**
 * Decodes an image file in the worker: EXIF orientation honoured, colour values untouched (no
 * colour-space conversion, so PNG pixels match what Python's PIL reads), alpha composited on a
 * chosen background, and huge images decoded straight to a capped size.
 */
import { ExplorerError } from '../lib/errors';
import { cappedSize, readImageSize, type PixelSize } from './image-size';
import type { AlphaBackground, ImageNotes } from './protocol';

/** About 40 megapixels (e.g. 7700 x 5200), at most 16384 px a side: a few hundred MB at most. */
export const MAX_DECODE_PIXELS = 40_000_000;
export const MAX_DECODE_SIDE = 16384;

export interface DecodedImage {
  /**
   * Four bytes a pixel, alpha already composited: R, G, B, A, or with `bgr` B, G, R and a fourth
   * byte to ignore.
   */
  rgba: Uint8ClampedArray;
  /** Blue first (a decoder's native BGRA/BGRX layout, copied as it is: no swizzle pass). */
  bgr: boolean;
  width: number;
  height: number;
  notes: ImageNotes;
}

/**
 * Bytes read for the size header. Each read is a round trip to the browser's file reader: 16 KB
 * took 2.3 ms and 256 KB 4.6 ms here, and PNG, GIF, BMP and WebP sizes sit in the first 30 bytes.
 */
const HEAD_FIRST = 16 * 1024;
const HEAD_MAX = 256 * 1024;
/**
 * A PNG up to this size is read whole in one round trip: its header and its pixels come from the
 * same bytes (see decodePng). Larger ones (often pictures over the size cap, decoded smaller by
 * createImageBitmap) take the usual path, so that they are not first read into memory in vain.
 */
const PNG_WHOLE_MAX = 16 * 1024 * 1024;

async function readHead(blob: Blob, bytes: number): Promise<Uint8Array> {
  return new Uint8Array(await blob.slice(0, bytes).arrayBuffer());
}

/** Pixels as decoded, before compositing; `capped` when decoded straight to a smaller size. */
interface RawPixels {
  rgba: Uint8ClampedArray;
  /** B, G, R first (see DecodedImage.bgr). */
  bgr: boolean;
  /** The layout has no alpha (BGRX, RGBX): every pixel is opaque whatever its fourth byte. */
  opaque: boolean;
  width: number;
  height: number;
  originalWidth: number;
  originalHeight: number;
  capped: boolean;
}

export async function decodeImage(
  blob: Blob,
  fileName: string,
  background: AlphaBackground,
): Promise<DecodedImage> {
  if (blob.size === 0) {
    throw new ExplorerError('bad-image', `"${fileName}" is empty. Pick an image file.`, fileName);
  }
  const pngName = blob.type === 'image/png' || /\.png$/i.test(fileName);
  const whole = pngName && blob.size <= PNG_WHOLE_MAX;
  const head = whole ? new Uint8Array(await blob.arrayBuffer()) : await readHead(blob, HEAD_FIRST);
  let declared = readImageSize(head);
  // A JPEG may put its size after large metadata (EXIF thumbnail, ICC profile): read further.
  if (!declared && blob.size > head.length)
    declared = readImageSize(await readHead(blob, HEAD_MAX));
  const raw =
    (whole &&
      declared &&
      !needsCap(declared) &&
      isPng(head) &&
      (await decodePng(head, declared))) ||
    (await decodeBitmap(blob, fileName, declared));
  const { hadAlpha, grayscale } = raw.opaque
    ? { hadAlpha: false, grayscale: isGrey(raw.rgba) }
    : compositeAndInspect(raw.rgba, background === 'white' ? 255 : 0);
  const { rgba, bgr, width, height, originalWidth, originalHeight, capped } = raw;
  return {
    rgba,
    bgr,
    width,
    height,
    notes: { originalWidth, originalHeight, width, height, capped, hadAlpha, grayscale },
  };
}

function needsCap(size: PixelSize): boolean {
  const target = cappedSize(size, MAX_DECODE_PIXELS, MAX_DECODE_SIDE);
  return target.width !== size.width || target.height !== size.height;
}

function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

/**
 * A pixel buffer given back after its pixels were preprocessed (releasePixels), lent to the next
 * PNG decode that fits in it. A fresh buffer pays a page fault per 4 KB on its first write: half
 * of the 1.2 ms copy of a 512 x 512 frame here, and more garbage for the worker's collector.
 * Kept up to SPARE_MAX bytes (a 4-megapixel frame); larger ones go to the collector.
 */
let spare: Uint8ClampedArray | null = null;
const SPARE_MAX = 16 * 1024 * 1024;

function pixelBuffer(bytes: number): Uint8ClampedArray {
  if (spare && spare.length >= bytes) {
    const lent = spare.subarray(0, bytes);
    spare = null; // one decode at a time holds it: decodes may overlap across awaits
    return lent;
  }
  return new Uint8ClampedArray(bytes);
}

/**
 * Gives `image`'s pixel buffer back for a later decode. Only for a caller that is done with the
 * pixels and holds no view of them (the model input is a new array).
 */
export function releasePixels(image: DecodedImage): void {
  const whole = new Uint8ClampedArray(image.rgba.buffer);
  if (whole.length <= SPARE_MAX && (!spare || whole.length > spare.length)) spare = whole;
}

/** VideoFrame layouts of four bytes a pixel whose first three are the colour channels. */
const FOUR_BYTE = new Set(['RGBA', 'RGBX', 'BGRA', 'BGRX']);

/**
 * A whole PNG file's pixels by WebCodecs' ImageDecoder, straight from its bytes: no second read
 * of the file and no canvas, ~2 ms less than createImageBitmap per 512 x 512 photo. The same
 * values as the bitmap path for every PNG kind (grey, palette, 16-bit, alpha, gamma chunks: the
 * browser tests compare them), in the frame's own channel order (`bgr`, `opaque`). Null (use the
 * bitmap path) where ImageDecoder is missing or fails, or where the picture must be turned (an
 * eXIf orientation), which only the bitmap path applies.
 * Not for JPEG: there ImageDecoder gives YUV frames whose RGB differs from the bitmap path's.
 */
export async function decodePng(bytes: Uint8Array, size: PixelSize): Promise<RawPixels | null> {
  if (typeof ImageDecoder === 'undefined') return null;
  let decoder: ImageDecoder | null = null;
  let frame: VideoFrame | null = null;
  try {
    decoder = new ImageDecoder({ data: bytes, type: 'image/png', colorSpaceConversion: 'none' });
    frame = (await decoder.decode()).image;
    const { codedWidth: width, codedHeight: height } = frame;
    // Not in TypeScript's DOM types yet; a browser without them cannot say whether to turn.
    const { rotation, flip } = frame as VideoFrame & { rotation?: number; flip?: boolean };
    const turned = rotation !== 0 || flip !== false;
    if (turned || width !== size.width || height !== size.height) return null;
    const rgba = pixelBuffer(width * height * 4);
    // The frame's own four-byte layout copies as it is; asking for RGBA would swizzle it
    // (Chromium decodes to BGRA/BGRX: 1.2 ms instead of 0.6 for a 512 x 512 photo).
    const format = FOUR_BYTE.has(frame.format ?? '') ? (frame.format as VideoPixelFormat) : 'RGBA';
    await frame.copyTo(rgba, { format });
    return {
      rgba,
      bgr: format.startsWith('BGR'),
      opaque: format.endsWith('X'),
      width,
      height,
      originalWidth: width,
      originalHeight: height,
      capped: false,
    };
  } catch {
    return null;
  } finally {
    frame?.close();
    decoder?.close();
  }
}

/**
 * Image formats people have that a worker's createImageBitmap does not decode, by type or name:
 * a refusal can then say what the file is instead of calling it damaged.
 */
export function unsupportedFormat(type: string, fileName: string): string | null {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase() ?? '';
  if (type === 'image/svg+xml' || ext === 'svg') return 'an SVG drawing (a vector format)';
  if (/^image\/hei[cf]/.test(type) || ext === 'heic' || ext === 'heif')
    return 'a HEIC/HEIF photo (the iPhone format)';
  if (type === 'image/tiff' || ext === 'tif' || ext === 'tiff') return 'a TIFF image';
  if (ext === 'psd') return 'a Photoshop document';
  if (['cr2', 'cr3', 'nef', 'arw', 'dng', 'raf', 'orf', 'rw2'].includes(ext))
    return 'a camera raw file';
  return null;
}

/** Any image by createImageBitmap: EXIF orientation applied, huge ones decoded to a capped size. */
export async function decodeBitmap(
  blob: Blob,
  fileName: string,
  declared: PixelSize | null,
): Promise<RawPixels> {
  const options: ImageBitmapOptions = {
    imageOrientation: 'from-image',
    premultiplyAlpha: 'none',
    colorSpaceConversion: 'none',
  };
  let capped = false;
  if (declared && needsCap(declared)) {
    const target = cappedSize(declared, MAX_DECODE_PIXELS, MAX_DECODE_SIDE);
    Object.assign(options, {
      resizeWidth: target.width,
      resizeHeight: target.height,
      resizeQuality: 'high',
    });
    capped = true;
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, options);
  } catch {
    const format = unsupportedFormat(blob.type, fileName);
    throw new ExplorerError(
      'bad-image',
      format
        ? `"${fileName}" is ${format}, which the app cannot read. Convert it to PNG or JPEG ` +
            '(or WebP, GIF, BMP, AVIF) and add that.'
        : `"${fileName}" could not be read as an image: the file is damaged or not in a format ` +
            'the browser decodes. Use a PNG, JPEG, WebP, GIF, BMP or AVIF file.',
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
    return {
      rgba,
      bgr: false,
      opaque: false,
      width,
      height,
      originalWidth,
      originalHeight,
      capped,
    };
  } finally {
    bitmap.close();
  }
}

/** Whether the first three bytes of every four-byte pixel are equal (a grey picture). */
export function isGrey(px4: Uint8ClampedArray): boolean {
  for (let i = 0; i < px4.length; i += 4) {
    if (px4[i] !== px4[i + 1] || px4[i] !== px4[i + 2]) return false;
  }
  return true;
}

/**
 * Composites non-opaque pixels on a grey level `bg` in place (straight alpha), and reports whether
 * any pixel had alpha and whether the image is grey (R = G = B everywhere).
 */
export function compositeAndInspect(
  rgba: Uint8ClampedArray,
  bg: number,
): { hadAlpha: boolean; grayscale: boolean } {
  // Most images are opaque: one 32-bit read per pixel (little-endian, alpha in the top byte)
  // settles both questions.
  if (rgba.byteOffset % 4 === 0) {
    const px = new Uint32Array(rgba.buffer, rgba.byteOffset, rgba.length >> 2);
    let opaque = true;
    let grey = true;
    for (let i = 0; i < px.length; i++) {
      const v = px[i];
      if (v < 0xff000000) {
        opaque = false;
        break;
      }
      if (grey) {
        const r = v & 255;
        if (((v >>> 8) & 255) !== r || ((v >>> 16) & 255) !== r) grey = false;
      }
    }
    if (opaque) return { hadAlpha: false, grayscale: grey };
  }
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
