import { describe, expect, it } from 'vitest';
import { adviceFor, describeBytes, notOnnx, weightsTooShort } from './refusals';

const bytes = (...b: number[]) => new Uint8Array([...b, 0, 0, 0, 0, 0, 0, 0, 0]);
const ascii = (s: string) => new TextEncoder().encode(s);

describe('describeBytes', () => {
  it.each([
    ['PNG', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)],
    ['JPEG', bytes(0xff, 0xd8, 0xff, 0xe0)],
    ['GIF', ascii('GIF89a\0\0')],
    ['WebP', ascii('RIFF\x10\0\0\0WEBPVP8 ')],
  ])('names a %s image', (kind, b) => {
    expect(describeBytes(b)).toBe(`it is a ${kind} image`);
  });

  it('tells text, an LFS pointer, emptiness and anything else apart', () => {
    expect(describeBytes(ascii('{"a": 1}\n'))).toBe('it is a text file');
    expect(describeBytes(ascii('version https://git-lfs.github.com/spec/v1\n'))).toBe(
      'it is a Git LFS pointer, not the file',
    );
    expect(describeBytes(new Uint8Array(0))).toBe('the file is empty');
    expect(describeBytes(bytes(0x08, 0x07, 0x12, 0xff, 0x01))).toBe(
      "the file's bytes are not ONNX",
    );
  });
});

describe('advice by origin', () => {
  const url = { kind: 'url', address: 'https://example.com/m/model.onnx' } as const;

  it('asks to pick a file only when one was picked', () => {
    expect(adviceFor({ kind: 'file' })).toBe('Pick the .onnx file of a DINOv2 export.');
    expect(adviceFor(url)).toBe(
      'It came from https://example.com/m/model.onnx: check the address, or load another model.',
    );
  });

  it('words a web page by origin', () => {
    const page = ascii('<!DOCTYPE html><html></html>');
    expect(notOnnx('p.onnx', page, { kind: 'file' }).message).toMatch(
      /^"p\.onnx" is a web page, not an ONNX model\. .*pick that\.$/,
    );
    expect(notOnnx('model.onnx', page, url).message).toMatch(
      /^The file at https:\/\/example\.com\/m\/model\.onnx is a web page.*"resolve" link/,
    );
  });

  it('words weights too short by origin', () => {
    const data = { name: 'model.onnx_data', bytes: 1024, need: 2 ** 20 };
    expect(weightsTooShort('model.onnx', data, { kind: 'file' }).message).toContain(
      'Pick the weights file that came with "model.onnx"',
    );
    const remote = weightsTooShort('model.onnx', data, url).message;
    expect(remote).toContain('"model.onnx_data" holds 1.0 KB, but "model.onnx" reads 1.0 MB');
    expect(remote).toContain('It came from https://example.com/m/model.onnx');
  });
});
