/**
 * The worker's image decoding (src/engine/decode.ts) in Chromium: PNG files go through WebCodecs'
 * ImageDecoder straight from their bytes, everything else (and a PNG that must be turned) through
 * createImageBitmap. The fast path must give the very pixels of the bitmap path for every kind of
 * PNG, since the model input is compared bit for bit with Python's preprocessing.
 */
import path from 'node:path';
import zlib from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPage, pngChunk, type TestPage } from './harness';
import type { Decoders } from './pages/decode';

let page: Page;
let testPage: TestPage;

beforeAll(async () => {
  testPage = await openTestPage(path.resolve(import.meta.dirname, 'pages/decode.ts'), 'decoders', {
    webgpu: false,
  });
  ({ page } = testPage);
});

afterAll(async () => {
  await testPage?.close();
});

const W = 37;
const H = 23;

/** Seeded bytes (mulberry32), so every run decodes the same files. */
function bytes(n: number, seed: number): number[] {
  let t = seed >>> 0;
  return Array.from({ length: n }, () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) & 255;
  });
}

/** A PNG of width x H with `bytesPerRow` random sample bytes per row and extra chunks before IDAT. */
function png(
  bitDepth: number,
  colorType: number,
  bytesPerRow: number,
  extra: [string, number[]][] = [],
  seed = 1,
  width = W,
): number[] {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(H, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  const rows: number[] = [];
  const samples = bytes(bytesPerRow * H, seed);
  for (let y = 0; y < H; y++)
    rows.push(y % 5, ...samples.slice(y * bytesPerRow, (y + 1) * bytesPerRow));
  if (colorType === 3)
    for (let y = 0; y < H; y++)
      for (let x = 1; x <= bytesPerRow; x++) rows[y * (bytesPerRow + 1) + x] %= 16;
  const file = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...extra.map(([t, d]) => pngChunk(t, Uint8Array.from(d))),
    pngChunk('IDAT', zlib.deflateSync(Buffer.from(rows))),
    pngChunk('IEND', new Uint8Array()),
  ]);
  return [...file];
}

const be32 = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const palette: [string, number[]] = ['PLTE', bytes(16 * 3, 9)];
/** TIFF-style EXIF with Orientation 6 (turn 90° clockwise), as in a PNG eXIf chunk. */
const exifTurned = [
  0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 1, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0,
];

const KINDS: [string, number[]][] = [
  ['RGB 8-bit', png(8, 2, W * 3)],
  [
    'RGB 8-bit with gAMA, cHRM and sRGB',
    png(8, 2, W * 3, [
      ['gAMA', be32(45455)],
      ['cHRM', bytes(32, 3)],
      ['sRGB', [0]],
    ]),
  ],
  ['RGB 16-bit', png(16, 2, W * 6)],
  ['grey 8-bit', png(8, 0, W)],
  ['grey 16-bit', png(16, 0, W * 2)],
  ['grey 4-bit', png(4, 0, Math.ceil(W / 2))],
  ['palette', png(8, 3, W, [palette])],
  ['palette with tRNS', png(8, 3, W, [palette, ['tRNS', bytes(16, 4)]])],
  ['RGBA 8-bit', png(8, 6, W * 4)],
  ['grey + alpha 8-bit', png(8, 4, W * 2)],
  ['RGB with a tRNS colour', png(8, 2, W * 3, [['tRNS', [0, 10, 0, 20, 0, 30]]])],
];

