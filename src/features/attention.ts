/**
 * Attention maps from one layer's attention probabilities, `[heads, T, T]` float32 row-major
 * (row = query token, softmax over keys), laid out as in `TokenLayout`: CLS, R registers, then
 * rows x cols patch tokens.
 *
 * The DINO visualisation (DINO v1 `visualize_attention.py`) takes the CLS row of each head,
 * `attn[h, 0, 1 + R:]`, reshaped to the patch grid, and masks it with `massMask`.
 */
import type { TokenLayout } from './tokens';

export interface AttentionRows {
  /** `[heads, rows * cols]`: the query's attention to each patch, per head. */
  perHead: Float32Array;
  /** `[rows * cols]`: `perHead` averaged over heads. */
  mean: Float32Array;
  /** `[heads]`: share of the query's attention mass (row sum) that goes to register tokens. */
  toRegisters: Float32Array;
  /** `[heads]`: share of the query's attention mass that goes to the CLS token. */
  toCls: Float32Array;
}

export interface RegisterRows {
  /** `[R, rows * cols]`: head-mean attention of each register token to each patch. */
  perRegister: Float32Array;
  /**
   * Mean over all queries and heads of the share of each attention row that goes to register
   * tokens. 0 without registers.
   */
  massToRegisters: number;
}

function checkShape(attn: Float32Array, heads: number, tokens: number, layout: TokenLayout): void {
  if (!Number.isInteger(heads) || heads < 1) throw new Error(`Bad head count ${heads}.`);
  if (tokens !== layout.tokens) {
    throw new Error(`Attention has ${tokens} tokens but the layout has ${layout.tokens}.`);
  }
  if (attn.length !== heads * tokens * tokens) {
    throw new Error(
      `Attention has ${attn.length} values, expected ${heads} x ${tokens} x ${tokens} = ` +
        `${heads * tokens * tokens}.`,
    );
  }
}

/** Sum of `attn[start, end)` in float64. */
function sum(attn: Float32Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i++) s += attn[i];
  return s;
}

/**
 * The attention of token `query` (0 = CLS, `patchStart + p` for patch p) to the patch grid, per
 * head and averaged over heads, and the share of its mass that goes to registers and to CLS.
 * Shares are relative to the row sum (1 for exact softmax); a zero row gives shares of 0.
 */
export function attentionRows(
  attn: Float32Array,
  heads: number,
  tokens: number,
  query: number,
  layout: TokenLayout,
): AttentionRows {
  checkShape(attn, heads, tokens, layout);
  if (!Number.isInteger(query) || query < 0 || query >= tokens) {
    throw new Error(`Query token ${query} is outside 0..${tokens - 1}.`);
  }
  const n = layout.rows * layout.cols;
  const { patchStart, registers } = layout;
  const perHead = new Float32Array(heads * n);
  const meanSum = new Float64Array(n);
  const toRegisters = new Float32Array(heads);
  const toCls = new Float32Array(heads);
  for (let h = 0; h < heads; h++) {
    const row = (h * tokens + query) * tokens;
    for (let p = 0; p < n; p++) {
      const v = attn[row + patchStart + p];
      perHead[h * n + p] = v;
      meanSum[p] += v;
    }
    const total = sum(attn, row, row + tokens);
    if (total > 0) {
      toCls[h] = attn[row] / total;
      toRegisters[h] = sum(attn, row + 1, row + 1 + registers) / total;
    }
  }
  const mean = new Float32Array(n);
  for (let p = 0; p < n; p++) mean[p] = meanSum[p] / heads;
  return { perHead, mean, toRegisters, toCls };
}

/**
 * What the register tokens attend to (head mean over the patch grid, per register) and how much
 * attention, over all queries and heads, lands on registers.
 */
export function registerRows(
  attn: Float32Array,
  heads: number,
  tokens: number,
  layout: TokenLayout,
): RegisterRows {
  checkShape(attn, heads, tokens, layout);
  const n = layout.rows * layout.cols;
  const { patchStart, registers } = layout;
  const acc = new Float64Array(registers * n);
  for (let h = 0; h < heads; h++) {
    for (let r = 0; r < registers; r++) {
      const row = (h * tokens + 1 + r) * tokens + patchStart;
      for (let p = 0; p < n; p++) acc[r * n + p] += attn[row + p];
    }
  }
  const perRegister = new Float32Array(registers * n);
  for (let i = 0; i < acc.length; i++) perRegister[i] = acc[i] / heads;

  let shares = 0;
  if (registers > 0) {
    for (let h = 0; h < heads; h++) {
      for (let q = 0; q < tokens; q++) {
        const row = (h * tokens + q) * tokens;
        const total = sum(attn, row, row + tokens);
        if (total > 0) shares += sum(attn, row + 1, row + 1 + registers) / total;
      }
    }
  }
  return { perRegister, massToRegisters: shares / (heads * tokens) };
}

/**
 * The DINO mass-threshold mask (1 = kept): sort the values ascending, normalise them to sum 1,
 * take the cumulative sum and keep the entries whose cumulative sum is `> 1 - keep`. The kept set
 * is the smallest set of largest values holding at least a `keep` share of the mass.
 *
 * - Ties are ordered by index (stable ascending sort), so of equal values the lower index is
 *   dropped first; the result does not depend on the sort implementation.
 * - Attention values are non-negative; negative and NaN values count as 0 mass.
 * - `keep <= 0` keeps nothing; `keep >= 1` keeps every entry with a value > 0.
 * - All-zero (or empty) maps keep nothing.
 *
 * The cumulative sum runs in float64 and the total is its last element, so the largest value
 * always has a normalised cumulative sum of exactly 1.
 */
export function massMask(values: Float32Array, keep: number): Uint8Array {
  const n = values.length;
  const mask = new Uint8Array(n);
  if (!(keep > 0) || n === 0) return mask;
  const mass = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    mass[i] = v > 0 ? v : 0;
  }
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => mass[a] - mass[b] || a - b);
  const cum = new Float64Array(n);
  let acc = 0;
  for (let k = 0; k < n; k++) {
    acc += mass[order[k]];
    cum[k] = acc;
  }
  const total = cum[n - 1];
  if (!(total > 0)) return mask;
  const threshold = 1 - Math.min(keep, 1);
  for (let k = 0; k < n; k++) {
    if (cum[k] / total > threshold) mask[order[k]] = 1;
  }
  return mask;
}

/** The lowest and highest finite values (null when none is finite). */
export function finiteRange(values: Float32Array): { lo: number; hi: number } | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? { lo, hi } : null;
}

/**
 * Min-max normalisation to [0, 1]. A constant map (or one with fewer than two finite values)
 * becomes all 0; NaN stays NaN, ±Infinity is clamped to 0 or 1.
 */
export function normalise(values: Float32Array): Float32Array {
  const { lo, hi } = finiteRange(values) ?? { lo: 0, hi: 0 };
  const out = new Float32Array(values.length);
  const range = hi - lo;
  if (!(range > 0)) {
    for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) out[i] = NaN;
    return out;
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === Infinity ? 1 : v === -Infinity ? 0 : (v - lo) / range;
  }
  return out;
}
