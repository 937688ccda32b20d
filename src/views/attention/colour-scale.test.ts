import { describe, expect, it } from 'vitest';
import { scaleWords, share, valueRange } from './colour-scale';

describe('the attention colour scale', () => {
  it('reads the finite range of a map', () => {
    expect(valueRange(Float32Array.from([0.2, NaN, 0.05, Infinity, 0.4]))).toEqual({
      lo: Math.fround(0.05),
      hi: Math.fround(0.4),
    });
    expect(valueRange(Float32Array.from([NaN]))).toBeNull();
  });

  it('gives shares of the query attention to two significant digits', () => {
    expect(share(0.0042)).toBe('0.42%');
    expect(share(0.019)).toBe('1.9%');
    expect(share(0.5)).toBe('50.0%');
    expect(share(0)).toBe('0.0%');
  });

  it('says both ends, or that the map is flat', () => {
    expect(scaleWords('inferno', { lo: 0.001, hi: 0.02 })).toBe(
      "Colours (inferno): 0.10% (low end) to 2.0% (high end) of the query's attention per patch",
    );
    expect(scaleWords('grey', { lo: 0.25, hi: 0.25 })).toBe(
      "Colours (grey): every patch 25.0% of the query's attention",
    );
  });
});
