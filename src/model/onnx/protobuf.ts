/**
 * A minimal protobuf wire-format reader over a Uint8Array.
 *
 * Why not a generated decoder: ONNX files are hundreds of MB, almost all of it initializer
 * `raw_data`. We only need the graph's structure, so the reader never copies bytes (length-delimited
 * fields come back as `subarray` views or as offsets) and skipping a field is O(1): advance `pos`.
 *
 * Errors: a length or varint that runs past the end of the *buffer* means the file was cut short
 * ('truncated'); anything else malformed (bad wire type, a field overrunning its enclosing message,
 * an over-long varint) means the bytes are not protobuf at all ('not-onnx'). The caller rewraps
 * these with a message naming the file.
 */
import { ExplorerError } from '../../lib/errors';

/** Wire types (protobuf encoding spec). Groups (3, 4) are deprecated and never used by ONNX. */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;
const utf8 = new TextDecoder('utf-8');

export class ProtoReader {
  readonly buf: Uint8Array;
  pos: number;
  /** Exclusive end of the message being read (a sub-reader ends where its field ends). */
  readonly end: number;
  private view: DataView | null = null;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  eof(): boolean {
    return this.pos >= this.end;
  }

  /** Past the buffer's end → the file was cut; past only this message's end → corrupt. */
  private overrun(what: string): never {
    if (this.end >= this.buf.length) {
      throw new ExplorerError('truncated', `the data ends in the middle of ${what}`);
    }
    throw new ExplorerError('not-onnx', `${what} runs past the end of its message`);
  }

  /**
   * A varint as a JS number. Values up to 2^53 are exact; 10-byte negative int64 (two's
   * complement) come back as negative numbers, which ONNX uses for e.g. `-1` in Reshape shapes.
   */
  varint(): number {
    const b = this.buf;
    const end = this.end;
    let p = this.pos;
    if (p >= end) this.overrun('a number');
    let byte = b[p++];
    // Fast path: most tags, lengths and dims fit in one byte.
    if (byte < 0x80) {
      this.pos = p;
      return byte;
    }
    let lo = byte & 0x7f;
    let hi = 0;
    // Bytes 1..3 fill bits 7..27 of the low word.
    for (let shift = 7; shift < 28; shift += 7) {
      if (p >= end) this.overrun('a number');
      byte = b[p++];
      lo |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.pos = p;
        return lo >>> 0;
      }
    }
    // Byte 4 straddles the two words: 4 bits to lo, 3 bits to hi.
    if (p >= end) this.overrun('a number');
    byte = b[p++];
    lo |= (byte & 0x0f) << 28;
    hi = (byte & 0x7f) >>> 4;
    if (byte >= 0x80) {
      let shift = 3;
      for (let i = 0; ; i++) {
        if (i >= 5) throw new ExplorerError('not-onnx', 'a number is longer than 10 bytes');
        if (p >= end) this.overrun('a number');
        byte = b[p++];
        hi |= (byte & 0x7f) << shift;
        shift += 7;
        if (byte < 0x80) break;
      }
    }
    this.pos = p;
    if (hi & 0x80000000) {
      // Negative int64: -(~value + 1), computed on the two unsigned halves.
      return -((~hi >>> 0) * TWO_32 + (~lo >>> 0) + 1);
    }
    return (hi >>> 0) * TWO_32 + (lo >>> 0);
  }

  /** Reads a field tag; returns `field << 3 | wire`. Field 0 and wire types 3, 4, 6, 7 are invalid. */
  tag(): number {
    const t = this.varint();
    const wire = t & 7;
    if (t < 8 || wire === 3 || wire === 4 || wire > 5) {
      throw new ExplorerError('not-onnx', `invalid field tag ${t}`);
    }
    return t;
  }

  /** Length of a length-delimited field, checked against the message end; returns its start. */
  private lengthPrefix(): number {
    const len = this.varint();
    if (len < 0) throw new ExplorerError('not-onnx', 'negative length');
    const start = this.pos;
    if (start + len > this.end) this.overrun('a field');
    this.pos = start + len;
    return start;
  }

  /** A length-delimited field as a view (no copy). */
  bytes(): Uint8Array {
    const start = this.lengthPrefix();
    return this.buf.subarray(start, this.pos);
  }

  /** A length-delimited field as a reader over the same buffer (for embedded messages). */
  message(): ProtoReader {
    const start = this.lengthPrefix();
    return new ProtoReader(this.buf, start, this.pos);
  }

  /** Skips a length-delimited field and returns its byte length: O(1), for raw_data. */
  skipBytes(): { start: number; length: number } {
    const start = this.lengthPrefix();
    return { start, length: this.pos - start };
  }

  string(): string {
    const start = this.lengthPrefix();
    return utf8.decode(this.buf.subarray(start, this.pos));
  }

  private dataView(): DataView {
    if (!this.view)
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return this.view;
  }

  private advance(n: number): number {
    const p = this.pos;
    if (p + n > this.end) this.overrun('a fixed-size number');
    this.pos = p + n;
    return p;
  }

  float32(): number {
    return this.dataView().getFloat32(this.advance(4), true);
  }

  float64(): number {
    return this.dataView().getFloat64(this.advance(8), true);
  }

  fixed32(): number {
    return this.dataView().getUint32(this.advance(4), true);
  }

  fixed64(): number {
    const p = this.advance(8);
    const dv = this.dataView();
    return dv.getUint32(p + 4, true) * TWO_32 + dv.getUint32(p, true);
  }

  /** Skips a field of the given wire type without looking at its contents. */
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_LEN:
        this.lengthPrefix();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        throw new ExplorerError('not-onnx', `invalid wire type ${wire}`);
    }
  }

  /** A repeated varint field, packed (wire 2) or not (wire 0): appends to `out`. */
  repeatedVarint(wire: number, out: number[]): void {
    if (wire === WIRE_VARINT) {
      out.push(this.varint());
    } else if (wire === WIRE_LEN) {
      const sub = this.message();
      while (!sub.eof()) out.push(sub.varint());
    } else {
      throw new ExplorerError('not-onnx', `wire type ${wire} for a repeated integer`);
    }
  }

  /** A repeated float field, packed (wire 2) or not (wire 5): appends to `out`. */
  repeatedFloat(wire: number, out: number[]): void {
    if (wire === WIRE_FIXED32) {
      out.push(this.float32());
    } else if (wire === WIRE_LEN) {
      const sub = this.message();
      while (!sub.eof()) out.push(sub.float32());
    } else {
      throw new ExplorerError('not-onnx', `wire type ${wire} for a repeated float`);
    }
  }

  /** A repeated double field, packed (wire 2) or not (wire 1): appends to `out`. */
  repeatedDouble(wire: number, out: number[]): void {
    if (wire === WIRE_FIXED64) {
      out.push(this.float64());
    } else if (wire === WIRE_LEN) {
      const sub = this.message();
      while (!sub.eof()) out.push(sub.float64());
    } else {
      throw new ExplorerError('not-onnx', `wire type ${wire} for a repeated double`);
    }
  }
}

/** Throws 'not-onnx' unless a known field arrived with the wire type the schema gives it. */
export function expectWire(actual: number, expected: number, what: string): void {
  if (actual !== expected) {
    throw new ExplorerError('not-onnx', `${what} has wire type ${actual}, expected ${expected}`);
  }
}
