import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { cappedSize, readImageSize } from './image-size';

const fixture = (name: string) =>
  new Uint8Array(fs.readFileSync(new URL(`../../tests/fixtures/dinov2/${name}`, import.meta.url)));

describe('readImageSize', () => {
  it.each([
    ['astronaut.png', 512, 512],
    ['chelsea.png', 451, 300],
    ['coffee.png', 600, 400],
  ])('reads the PNG header of %s', (name, w, h) => {
    expect(readImageSize(fixture(name).subarray(0, 64))).toEqual({ width: w, height: h });
  });

  it('walks JPEG markers to the frame header', () => {
    // SOI, an APP0 segment of 16 bytes, then SOF0 with height 300 and width 451.
    const jpeg = new Uint8Array([
      0xff,
      0xd8,
      0xff,
      0xe0,
      0x00,
      0x10,
      ...new Array(14).fill(0),
      0xff,
      0xc0,
      0x00,
      0x11,
      0x08,
      0x01,
      0x2c,
      0x01,
      0xc3,
      0x03,
    ]);
    expect(readImageSize(jpeg)).toEqual({ width: 451, height: 300 });
  });

  it('returns null for unknown bytes', () => {
    expect(
      readImageSize(new TextEncoder().encode('hello, this is not an image at all')),
    ).toBeNull();
  });
});

describe('cappedSize', () => {
  it('keeps small images', () => {
    expect(cappedSize({ width: 640, height: 480 }, 40e6, 16384)).toEqual({
      width: 640,
      height: 480,
    });
  });
  it('scales huge images under both caps, keeping the aspect ratio', () => {
    const s = cappedSize({ width: 30000, height: 20000 }, 40e6, 16384);
    expect(s.width * s.height).toBeLessThanOrEqual(40e6);
    expect(Math.abs(s.width / s.height - 1.5)).toBeLessThan(0.01);
    const p = cappedSize({ width: 40000, height: 1000 }, 40e6, 16384);
    expect(p.width).toBeLessThanOrEqual(16384);
    expect(p.height).toBeGreaterThan(0);
  });
});
