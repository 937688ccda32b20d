/**
 * IEEE 754 binary16 <-> binary32, for float16 model inputs/outputs (onnxruntime-web hands float16
 * tensors over as Uint16Array bits). Conversion to float16 rounds to nearest, ties to even, like
 * numpy's `astype(np.float16)` and the hardware `vcvtps2ph`; NaN payloads are kept where they fit.
 */

// Bit views shared by the scalar helpers (no per-call allocation).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 bits -> float16 bits, round to nearest even. */
function bitsToHalf(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const abs = x & 0x7fffffff;
  if (abs >= 0x7f800000) {
    // Inf stays inf; NaN keeps the top 10 payload bits, forced quiet-ish (non-zero) if they vanish.
    if (abs === 0x7f800000) return sign | 0x7c00;
    const m = (abs >>> 13) & 0x3ff;
    return sign | 0x7c00 | (m === 0 ? 0x200 : m);
  }
  // 65520 (halfway between 65504, the largest half, and 65536) and above round to inf.
  if (abs >= 0x477ff000) return sign | 0x7c00;
  if (abs >= 0x38800000) {
    // Normal half: rebias the exponent (127 -> 15), keep 10 mantissa bits, round the other 13.
    // A carry out of the mantissa correctly bumps the exponent.
    const h = (abs - 0x38000000) >>> 13;
    const rest = abs & 0x1fff;
    return sign | (rest > 0x1000 || (rest === 0x1000 && (h & 1) !== 0) ? h + 1 : h);
  }
  // Subnormal half (or zero): value = m * 2^(e - 150), in units of 2^-24 that is m >> (126 - e).
  if (abs <= 0x33000000) return sign; // <= 2^-25: ties to even go to zero
  const e = abs >>> 23;
  const m = (abs & 0x7fffff) | 0x800000;
  const shift = 126 - e; // 14..24
  const h = m >>> shift;
  const rest = m & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  return sign | (rest > halfway || (rest === halfway && (h & 1) !== 0) ? h + 1 : h);
}

/** float16 bits -> float32 bits (exact: every half is a float). */
function halfToBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal: normalise the mantissa.
  let e = 113;
  let m = mant;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/** Built on first use: 256 KiB, then decoding is one table load per value. */
let halfTable: Uint32Array | null = null;
function table(): Uint32Array {
  if (!halfTable) {
    halfTable = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToBits(h);
  }
  return halfTable;
}

export function float32ToFloat16Bits(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) out[i] = bitsToHalf(bits[i]);
  return out;
}

export function float16BitsToFloat32(src: Uint16Array): Float32Array {
  const t = table();
  const out = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = t[src[i]];
  // Written as bits so NaN payloads survive (a float store may canonicalise them).
  return new Float32Array(out.buffer);
}

/** Scalar forms, for tests and one-off values. */
export function toFloat16Bits(x: number): number {
  f32[0] = x;
  return bitsToHalf(u32[0]);
}

export function fromFloat16Bits(h: number): number {
  u32[0] = table()[h & 0xffff];
  return f32[0];
}
