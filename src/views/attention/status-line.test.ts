import { describe, expect, it } from 'vitest';
import type { AttentionResult } from '../../engine/protocol';
import { attentionStatus, queryName } from './status-line';

const result = (over: Partial<AttentionResult> = {}): AttentionResult => ({
  imageId: 'a',
  layer: 3,
  layers: 4,
  heads: 6,
  tokens: 1 + 4 + 16 * 16,
  registers: 4,
  rows: 16,
  cols: 16,
  query: 0,
  perHead: new Float32Array(0),
  mean: new Float32Array(0),
  toRegisters: Float32Array.from([0.1, 0.2, 0.3, 0.1, 0.2, 0.3]),
  registerMaps: new Float32Array(0),
  massToRegisters: 0.25,
  ...over,
});

describe('queryName', () => {
  it('names CLS, registers and patches by row and column (1-based)', () => {
    const grid = { registers: 4, cols: 16 };
    expect(queryName(0, grid)).toEqual({ label: 'CLS', file: 'cls' });
    expect(queryName(2, grid)).toEqual({ label: 'register 2', file: 'register2' });
    expect(queryName(5, grid).label).toBe('patch (row 1, column 1)');
    expect(queryName(5 + 16 + 2, grid)).toEqual({
      label: 'patch (row 2, column 3)',
      file: 'patch-r2-c3',
    });
    expect(queryName(1 + 20, { registers: 0, cols: 16 }).label).toBe('patch (row 2, column 5)');
  });
});

describe('attentionStatus', () => {
  it('names the query of the maps on screen, not a newly asked one still computing', () => {
    const line = attentionStatus({ shown: result(), computing: true, layer: 3, query: 5 + 17 });
    expect(line).toMatch(/^Computing patch \(row 2, column 2\)… \(the maps below are of CLS\)/);
    expect(line).toContain('attention of CLS');
    expect(line).not.toContain('attention of patch');
    // No "click a patch" hint while a patch is on its way.
    expect(line).not.toMatch(/click a patch/);
  });

  it('describes a finished patch with its own row and column', () => {
    const line = attentionStatus({
      shown: result({ query: 5 + 17 }),
      computing: false,
      layer: 3,
      query: 5 + 17,
    });
    expect(line).toBe(
      "Layer 4 of 4, 6 heads, attention of patch (row 2, column 2) · the 4 registers take 25.0% of all tokens' attention, 20.0% of patch (row 2, column 2)'s (head mean)",
    );
  });

  it('says which layer computes while another layer is shown', () => {
    const line = attentionStatus({ shown: result(), computing: true, layer: 0, query: 0 });
    expect(line).toMatch(/^Computing Layer 1… \(the maps below are Layer 4\) · Layer 4 of 4/);
  });

  it('marks a recompute of the same maps, and offers the patch hint for CLS', () => {
    const busy = attentionStatus({
      shown: result({ registers: 0 }),
      computing: true,
      layer: 3,
      query: 0,
    });
    expect(busy).toMatch(/^Computing… · Layer 4 of 4, 6 heads, attention of CLS · click a patch/);
    expect(attentionStatus({ shown: null, computing: true, layer: 3, query: 0 })).toBe(
      'Computing attention…',
    );
    expect(attentionStatus({ shown: null, computing: false, layer: 3, query: 0 })).toBe('');
  });
});
