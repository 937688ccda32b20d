/**
 * Per-image descriptors for retrieval, from the token matrix [T, D] laid out as
 * [CLS, registers, patches]: the CLS token and the mean of the patch tokens, each L2-normalised.
 */

export interface Descriptors {
  cls: Float32Array;
  mean: Float32Array;
}

export function descriptorsOf(
  tokens: Float32Array,
  tokenCount: number,
  dim: number,
  patchStart: number,
): Descriptors {
  const cls = unit(tokens.slice(0, dim));
  const mean = new Float32Array(dim);
  const patches = tokenCount - patchStart;
  for (let t = patchStart; t < tokenCount; t++) {
    const o = t * dim;
    for (let j = 0; j < dim; j++) mean[j] += tokens[o + j];
  }
  if (patches > 0) for (let j = 0; j < dim; j++) mean[j] /= patches;
  return { cls, mean: unit(mean) };
}

/** L2-normalises in place (zero stays zero) and returns the array. */
export function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let j = 0; j < v.length; j++) v[j] *= inv;
  return v;
}
