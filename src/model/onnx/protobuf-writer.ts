/**
 * A tiny protobuf encoder: just enough to append extra graph outputs to a model (rewrite.ts) and to
 * build small synthetic ONNX models in tests. Messages are built bottom-up as byte arrays; embedding
 * one is `len(field, bytes)`. Not meant for large payloads (it copies when concatenating).
 */

const utf8 = new TextEncoder();

/** Encodes a non-negative integer or a negative int64 (10-byte two's complement) as a varint. */
export function encodeVarint(value: number): Uint8Array {
  if (!Number.isInteger(value)) throw new RangeError(`varint must be an integer, got ${value}`);
  const out: number[] = [];
  if (value < 0) {
    // Two's complement over 64 bits, split into 32-bit halves to stay exact.
    const v = BigInt.asUintN(64, BigInt(value));
    let lo = Number(v & 0xffffffffn);
    let hi = Number(v >> 32n);
    for (let i = 0; i < 9; i++) {
      out.push((lo & 0x7f) | 0x80);
      lo = (lo >>> 7) | ((hi & 0x7f) << 25);
      hi >>>= 7;
    }
    out.push(lo & 0x01);
    return Uint8Array.from(out);
  }
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function tag(field: number, wire: number): Uint8Array {
  return encodeVarint(field * 8 + wire);
}

/** Field with wire type 0. */
export function varintField(field: number, value: number): Uint8Array {
  return concatBytes([tag(field, 0), encodeVarint(value)]);
}

/** Length-delimited field (embedded message, bytes). */
export function lenField(field: number, bytes: Uint8Array): Uint8Array {
  return concatBytes([tag(field, 2), encodeVarint(bytes.length), bytes]);
}

export function stringField(field: number, s: string): Uint8Array {
  return lenField(field, utf8.encode(s));
}

/** Float field with wire type 5. */
export function floatField(field: number, value: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, value, true);
  return concatBytes([tag(field, 5), b]);
}

/** Packed repeated varints (how onnx writes int64_data / ints). */
export function packedVarints(field: number, values: number[]): Uint8Array {
  return lenField(field, concatBytes(values.map(encodeVarint)));
}

/** Concatenates fields into one message body. */
export function message(...fields: Uint8Array[]): Uint8Array {
  return concatBytes(fields);
}
