/**
 * Compares a backend's output with the WASM reference on the load-time probe. Per-token cosine
 * similarity catches the failure users actually meet (near-random or zeroed embeddings on a GPU);
 * the max difference, relative to the output's scale, catches subtler drift.
 */
export interface Agreement {
  maxAbsDiff: number;
  /** max |diff| / max |reference|. */
  relDiff: number;
  minCosine: number;
  finite: boolean;
}

export function compareTokens(a: Float32Array, ref: Float32Array, dim: number): Agreement {
  if (a.length !== ref.length) {
    return { maxAbsDiff: Infinity, relDiff: Infinity, minCosine: -1, finite: false };
  }
  let maxAbsDiff = 0;
  let maxAbs = 0;
  let finite = true;
  let minCosine = 1;
  for (let t = 0; t < a.length; t += dim) {
    let dot = 0;
    let na = 0;
    let nr = 0;
    for (let i = t; i < t + dim; i++) {
      const x = a[i];
      const y = ref[i];
      if (!Number.isFinite(x)) finite = false;
      const d = Math.abs(x - y);
      if (d > maxAbsDiff || Number.isNaN(d)) maxAbsDiff = Number.isNaN(d) ? Infinity : d;
      if (Math.abs(y) > maxAbs) maxAbs = Math.abs(y);
      dot += x * y;
      na += x * x;
      nr += y * y;
    }
    const cos = na === 0 && nr === 0 ? 1 : dot / Math.sqrt(na * nr || 1e-30);
    if (!(cos >= minCosine)) minCosine = Number.isNaN(cos) ? -1 : cos;
  }
  return { maxAbsDiff, relDiff: maxAbsDiff / Math.max(maxAbs, 1e-12), minCosine, finite };
}

export type Variant = 'fp32' | 'fp16' | 'quantized';

/**
 * How close a backend must come to WASM on the same model. Both run the same weights, so the
 * budget covers only kernel differences: tight for fp32, wider where fp16 arithmetic or
 * dynamic quantization on another device enter.
 */
export const TOLERANCE: Record<Variant, { minCosine: number; relDiff: number }> = {
  fp32: { minCosine: 0.9999, relDiff: 1e-3 },
  fp16: { minCosine: 0.995, relDiff: 3e-2 },
  quantized: { minCosine: 0.98, relDiff: 1e-1 },
};

export function agrees(a: Agreement, variant: Variant): boolean {
  const t = TOLERANCE[variant];
  return a.finite && a.minCosine >= t.minCosine && a.relDiff <= t.relDiff;
}

/** A deterministic probe input in the normalized-pixel range, [3, h, w]. */
export function probeInput(h: number, w: number): Float32Array {
  const out = new Float32Array(3 * h * w);
  let s = 0x2545f491;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 4 - 2;
  }
  return out;
}
