/** "PC1 47.2%, PC2 17.9%, PC3 8.0%": explained-variance ratios as every view words them. */
export function explainedText(ratios: readonly number[]): string {
  return ratios.map((v, i) => `PC${i + 1} ${(v * 100).toFixed(1)}%`).join(', ');
}
