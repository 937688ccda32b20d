import { describe, expect, it } from 'vitest';
import { normaliseRows, topK, topOf } from './knn';
import { DOTS_WASM, rowMatrix } from './row-matrix';

function random(seed: number): () => number {
  return () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
}

/** query · row in float64, the reference. */
function reference(data: Float32Array, n: number, d: number, q: Float32Array): number[] {
  return Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += data[i * d + j] * q[j];
    return s;
  });
}

describe('rowMatrix', () => {
  it('has a kernel this runtime accepts', () => {
    expect(WebAssembly.validate(DOTS_WASM)).toBe(true);
  });

  it.each([
    { n: 37, d: 12, simd: true },
    { n: 300, d: 768, simd: true },
    { n: 1, d: 4, simd: true },
    { n: 29, d: 13, simd: false }, // not a multiple of 4: the JavaScript loop
  ])('gives every row’s dot product ($n x $d, SIMD: $simd)', ({ n, d, simd }) => {
    const rand = random(n * d);
    const m = rowMatrix(n, d);
    expect(m.simd).toBe(simd);
    for (let i = 0; i < n * d; i++) m.data[i] = rand();
    const plain = rowMatrix(n, d, { simd: false });
    plain.data.set(m.data);
    // Two queries: the second call must not see the first's scores.
    for (let r = 0; r < 2; r++) {
      const q = Float32Array.from({ length: d }, rand);
      const want = reference(m.data, n, d, q);
      const got = m.dots(q);
      expect(got.length).toBe(n);
      const slack = 1e-5 * Math.sqrt(d);
      want.forEach((w, i) => expect(Math.abs(got[i] - w)).toBeLessThan(slack));
      const js = plain.dots(q);
      want.forEach((w, i) => expect(Math.abs(js[i] - w)).toBeLessThan(slack));
    }
  });

  it('ranks like topK over a plain array', () => {
    const rand = random(5);
    const n = 2000;
    const d = 64;
    const data = normaliseRows(Float32Array.from({ length: n * d }, rand), n, d);
    const m = rowMatrix(n, d);
    m.data.set(data);
    for (let r = 0; r < 5; r++) {
      const q = normaliseRows(Float32Array.from({ length: d }, rand), 1, d);
      expect([...topOf(m.dots(q), 10, (i) => i === r).index]).toEqual([
        ...topK(data, n, d, q, 10, (i) => i === r).index,
      ]);
    }
  });

  it('handles no rows and refuses a query of another length', () => {
    expect(rowMatrix(0, 8).dots(new Float32Array(8)).length).toBe(0);
    expect([...rowMatrix(2, 0).dots(new Float32Array(0))]).toEqual([0, 0]); // an empty index's shape
    expect(() => rowMatrix(3, 8).dots(new Float32Array(7))).toThrow(RangeError);
    expect(() => rowMatrix(-1, 8)).toThrow(RangeError);
  });
});
