import { describe, expect, it } from 'vitest';
import { ExplorerError } from '../../lib/errors';
import { ProtoReader } from './protobuf';
import {
  concatBytes,
  encodeVarint,
  lenField,
  message,
  stringField,
  varintField,
} from './protobuf-writer';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ExplorerError ? e.code : `non-explorer: ${String(e)}`;
  }
  return undefined;
}

describe('protobuf varints', () => {
  it.each([
    0,
    1,
    127,
    128,
    300,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32 + 5,
    2 ** 53 - 1,
    -1,
    -2,
    -(2 ** 31),
    -(2 ** 40),
  ])('round-trips %d', (v) => {
    const r = new ProtoReader(encodeVarint(v));
    expect(r.varint()).toBe(v);
    expect(r.eof()).toBe(true);
  });

  it('encodes -1 as ten bytes (int64 two’s complement)', () => {
    expect(Array.from(encodeVarint(-1))).toEqual([255, 255, 255, 255, 255, 255, 255, 255, 255, 1]);
  });

  it('calls an unterminated varint at the end of the buffer truncated', () => {
    expect(codeOf(() => new ProtoReader(Uint8Array.from([0x80, 0x80])).varint())).toBe('truncated');
  });

  it('calls an over-long varint not-onnx', () => {
    expect(codeOf(() => new ProtoReader(new Uint8Array(12).fill(0x80)).varint())).toBe('not-onnx');
  });
});

describe('protobuf fields', () => {
  it('reads tags, strings and sub-messages as views', () => {
    const inner = message(varintField(1, 42), stringField(2, 'héllo'));
    const bytes = message(lenField(3, inner), varintField(4, 7));
    const r = new ProtoReader(bytes);
    const t = r.tag();
    expect([t >>> 3, t & 7]).toEqual([3, 2]);
    const sub = r.message();
    expect(sub.buf).toBe(bytes); // same buffer, no copy
    sub.tag();
    expect(sub.varint()).toBe(42);
    sub.tag();
    expect(sub.string()).toBe('héllo');
    expect(sub.eof()).toBe(true);
    r.tag();
    expect(r.varint()).toBe(7);
  });

  it('skips a large length-delimited field without touching it', () => {
    const big = new Uint8Array(50_000_000); // skip must be O(1): just move the offset
    const bytes = concatBytes([lenField(9, big), varintField(1, 3)]);
    const r = new ProtoReader(bytes);
    r.skip(r.tag() & 7);
    expect(r.pos).toBe(bytes.length - 2);
    r.tag();
    expect(r.varint()).toBe(3);
  });

  it('reads packed and unpacked repeated varints the same way', () => {
    const packed = new ProtoReader(
      lenField(1, concatBytes([encodeVarint(1), encodeVarint(-1), encodeVarint(300)])),
    );
    const out: number[] = [];
    packed.repeatedVarint(packed.tag() & 7, out);
    const unpacked = new ProtoReader(
      concatBytes([varintField(1, 1), varintField(1, -1), varintField(1, 300)]),
    );
    const out2: number[] = [];
    while (!unpacked.eof()) unpacked.repeatedVarint(unpacked.tag() & 7, out2);
    expect(out).toEqual([1, -1, 300]);
    expect(out2).toEqual(out);
  });

  it('calls a length past the end of the buffer truncated', () => {
    const bytes = lenField(2, new Uint8Array(100)).subarray(0, 50);
    const r = new ProtoReader(bytes);
    r.tag();
    expect(codeOf(() => r.bytes())).toBe('truncated');
  });

  it('calls a field overrunning its enclosing message not-onnx', () => {
    // Outer message says 3 bytes; inside, a string claims 10.
    const bytes = Uint8Array.from([0x1a, 0x03, 0x0a, 0x0a, 0x41, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const r = new ProtoReader(bytes);
    r.tag();
    const sub = r.message();
    sub.tag();
    expect(codeOf(() => sub.string())).toBe('not-onnx');
  });

  it.each([
    ['wire type 7', [0x0f]],
    ['group start', [0x0b]],
    ['field 0', [0x00]],
  ])('rejects %s as not-onnx', (_, b) => {
    expect(codeOf(() => new ProtoReader(Uint8Array.from(b)).tag())).toBe('not-onnx');
  });
});
