/**
 * The few encodings a hand-assembled WebAssembly module needs (the kNN and resample kernels build
 * their bytes with these; no toolchain).
 */

/** Unsigned LEB128. */
export function leb(n: number): number[] {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** Signed LEB128 (i32.const immediates). */
export function sleb(n: number): number[] {
  const out = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

/** A section: its id, then its byte length, then the bytes. */
export const section = (id: number, bytes: number[]): number[] => [
  id,
  ...leb(bytes.length),
  ...bytes,
];

/** A name (import module and field, export): its length, then its characters. */
export const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
