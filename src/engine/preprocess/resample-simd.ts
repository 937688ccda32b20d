/**
 * The two passes of `resizeBicubicPil` as WebAssembly SIMD: one pixel's R, G, B (and ignored A)
 * in the four i32 lanes, so one multiply-add per tap serves all channels where JavaScript needs
 * three (plus the byte extraction): about 4x faster (512 x 512 to 224 x 224: 4.6 -> 1.2 ms in
 * Node). The arithmetic is the JavaScript passes' exactly: wrapping int32 products and sums from
 * `half`, then the arithmetic shift; the two saturating narrows clamp s >> precision to 0..255,
 * which is clip8 (255 from s >= 256 << precision, where s >> precision >= 256; 0 from s <= 0, where
 * s >> precision <= 0). So the bytes are the same, and the tests compare them with the JavaScript
 * passes on random images.
 *
 * Hand-assembled (no toolchain needed), in text form:
 *
 *   (func (export "h") ;; horizontal: rows [row0, row0 + rows) of RGBA src, columns [x0, x0 + w)
 *     (param $src $inW $row0 $rows $x0 $w $bounds $coeffs $ksize $prec $out i32)
 *     for y < rows: for xx in [x0, x0 + w):
 *       p = row + bounds[2xx] * 4;  n = bounds[2xx + 1];  kp = coeffs + xx * ksize * 4
 *       acc = half;  while n--: acc += u32x4(load8x8_u(p)) * splat(*kp);  p += 4;  kp += 4
 *       *out = clip(acc);  out += 4                      ;; packed RGB + an unused byte, R lowest
 *   (func (export "v") ;; vertical: packed rows from h, starting at source row $row0
 *     (param $tmp $w $bounds $coeffs $ksize $prec $row0 $y0 $h $out i32)
 *     for yy in [y0, y0 + h): for x < w:
 *       p = tmp + (bounds[2yy] - row0) * w * 4 + x * 4;  n = bounds[2yy + 1];  kp = coeffs + yy * ksize * 4
 *       acc = half;  while n--: acc += u32x4(load8x8_u(p)) * splat(*kp);  p += w * 4;  kp += 4
 *       *out = clip(acc);  out += 3                      ;; RGB bytes (the 4th is overwritten next)
 *
 * with the memory imported. load8x8_u reads 8 bytes for one 4-byte pixel, so the caller leaves
 * slack after each pixel buffer (and one byte after the output).
 */

import { leb, name, section, sleb } from '../../lib/wasm-bytes';

// --- a small assembler -------------------------------------------------------------------------

const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const i32 = (v: number) => [0x41, ...sleb(v)];
const ADD = 0x6a;
const SUB = 0x6b;
const MUL = 0x6c;
const SHL = 0x74;
const GE_U = 0x4f;
const EQZ = 0x45;
const LOAD = (offset: number) => [0x28, 0x02, ...leb(offset)]; // i32.load, 4-byte aligned
const STORE_UNALIGNED = [0x36, 0x00, 0x00]; // i32.store, byte alignment
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = 0x0b;
const BR = (depth: number) => [0x0c, depth];
const BR_IF = (depth: number) => [0x0d, depth];
const simd = (op: number, ...imm: number[]) => [0xfd, ...leb(op), ...imm];
const LOAD8X8_U = simd(0x02, 0x00, 0x00); // v128.load8x8_u: 8 bytes to u16 lanes
const EXTEND_LOW_U16 = simd(0xa9); // i32x4.extend_low_i16x8_u
const SPLAT = simd(0x11); // i32x4.splat
const MUL4 = simd(0xb5); // i32x4.mul (wrapping)
const ADD4 = simd(0xae); // i32x4.add (wrapping)
const SHR_S4 = simd(0xac); // i32x4.shr_s
const NARROW_S16 = simd(0x85); // i16x8.narrow_i32x4_s (saturating)
const NARROW_U8 = simd(0x66); // i8x16.narrow_i16x8_u (saturating to 0..255)
const LANE0 = simd(0x1b, 0); // i32x4.extract_lane 0

/** while (n--) { acc += pixel(p) * splat(*kp); p += step; kp += 4 } */
function taps(n: number, p: number, kp: number, acc: number, step: number[]): number[] {
  // prettier-ignore
  return [
    ...BLOCK, ...LOOP,
    ...get(n), EQZ, ...BR_IF(1),
    ...get(acc),
    ...get(p), ...LOAD8X8_U, ...EXTEND_LOW_U16,
    ...get(kp), ...LOAD(0), ...SPLAT,
    ...MUL4, ...ADD4, ...set(acc),
    ...get(p), ...step, ADD, ...set(p),
    ...get(kp), ...i32(4), ADD, ...set(kp),
    ...get(n), ...i32(1), SUB, ...set(n),
    ...BR(0),
    END, END,
  ];
}

