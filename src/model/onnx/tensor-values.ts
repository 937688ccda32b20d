/**
 * Reads the values of small constant tensors (shape vectors, attention scales). Only tensors whose
 * data the reader kept (typed fields, or raw_data ≤ RAW_VIEW_LIMIT) can be read; others give null.
 */
import { DT_DOUBLE, DT_FLOAT, DT_FLOAT16, DT_INT32, DT_INT64, type OnnxTensor } from './types';

function rawView(t: OnnxTensor): DataView | null {
  return t.raw ? new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength) : null;
}

/** IEEE half → number (for fp16 exports, whose scale constants are float16). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Integer values of an int64/int32 tensor, or null when not an integer tensor or not kept. */
export function intValues(t: OnnxTensor): number[] | null {
  if (t.dataType === DT_INT64) {
    if (t.int64Data) return t.int64Data;
    const dv = rawView(t);
    if (!dv) return null;
    const out: number[] = [];
    // int64 → number: exact for the small values shape constants hold.
    for (let o = 0; o + 8 <= dv.byteLength; o += 8) {
      out.push(dv.getInt32(o + 4, true) * 4294967296 + dv.getUint32(o, true));
    }
    return out;
  }
  if (t.dataType === DT_INT32) {
    if (t.int32Data) return t.int32Data;
    const dv = rawView(t);
    if (!dv) return null;
    const out: number[] = [];
    for (let o = 0; o + 4 <= dv.byteLength; o += 4) out.push(dv.getInt32(o, true));
    return out;
  }
  return null;
}

/** Float values of a float32/float16/double tensor, or null when not float or not kept. */
export function floatValues(t: OnnxTensor): number[] | null {
  if (t.dataType === DT_FLOAT) {
    if (t.floatData) return t.floatData;
    const dv = rawView(t);
    if (!dv) return null;
    const out: number[] = [];
    for (let o = 0; o + 4 <= dv.byteLength; o += 4) out.push(dv.getFloat32(o, true));
    return out;
  }
  if (t.dataType === DT_FLOAT16) {
    // float16 without raw_data is stored as uint16 bit patterns in int32_data.
    if (t.int32Data) return t.int32Data.map(halfToFloat);
    const dv = rawView(t);
    if (!dv) return null;
    const out: number[] = [];
    for (let o = 0; o + 2 <= dv.byteLength; o += 2) out.push(halfToFloat(dv.getUint16(o, true)));
    return out;
  }
  if (t.dataType === DT_DOUBLE) {
    if (t.doubleData) return t.doubleData;
    const dv = rawView(t);
    if (!dv) return null;
    const out: number[] = [];
    for (let o = 0; o + 8 <= dv.byteLength; o += 8) out.push(dv.getFloat64(o, true));
    return out;
  }
  return null;
}
