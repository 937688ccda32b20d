/**
 * The attention view's status line. It describes the maps on screen (the result's own layer and
 * query), and says what is computing when that differs: a newly clicked patch must not be named
 * as the maps' query before its attention has arrived.
 */
import type { AttentionResult } from '../../engine/protocol';

type Grid = Pick<AttentionResult, 'registers' | 'cols'>;

/** A query token by name, and as it goes into a file name. */
export function queryName(query: number, grid: Grid): { label: string; file: string } {
  if (query === 0) return { label: 'CLS', file: 'cls' };
  if (query <= grid.registers) return { label: `register ${query}`, file: `register${query}` };
  const patch = query - 1 - grid.registers;
  const [row, col] = [Math.floor(patch / grid.cols) + 1, (patch % grid.cols) + 1];
  return { label: `patch (row ${row}, column ${col})`, file: `patch-r${row}-c${col}` };
}

export interface StatusInput {
  /** The maps on screen (this image's latest result), if any. */
  shown: AttentionResult | null;
  computing: boolean;
  /** The layer and query asked for. */
  layer: number;
  query: number;
}

export function attentionStatus({ shown, computing, layer, query }: StatusInput): string {
  if (!shown) return computing ? 'Computing attention…' : '';
  const ofShown = queryName(shown.query, shown);
  let pending = '';
  if (shown.layer !== layer) {
    pending = `Computing Layer ${layer + 1}… (the maps below are Layer ${shown.layer + 1}) · `;
  } else if (shown.query !== query) {
    pending = `Computing ${queryName(query, shown).label}… (the maps below are of ${ofShown.label}) · `;
  } else if (computing) {
    pending = 'Computing… · ';
  }
  // Two shares, each said for whom: all tokens' (the registers' role in the whole layer) and the
  // shown query's (head mean), the one the heads' labels give per head.
  let own = 0;
  for (const v of shown.toRegisters) own += v;
  own /= Math.max(1, shown.toRegisters.length);
  const registers =
    shown.registers > 0
      ? ` · the ${shown.registers} registers take ${(shown.massToRegisters * 100).toFixed(1)}% of ` +
        `all tokens' attention, ${(own * 100).toFixed(1)}% of ${ofShown.label}'s (head mean)`
      : '';
  const hint =
    shown.query === 0 && query === 0
      ? ' · click a patch (or use the arrow keys and Enter on the map) to see its attention'
      : '';
  return (
    pending +
    `Layer ${shown.layer + 1} of ${shown.layers}, ${shown.heads} heads, attention of ${ofShown.label}` +
    registers +
    hint
  );
}
