import { describe, expect, it } from 'vitest';
import { attentionRows, massMask, normalise, registerRows } from './attention';
import { tokenLayout } from './tokens';

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// heads = 2, R = 4, 2x3 grid: T = 1 + 4 + 6 = 11, patchStart = 5.
const H = 2;
const T = 11;
const layout = tokenLayout(T, 2, 3, 4);

/** Rows given as integer weights [CLS, 4 registers, 6 patches], normalised to sum 1. */
function setRow(attn: Float32Array, h: number, q: number, weights: number[]): void {
  const total = weights.reduce((a, b) => a + b, 0);
  weights.forEach((w, k) => (attn[(h * T + q) * T + k] = w / total));
}

function handMade(): Float32Array {
  const attn = new Float32Array(H * T * T);
  // Every row defaults to CLS 2, registers 1 each, patches 1 each (register share 4/12).
  for (let h = 0; h < H; h++) {
    for (let q = 0; q < T; q++) setRow(attn, h, q, [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  }
  // CLS rows (dyadic, so exact in float32).
  setRow(attn, 0, 0, [8, 4, 4, 4, 4, 1, 2, 3, 4, 5, 25]);
  setRow(attn, 1, 0, [0, 8, 0, 0, 0, 8, 8, 8, 8, 8, 16]);
  // Register r: head 0 puts 1 on itself and 3 on patch r; head 1 puts 2 on itself, 1 on each patch.
  for (let r = 0; r < 4; r++) {
    const w0 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    w0[1 + r] = 1;
    w0[5 + r] = 3;
    setRow(attn, 0, 1 + r, w0);
    const w1 = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
    w1[1 + r] = 2;
    setRow(attn, 1, 1 + r, w1);
  }
  return attn;
}

describe('attentionRows', () => {
  it('reads the CLS row per head, the head mean and the register / CLS shares', () => {
    const a = attentionRows(handMade(), H, T, 0, layout);
    expect(Array.from(a.perHead)).toEqual(
      [1, 2, 3, 4, 5, 25, 8, 8, 8, 8, 8, 16].map((w) => w / 64),
    );
    expect(Array.from(a.mean)).toEqual([9, 10, 11, 12, 13, 41].map((w) => w / 128));
    expect(Array.from(a.toRegisters)).toEqual([0.25, 0.125]);
    expect(Array.from(a.toCls)).toEqual([0.125, 0]);
  });

  it('reads a patch query row', () => {
    const attn = handMade();
    setRow(attn, 0, 5 + 4, [4, 2, 0, 0, 2, 0, 0, 0, 0, 8, 0]);
    const a = attentionRows(attn, H, T, layout.patchStart + 4, layout);
    expect(Array.from(a.perHead.subarray(0, 6))).toEqual([0, 0, 0, 0, 0.5, 0]);
    expect(a.toCls[0]).toBe(0.25);
    expect(a.toRegisters[0]).toBe(0.25);
    expect(a.toCls[1]).toBeCloseTo(2 / 12, 6);
    expect(a.toRegisters[1]).toBeCloseTo(4 / 12, 6);
  });

  it('has no register share without registers', () => {
    const l = tokenLayout(5, 2, 2, 0);
    const attn = new Float32Array(5 * 5).fill(0.2);
    const a = attentionRows(attn, 1, 5, 0, l);
    expect(Array.from(a.toRegisters)).toEqual([0]);
    expect(a.toCls[0]).toBeCloseTo(0.2, 6);
    expect(a.perHead.length).toBe(4);
  });

  it('refuses mismatched shapes and queries', () => {
    const attn = handMade();
    expect(() => attentionRows(attn, 3, T, 0, layout)).toThrow(/values/);
    expect(() => attentionRows(attn, H, T, T, layout)).toThrow(/Query/);
    expect(() => attentionRows(attn, H, 12, 0, layout)).toThrow(/tokens/);
  });
});

describe('registerRows', () => {
  it('averages each register row over heads and measures the mass on registers', () => {
    const { perRegister, massToRegisters } = registerRows(handMade(), H, T, layout);
    expect(perRegister.length).toBe(4 * 6);
    for (let r = 0; r < 4; r++) {
      for (let p = 0; p < 6; p++) {
        // (0.75 * [p == r] + 0.125) / 2
        expect(perRegister[r * 6 + p]).toBe(p === r ? 0.4375 : 0.0625);
      }
    }
    // CLS rows 0.25 and 0.125, 8 register rows at 0.25, 12 patch rows at 1/3; 22 rows in all.
    expect(massToRegisters).toBeCloseTo((0.25 + 0.125 + 8 * 0.25 + 12 / 3) / 22, 6);
  });

  it('is empty without registers', () => {
    const attn = new Float32Array(2 * 5 * 5).fill(0.2);
    const r = registerRows(attn, 2, 5, tokenLayout(5, 2, 2, 0));
    expect(r.perRegister.length).toBe(0);
    expect(r.massToRegisters).toBe(0);
  });
});

/** The reference, literally: sort ascending, normalise, cumsum, keep cumsum > 1 - t. */
function referenceMask(values: Float32Array, t: number): Uint8Array {
  const idx = Array.from(values.keys()).sort((a, b) => values[a] - values[b] || a - b);
  const total = values.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(values.length);
  let cum = 0;
  for (const i of idx) {
    cum += values[i] / total;
    if (cum > 1 - t) out[i] = 1;
  }
  return out;
}

describe('massMask', () => {
  it('keeps the patches holding the top share of the mass', () => {
    // Sorted asc 0.1, 0.1, 0.3, 0.5 -> cumsum 0.1, 0.2, 0.5, 1.0; > 0.4 keeps 0.3 and 0.5.
    const m = massMask(Float32Array.from([0.5, 0.3, 0.1, 0.1]), 0.6);
    expect(Array.from(m)).toEqual([1, 1, 0, 0]);
  });

  it('keeps none at keep 0 and every non-zero patch at keep 1', () => {
    const v = Float32Array.from([0, 0.2, 0, 0.8, 1e-9]);
    expect(Array.from(massMask(v, 0))).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(massMask(v, -1))).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(massMask(v, 1))).toEqual([0, 1, 0, 1, 1]);
    expect(Array.from(massMask(v, 2))).toEqual([0, 1, 0, 1, 1]);
  });

  it('drops the lower index first among ties, and keeps nothing of an empty map', () => {
    // cumsum 0.25, 0.5, 0.75, 1: > 0.5 keeps the last two in sorted (index) order.
    expect(Array.from(massMask(Float32Array.from([0.25, 0.25, 0.25, 0.25]), 0.5))).toEqual([
      0, 0, 1, 1,
    ]);
    expect(Array.from(massMask(new Float32Array(3), 0.6))).toEqual([0, 0, 0]);
    expect(massMask(new Float32Array(0), 0.6).length).toBe(0);
    // Negative values carry no mass.
    expect(Array.from(massMask(Float32Array.from([-5, 0.4, 0.6]), 0.6))).toEqual([0, 0, 1]);
  });

  it('matches the reference rule and holds the minimal share on random maps', () => {
    const rand = rng(7);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rand() * 300);
      const values = Float32Array.from({ length: n }, () => rand() ** 3);
      const keep = [0.1, 0.3, 0.6, 0.9, rand()][trial % 5];
      const mask = massMask(values, keep);
      expect(Array.from(mask)).toEqual(Array.from(referenceMask(values, keep)));

      const total = values.reduce((a, b) => a + b, 0);
      let kept = 0;
      let smallest = Infinity;
      for (let i = 0; i < n; i++) {
        if (mask[i]) {
          kept += values[i];
          smallest = Math.min(smallest, values[i]);
        }
      }
      expect(kept / total).toBeGreaterThanOrEqual(keep - 1e-9);
      expect((kept - smallest) / total).toBeLessThan(keep + 1e-9);
    }
  });
});

describe('normalise', () => {
  it('maps min..max to 0..1', () => {
    expect(Array.from(normalise(Float32Array.from([2, 4, 3, 6])))).toEqual([0, 0.5, 0.25, 1]);
  });

  it('maps a constant map to 0', () => {
    expect(Array.from(normalise(Float32Array.from([3, 3, 3])))).toEqual([0, 0, 0]);
    expect(normalise(new Float32Array(0)).length).toBe(0);
  });

  it('ignores non-finite values for the range', () => {
    const out = normalise(Float32Array.from([NaN, 1, 3, Infinity]));
    expect(Number.isNaN(out[0])).toBe(true);
    expect(Array.from(out.subarray(1))).toEqual([0, 1, 1]);
  });
});
