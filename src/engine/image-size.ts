/**
 * Reads an image's pixel size from its first bytes, without decoding it, so a huge image can be
 * decoded straight to a capped size instead of at full size (which can exhaust memory).
 * Returns null for formats it does not know; the caller then decodes and checks afterwards.
 */
export interface PixelSize {
  width: number;
  height: number;
}

export function readImageSize(head: Uint8Array): PixelSize | null {
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const n = head.length;
  // PNG: signature, then the IHDR chunk with big-endian width and height.
  if (n >= 24 && head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) {
    return { width: dv.getUint32(16), height: dv.getUint32(20) };
  }
  // GIF: logical screen size, little-endian.
  if (n >= 10 && head[0] === 0x47 && head[1] === 0x49 && head[2] === 0x46) {
    return { width: dv.getUint16(6, true), height: dv.getUint16(8, true) };
  }
  // BMP: BITMAPINFOHEADER width and (possibly negative, top-down) height.
  if (n >= 26 && head[0] === 0x42 && head[1] === 0x4d) {
    return { width: Math.abs(dv.getInt32(18, true)), height: Math.abs(dv.getInt32(22, true)) };
  }
  // WebP: RIFF....WEBP then a VP8, VP8L or VP8X chunk.
  if (n >= 30 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') {
    const kind = ascii(head, 12, 4);
    if (kind === 'VP8 ') {
      return { width: dv.getUint16(26, true) & 0x3fff, height: dv.getUint16(28, true) & 0x3fff };
    }
    if (kind === 'VP8L') {
      const b = dv.getUint32(21, true);
      return { width: (b & 0x3fff) + 1, height: ((b >> 14) & 0x3fff) + 1 };
    }
    if (kind === 'VP8X') {
      const w = 1 + (head[24] | (head[25] << 8) | (head[26] << 16));
      const h = 1 + (head[27] | (head[28] << 8) | (head[29] << 16));
      return { width: w, height: h };
    }
    return null;
  }
  // JPEG: walk the markers to the first start-of-frame.
  if (n >= 4 && head[0] === 0xff && head[1] === 0xd8) {
    let i = 2;
    while (i + 9 < n) {
      if (head[i] !== 0xff) return null;
      const marker = head[i + 1];
      if (marker === 0xff) {
        i++;
        continue;
      }
      const len = dv.getUint16(i + 2);
      const isSof =
        marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof) return { width: dv.getUint16(i + 7), height: dv.getUint16(i + 5) };
      i += 2 + len;
    }
    return null;
  }
  return null;
}

function ascii(b: Uint8Array, at: number, len: number): string {
  return String.fromCharCode(...b.subarray(at, at + len));
}

/**
 * The size to decode at: the image's own size, or scaled down (aspect kept) so that it has at most
 * `maxPixels` pixels and no side over `maxSide`.
 */
export function cappedSize(size: PixelSize, maxPixels: number, maxSide: number): PixelSize {
  const { width, height } = size;
  const byPixels = Math.sqrt(maxPixels / Math.max(1, width * height));
  const bySide = maxSide / Math.max(width, height);
  const s = Math.min(1, byPixels, bySide);
  if (s >= 1) return { width, height };
  return {
    width: Math.max(1, Math.floor(width * s)),
    height: Math.max(1, Math.floor(height * s)),
  };
}