/** clip8 of acc's lanes as 4 bytes in an i32 (R in the low byte); acc is clobbered. */
function clipped(acc: number, prec: number): number[] {
  // prettier-ignore
  return [
    ...get(acc), ...get(prec), ...SHR_S4, ...tee(acc), ...get(acc), ...NARROW_S16,
    ...tee(acc), ...get(acc), ...NARROW_U8, ...LANE0,
  ];
}

/** half = splat(1 << (prec - 1)) */
const half = (prec: number, to: number) => [
  ...i32(1),
  ...get(prec),
  ...i32(1),
  SUB,
  SHL,
  ...SPLAT,
  ...set(to),
];

// h: params 0 src, 1 inW, 2 row0, 3 rows, 4 x0, 5 w, 6 bounds, 7 coeffs, 8 ksize, 9 prec, 10 out
const H = { y: 11, xx: 12, xend: 13, n: 14, p: 15, kp: 16, row: 17, t: 18, acc: 19, half: 20 };
// prettier-ignore
const H_BODY = [
  0x02, 0x08, 0x7f, 0x02, 0x7b, // locals: 8 x i32, 2 x v128
  ...half(9, H.half),
  ...get(4), ...get(5), ADD, ...set(H.xend),
  ...get(0), ...get(2), ...get(1), MUL, ...i32(2), SHL, ADD, ...set(H.row),
  ...BLOCK, ...LOOP,
  ...get(H.y), ...get(3), GE_U, ...BR_IF(1),
  ...get(4), ...set(H.xx),
  ...BLOCK, ...LOOP,
  ...get(H.xx), ...get(H.xend), GE_U, ...BR_IF(1),
  ...get(6), ...get(H.xx), ...i32(3), SHL, ADD, ...tee(H.t),
  ...LOAD(0), ...i32(2), SHL, ...get(H.row), ADD, ...set(H.p),
  ...get(H.t), ...LOAD(4), ...set(H.n),
  ...get(7), ...get(H.xx), ...get(8), MUL, ...i32(2), SHL, ADD, ...set(H.kp),
  ...get(H.half), ...set(H.acc),
  ...taps(H.n, H.p, H.kp, H.acc, i32(4)),
  ...get(10), ...clipped(H.acc, 9), ...STORE_UNALIGNED,
  ...get(10), ...i32(4), ADD, ...set(10),
  ...get(H.xx), ...i32(1), ADD, ...set(H.xx),
  ...BR(0),
  END, END,
  ...get(H.row), ...get(1), ...i32(2), SHL, ADD, ...set(H.row),
  ...get(H.y), ...i32(1), ADD, ...set(H.y),
  ...BR(0),
  END, END,
  END,
];

// v: params 0 tmp, 1 w, 2 bounds, 3 coeffs, 4 ksize, 5 prec, 6 row0, 7 y0, 8 h, 9 out
const V = { yy: 10, yend: 11, x: 12, n: 13, p: 14, kp: 15, base: 16, t: 17, stride: 18, kp0: 19 };
const V2 = { n0: 20, acc: 21, half: 22 };
// prettier-ignore
const V_BODY = [
  0x02, 0x0b, 0x7f, 0x02, 0x7b, // locals: 11 x i32, 2 x v128
  ...half(5, V2.half),
  ...get(7), ...get(8), ADD, ...set(V.yend),
  ...get(1), ...i32(2), SHL, ...set(V.stride),
  ...get(7), ...set(V.yy),
  ...BLOCK, ...LOOP,
  ...get(V.yy), ...get(V.yend), GE_U, ...BR_IF(1),
  ...get(2), ...get(V.yy), ...i32(3), SHL, ADD, ...tee(V.t),
  ...LOAD(0), ...get(6), SUB, ...get(V.stride), MUL, ...get(0), ADD, ...set(V.base),
  ...get(V.t), ...LOAD(4), ...set(V2.n0),
  ...get(3), ...get(V.yy), ...get(4), MUL, ...i32(2), SHL, ADD, ...set(V.kp0),
  ...i32(0), ...set(V.x),
  ...BLOCK, ...LOOP,
  ...get(V.x), ...get(1), GE_U, ...BR_IF(1),
  ...get(V.base), ...get(V.x), ...i32(2), SHL, ADD, ...set(V.p),
  ...get(V.kp0), ...set(V.kp),
  ...get(V2.n0), ...set(V.n),
  ...get(V2.half), ...set(V2.acc),
  ...taps(V.n, V.p, V.kp, V2.acc, get(V.stride)),
  ...get(9), ...clipped(V2.acc, 5), ...STORE_UNALIGNED,
  ...get(9), ...i32(3), ADD, ...set(9),
  ...get(V.x), ...i32(1), ADD, ...set(V.x),
  ...BR(0),
  END, END,
  ...get(V.yy), ...i32(1), ADD, ...set(V.yy),
  ...BR(0),
  END, END,
  END,
];

