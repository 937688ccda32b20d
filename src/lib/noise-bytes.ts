/**
 * Deterministic bytes that are neither text nor any file format (xorshift32), for tests that feed
 * garbage to a reader: the same seed gives the same bytes, so a failure reproduces.
 */
export function noiseBytes(n: number, seed = 2463534242): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