describe('PNG decoding by ImageDecoder', () => {
  it.each(KINDS)("gives the bitmap path's pixels: %s", async (_kind, file) => {
    const r = await page.evaluate(async (b) => {
      const d = (window as unknown as { decoders: Decoders }).decoders;
      const u8 = Uint8Array.from(b);
      const size = d.readImageSize(u8)!;
      const fast = await d.decodePng(u8, size);
      const slow = await d.decodeBitmap(new Blob([u8], { type: 'image/png' }), 'x.png', size);
      // The fast path keeps the frame's own layout (BGRA or BGRX in Chromium): compare each
      // channel where it is, and alpha only where the layout has one (X: the bitmap must be opaque).
      // Where a pixel is see-through the bitmap path goes through a premultiplied canvas, which
      // loses colour at low alpha (Chromium 156's ImageDecoder keeps the file's straight values):
      // there the two must agree on what the model sees, the colour composited on white, to 1 level.
      let diff = 0;
      if (fast) {
        const at = fast.bgr ? [2, 1, 0] : [0, 1, 2];
        for (let p = 0; p < slow.rgba.length; p += 4) {
          const a = fast.opaque ? 255 : fast.rgba[p + 3];
          if (a !== slow.rgba[p + 3]) diff++;
          const on = (v: number) => Math.round((v * a) / 255 + 255 * (1 - a / 255));
          for (let c = 0; c < 3; c++) {
            const f = fast.rgba[p + at[c]];
            const s = slow.rgba[p + c];
            if (a === 255 ? f !== s : Math.abs(on(f) - on(s)) > 1) diff++;
          }
        }
      }
      return {
        layout: fast && `${fast.bgr ? 'bgr' : 'rgb'}${fast.opaque ? 'x' : 'a'}`,
        fast: fast && [fast.width, fast.height],
        slow: [slow.width, slow.height],
        diff,
        n: slow.rgba.length,
      };
    }, file);
    expect(r.fast).toEqual([W, H]);
    expect(r.slow).toEqual([W, H]);
    expect(r.n).toBe(W * H * 4);
    expect(['rgba', 'rgbx', 'bgra', 'bgrx']).toContain(r.layout);
    expect(r.diff).toBe(0);
  });

  it('decodes into a buffer given back, and a smaller picture gets only its own pixels', async () => {
    // A wider RGBA picture first, then the W x H RGB one into the buffer it gave back.
    const r = await page.evaluate(
      async ([big, small]) => {
        const d = (window as unknown as { decoders: Decoders }).decoders;
        const blob = (b: number[]) => new Blob([Uint8Array.from(b)], { type: 'image/png' });
        const first = await d.decodeImage(blob(big), 'big.png', 'white');
        d.releasePixels(first);
        const second = await d.decodeImage(blob(small), 'small.png', 'white');
        const u8 = Uint8Array.from(small);
        const slow = await d.decodeBitmap(blob(small), 'small.png', d.readImageSize(u8)!);
        let diff = 0;
        const at = second.bgr ? [2, 1, 0] : [0, 1, 2];
        for (let p = 0; p < slow.rgba.length; p += 4)
          for (let c = 0; c < 3; c++) if (second.rgba[p + at[c]] !== slow.rgba[p + c]) diff++;
        // Not given back: the next decode gets a buffer of its own.
        const third = await d.decodeImage(blob(small), 'small.png', 'white');
        return {
          firstSize: [first.width, first.height],
          reused: second.rgba.buffer === first.rgba.buffer,
          length: second.rgba.length,
          diff,
          fresh: third.rgba.buffer !== second.rgba.buffer,
        };
      },
      [png(8, 6, 2 * W * 4, [], 5, 2 * W), png(8, 2, W * 3, [], 6)],
    );
    expect(r.firstSize).toEqual([2 * W, H]);
    expect(r.reused).toBe(true);
    expect(r.length).toBe(W * H * 4);
    expect(r.diff).toBe(0);
    expect(r.fresh).toBe(true);
  });

  it('leaves a PNG that must be turned (eXIf orientation) to the bitmap path', async () => {
    const file = png(8, 2, W * 3, [['eXIf', exifTurned]]);
    const r = await page.evaluate(async (b) => {
      const d = (window as unknown as { decoders: Decoders }).decoders;
      const u8 = Uint8Array.from(b);
      const fast = await d.decodePng(u8, d.readImageSize(u8)!);
      const image = await d.decodeImage(
        new Blob([u8], { type: 'image/png' }),
        'turned.png',
        'white',
      );
      return { fast: fast !== null, size: [image.width, image.height] };
    }, file);
    expect(r.fast).toBe(false);
    expect(r.size).toEqual([H, W]);
  });

  it('decodes a PNG over the size cap straight to the capped size (not by ImageDecoder)', async () => {
    // 20000 x 2 black RGB: a few hundred bytes of file, over the 16384 px side cap.
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(20000, 0);
    ihdr.writeUInt32BE(2, 4);
    ihdr[8] = 8;
    ihdr[9] = 2;
    const file = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk('IHDR', ihdr),
      pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(2 * (1 + 20000 * 3)))),
      pngChunk('IEND', new Uint8Array()),
    ]);
    const r = await page.evaluate(
      async (b) => {
        const d = (window as unknown as { decoders: Decoders }).decoders;
        const blob = new Blob([Uint8Array.from(b)], { type: 'image/png' });
        const image = await d.decodeImage(blob, 'wide.png', 'white');
        return { size: [image.width, image.height], notes: image.notes };
      },
      [...file],
    );
    expect(r.size[0]).toBe(16384);
    expect(r.notes.capped).toBe(true);
    expect(r.notes.originalWidth).toBe(20000);
  });

  it('decodes a JPEG named .png, and names a damaged PNG in its error', async () => {
    const r = await page.evaluate(async (b) => {
      const d = (window as unknown as { decoders: Decoders }).decoders;
      const jpeg = await d.jpegBytes(30, 20);
      const image = await d.decodeImage(
        new Blob([jpeg], { type: 'image/png' }),
        'photo.png',
        'white',
      );
      const cut = Uint8Array.from(b.slice(0, 60));
      const error = await d
        .decodeImage(new Blob([cut], { type: 'image/png' }), 'cut.png', 'white')
        .then(
          () => null,
          (e: Error) => e.message,
        );
      return { size: [image.width, image.height], error };
    }, KINDS[0][1]);
    expect(r.size).toEqual([30, 20]);
    expect(r.error).toMatch(/"cut\.png" could not be read as an image/);
  });
});