const params = (n: number) => [0x60, n, ...new Array<number>(n).fill(0x7f), 0];

/** The module's bytes (exported for tests). */
// prettier-ignore
export const RESAMPLE_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [2, ...params(11), ...params(10)]), // types: h (11 x i32), v (10 x i32)
  ...section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x00, 0x01]), // import memory, min 1
  ...section(3, [2, 0, 1]), // functions h, v
  ...section(7, [2, ...name('h'), 0x00, 0, ...name('v'), 0x00, 1]),
  ...section(10, [2, ...leb(H_BODY.length), ...H_BODY, ...leb(V_BODY.length), ...V_BODY]),
]);

// --- the runner --------------------------------------------------------------------------------

type Pass = (...args: number[]) => void;
interface Kernel {
  memory: WebAssembly.Memory;
  h: Pass;
  v: Pass;
}

const PAGE = 65536;
/** The kept kernel's memory grows to this at most; a larger picture gets a memory of its own,
 * dropped after the call (a WebAssembly memory never shrinks). */
const KEEP_MAX = 16 * 1024 * 1024;

let compiled: WebAssembly.Module | null | undefined;
let kept: Kernel | null = null;

function instantiate(bytes: number): Kernel | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(RESAMPLE_WASM);
    } catch {
      compiled = null; // no WebAssembly, or no SIMD
    }
  }
  if (!compiled) return null;
  try {
    const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
    const { exports } = new WebAssembly.Instance(compiled, { env: { mem: memory } });
    return { memory, h: exports.h as Pass, v: exports.v as Pass };
  } catch {
    return null;
  }
}

/** A kernel whose memory holds `bytes`, or null where WebAssembly SIMD or the memory is missing. */
function kernelFor(bytes: number): Kernel | null {
  if (bytes > KEEP_MAX) return instantiate(bytes);
  if (kept && kept.memory.buffer.byteLength < bytes) {
    try {
      kept.memory.grow(Math.ceil((bytes - kept.memory.buffer.byteLength) / PAGE));
    } catch {
      return null;
    }
  }
  kept ??= instantiate(bytes);
  return kept;
}

/** Whether the SIMD passes can run here. */
export function simdResampleAvailable(): boolean {
  return kernelFor(0) !== null;
}

export interface PassCoeffs {
  ksize: number;
  bounds: Int32Array;
  coeffs: Int32Array;
  precision: number;
}

/**
 * Both passes over RGBA `src` (inW wide): source rows [row0, row0 + rows) through the horizontal
 * pass into columns [x0, x0 + w), then output rows [y0, y0 + h) through the vertical pass.
 * Returns interleaved RGB bytes [h, w, 3], or null when the kernel is missing or its memory cannot
 * grow (the caller then runs the JavaScript passes).
 */
export function resampleSimd(
  src: Uint8Array | Uint8ClampedArray,
  inW: number,
  hc: PassCoeffs,
  vc: PassCoeffs,
  row0: number,
  rows: number,
  x0: number,
  y0: number,
  w: number,
  h: number,
): Uint8Array | null {
  const SLACK = 16; // load8x8_u reads 4 bytes past a pixel
  let at = 0;
  const place = (bytes: number) => {
    const off = at;
    at += (bytes + SLACK + 15) & ~15;
    return off;
  };
  const srcOff = place(src.length);
  const hb = place(hc.bounds.byteLength);
  const hk = place(hc.coeffs.byteLength);
  const vb = place(vc.bounds.byteLength);
  const vk = place(vc.coeffs.byteLength);
  const tmp = place(rows * w * 4);
  const out = place(h * w * 3);
  const k = kernelFor(at);
  if (!k) return null;
  const buf = k.memory.buffer;
  new Uint8Array(buf, srcOff, src.length).set(src);
  new Int32Array(buf, hb, hc.bounds.length).set(hc.bounds);
  new Int32Array(buf, hk, hc.coeffs.length).set(hc.coeffs);
  new Int32Array(buf, vb, vc.bounds.length).set(vc.bounds);
  new Int32Array(buf, vk, vc.coeffs.length).set(vc.coeffs);
  k.h(srcOff, inW, row0, rows, x0, w, hb, hk, hc.ksize, hc.precision, tmp);
  k.v(tmp, w, vb, vk, vc.ksize, vc.precision, row0, y0, h, out);
  return new Uint8Array(buf, out, h * w * 3).slice();
}
