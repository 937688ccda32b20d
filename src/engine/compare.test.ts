import { describe, expect, it } from 'vitest';
import { agrees, compareTokens, probeInput } from './compare';

describe('compareTokens', () => {
  const ref = probeInput(4, 8).subarray(0, 64); // 8 tokens of dim 8

  it('accepts identical outputs', () => {
    const a = compareTokens(ref.slice(), ref, 8);
    expect(a.maxAbsDiff).toBe(0);
    expect(a.minCosine).toBeCloseTo(1, 6);
    expect(agrees(a, 'fp32')).toBe(true);
  });

  it('rejects zeros, NaN and random outputs', () => {
    expect(agrees(compareTokens(new Float32Array(64), ref, 8), 'quantized')).toBe(false);
    const nan = ref.slice();
    nan[5] = NaN;
    expect(agrees(compareTokens(nan, ref, 8), 'quantized')).toBe(false);
    const other = probeInput(8, 8).subarray(100, 164);
    expect(agrees(compareTokens(other, ref, 8), 'quantized')).toBe(false);
  });

  it('tolerates fp16-sized noise for fp16 but not for fp32', () => {
    const noisy = ref.map((v, i) => v + (i % 2 ? 1 : -1) * 2e-3 * Math.abs(v));
    const a = compareTokens(noisy, ref, 8);
    expect(agrees(a, 'fp16')).toBe(true);
    expect(agrees(a, 'fp32')).toBe(false);
  });
});
