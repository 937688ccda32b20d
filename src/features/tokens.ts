/**
 * The token layout of a DINOv2 output: [CLS, R registers, rows x cols patches], row-major.
 * R comes from the graph when it can tell, otherwise from the token count at run time.
 */
export interface TokenLayout {
  tokens: number;
  registers: number;
  rows: number;
  cols: number;
  /** Index of the first patch token. */
  patchStart: number;
}

export function tokenLayout(
  tokens: number,
  rows: number,
  cols: number,
  registersFromGraph: number | null,
): TokenLayout {
  const registers = tokens - 1 - rows * cols;
  if (registers < 0 || registers > 64) {
    throw new Error(
      `The model returned ${tokens} tokens, which do not fit a grid of ${rows}x${cols} patches ` +
        'with a CLS token. It may not be a ViT patch-token model.',
    );
  }
  if (registersFromGraph !== null && registersFromGraph !== registers) {
    throw new Error(
      `The model returned ${tokens} tokens: ${registers} extra tokens for a ${rows}x${cols} grid, ` +
        `but its graph has ${registersFromGraph} register tokens.`,
    );
  }
  return { tokens, registers, rows, cols, patchStart: 1 + registers };
}

/** A view of the patch tokens, [rows * cols, dim], without copying. */
export function patchTokens(data: Float32Array, layout: TokenLayout, dim: number): Float32Array {
  return data.subarray(layout.patchStart * dim, layout.tokens * dim);
}
