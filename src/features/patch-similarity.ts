/**
 * Cosine similarity between patch tokens: one patch against every patch of some images (the
 * hover map), and whole regions against images (region search). Token matrices are used in
 * place with precomputed row norms, so no normalised copy of every image is kept in memory.
 */

import { dotAt } from './knn';

/**
 * Cosine of `query` (length d) with `count` rows of `tokens` ([*, d]) starting at row `start`.
 * `norms` holds the L2 norm of every row of `tokens` (computed once per image).
 */
export function cosineToRows(
  query: Float32Array,
  tokens: Float32Array,
  d: number,
  start: number,
  count: number,
  norms?: Float32Array,
): Float32Array {
  let qn = 0;
  for (let j = 0; j < d; j++) qn += query[j] * query[j];
  qn = Math.sqrt(qn);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const o = (start + i) * d;
    const dot = dotAt(tokens, o, query, 0, d);
    let rn: number;
    if (norms) rn = norms[start + i];
    else {
      rn = 0;
      for (let t = 0; t < d; t++) rn += tokens[o + t] * tokens[o + t];
      rn = Math.sqrt(rn);
    }
    const den = qn * rn;
    out[i] = den > 0 ? dot / den : 0;
  }
  return out;
}

/** A patch grid inside a token matrix: rows `start .. start + count` of [*, d]. */
export interface PatchSet {
  tokens: Float32Array;
  norms: Float32Array;
  d: number;
  start: number;
  count: number;
}

/**
 * How well a region (some patches of a query image) appears in a target image: for every target
 * patch, its best cosine to any region patch (the heatmap), and the score = mean over region
 * patches of their best cosine in the target.
 */
export function regionMatch(
  query: PatchSet,
  region: number[],
  target: PatchSet,
): { score: number; heat: Float32Array } {
  const heat = new Float32Array(target.count).fill(-1);
  let total = 0;
  const q = new Float32Array(query.d);
  for (const p of region) {
    const o = (query.start + p) * query.d;
    q.set(query.tokens.subarray(o, o + query.d));
    const sims = cosineToRows(q, target.tokens, target.d, target.start, target.count, target.norms);
    let best = -1;
    for (let i = 0; i < sims.length; i++) {
      if (sims[i] > best) best = sims[i];
      if (sims[i] > heat[i]) heat[i] = sims[i];
    }
    total += best;
  }
  return { score: region.length > 0 ? total / region.length : 0, heat };
}
