/** The benchmark's pure pieces: timing summaries, targets, and the seeded materializer. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { materialize, tensorValues, uniformStream } from '../../scripts/bench/materialize.mjs';
import {
  bytesPerImage,
  caseComparisons,
  judge,
  markdown,
  median,
  pairedInterval,
  ratio,
  robustVerdict,
  summarize,
} from '../../scripts/bench/stats.mjs';

describe('bench stats', () => {
  it('takes medians of odd and even counts and ignores missing values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([null, 2, undefined, NaN, 4])).toBe(3);
    expect(median([])).toBeNull();
  });

  it('summarizes repeats', () => {
    expect(summarize([3.333, 1, 2])).toEqual({
      median: 2,
      min: 1,
      max: 3.33,
      n: 3,
      values: [3.33, 1, 2],
    });
    expect(summarize([]).median).toBeNull();
    expect(ratio(110, 100)).toBe(1.1);
    expect(ratio(null, 100)).toBeNull();
  });

  it('counts bytes per indexed image', () => {
    const b = bytesPerImage({ tokens: 1025, dim: 384, imageFileBytes: 1000, metadataBytes: 100 });
    expect(b.memory).toBe(1025 * 384 * 2 + 2 * 384 * 4 + 1025 * 4);
    const measured = bytesPerImage({
      tokens: 1025,
      dim: 384,
      collection: { images: 1000, memoryBytes: 9e8 },
    });
    expect(measured.memory).toBe(9e5);
    expect(b.stored).toBe(1025 * 384 * 4 + 100);
    expect(b.storedWithImage).toBe(b.stored + 1000);
  });

  it('judges the targets, open when not measured', () => {
    const t = judge({
      cases: [
        {
          model: 'ViT-S/14',
          resolution: 224,
          backend: 'wasm',
          threads: 1,
          overhead_ratio: 1.05,
          e2e_ms: 90,
          tjs_e2e_ms: 100,
        },
      ],
      features: { knn_query_ms: { median: 25 }, pca_joint_ms: { median: 149 } },
    });
    const by = Object.fromEntries(t.map((x) => [x.key, x.holds]));
    expect(by['overhead_ratio:1']).toBe(true);
    expect(by.knn_query_ms).toBe(false);
    expect(by.pca_joint_ms).toBe(true);
    expect(by.patch_similarity_ms).toBeNull();
    expect(by['faster_than_tjs:ViT-S/14:224:wasm:1']).toBe(true);
  });
});

describe('bench paired intervals', () => {
  const baseResults = {
    machine: { cpu: 'cpu', cores: 2, ramBytes: 2 ** 30, os: 'os', chromium: '1', node: '20' },
    warmup: 2,
    repeats: 5,
    cases: [],
  };
  // Pairs whose ratio is 0.9 give 0.9 every way they are resampled.
  const b = [100, 120, 90, 110, 105, 95, 130];
  const a = b.map((x) => x * 0.9);

  it('gives the median per-pair ratio and a degenerate interval when every pair agrees', () => {
    expect(pairedInterval(a, b)).toEqual({ ratio: 0.9, lo: 0.9, hi: 0.9, n: 7 });
    expect(robustVerdict(pairedInterval(a, b), 1, true)).toBe('yes');
    expect(robustVerdict(pairedInterval(b, a), 1, true)).toBe('no');
  });

  it('widens with noise and narrows with more pairs, the same for the same data', () => {
    const noisy = (n: number) => {
      let s = 7;
      const next = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 0.2;
      const bb = Array.from({ length: n }, (_, i) => 100 + (i % 5));
      return { aa: bb.map((x) => x * (0.97 + next())), bb };
    };
    const few = noisy(5);
    const many = noisy(41);
    const w = (iv: { lo: number; hi: number } | null) => iv!.hi - iv!.lo;
    const ivFew = pairedInterval(few.aa, few.bb);
    const ivMany = pairedInterval(many.aa, many.bb);
    expect(ivFew!.lo).toBeLessThanOrEqual(ivFew!.ratio);
    expect(ivFew!.hi).toBeGreaterThanOrEqual(ivFew!.ratio);
    expect(w(ivMany)).toBeLessThan(w(ivFew));
    expect(pairedInterval(few.aa, few.bb)).toEqual(ivFew);
    // A threshold inside the interval cannot be decided.
    expect(robustVerdict({ ratio: 1, lo: 0.95, hi: 1.05, n: 9 }, 1, true)).toBe('unresolved');
    expect(robustVerdict({ ratio: 1.1, lo: 1.05, hi: 1.1, n: 9 }, 1.1, false)).toBe('yes');
    expect(robustVerdict({ ratio: 1.1, lo: 1.05, hi: 1.1, n: 9 }, 1.1, true)).toBe('unresolved');
  });

  it('needs three pairs, skips broken ones and pairs only what both paths have', () => {
    expect(pairedInterval([1, 2], [1, 2])).toBeNull();
    expect(pairedInterval([1, NaN, 2, 3, 4], [1, 1, 0, 1, 1])!.n).toBe(3);
    expect(pairedInterval([9, 9, 9, 9], [10, 10, 10])!.n).toBe(3);
  });

  it('compares against transformers.js everywhere and against the bare run for ViT-S 224 WASM', () => {
    const raw = { app: a, features: a, bare: b, tjs: b };
    const keys = (c: { model: string; resolution: number; backend: string }) =>
      caseComparisons(c, raw).map((x) => `${x.key}:${x.verdict}`);
    expect(keys({ model: 'ViT-S/14', resolution: 224, backend: 'wasm' })).toEqual([
      'e2e_vs_tjs:yes',
      'features_vs_tjs:yes',
      'overhead:yes',
    ]);
    expect(keys({ model: 'ViT-B/14', resolution: 224, backend: 'wasm' })).toHaveLength(2);
    expect(
      caseComparisons({ model: 'ViT-S/14', resolution: 224, backend: 'wasm' }, { ...raw, tjs: [] }),
    ).toHaveLength(1);
  });

  it('puts the paired ratio and the verdict on the comparison targets', () => {
    const values = (xs: number[]) => ({ values: xs });
    const t = judge({
      cases: [
        {
          model: 'ViT-S/14',
          resolution: 224,
          backend: 'wasm',
          threads: 2,
          overhead_ratio: 1.08,
          e2e_ms: 99,
          tjs_e2e_ms: 100,
          detail: {
            app: { e2e: values(a), e2e_features: values(a) },
            bare: { run: values(b) },
            tjs: { e2e: values(b.map((x) => x * 0.9)) },
          },
        },
      ],
    });
    const by = Object.fromEntries(t.map((x) => [x.key, x]));
    expect(by['overhead_ratio:2'].paired).toEqual({ ratio: 0.9, lo: 0.9, hi: 0.9, n: 7 });
    expect(by['overhead_ratio:2'].robust).toBe('yes');
    // Equal times: not faster beyond noise (the ratio is exactly 1).
    expect(by['faster_than_tjs:ViT-S/14:224:wasm:2'].robust).toBe('no');
    expect(markdown({ ...baseResults, targets: t })).toContain(
      '0.900 (0.900–0.900, 7 pairs) | yes |',
    );
  });
});

describe('bench materializer', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-materialize-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  // A fake skeleton: any graph bytes and a weights spec of two tensors with a gap between them.
  const skeleton = path.join(tmp, 'skeleton');
  fs.mkdirSync(skeleton);
  fs.writeFileSync(path.join(skeleton, 'skeleton.onnx'), new Uint8Array([8, 7, 18, 3]));
  fs.writeFileSync(
    path.join(skeleton, 'weights.json'),
    JSON.stringify({
      data_file: 'model.onnx_data',
      total_bytes: 64 + 16,
      tensors: [
        { name: 'm.encoder.layer.0.norm1.weight', dims: [4], offset: 64, length: 16 },
        { name: 'onnx::MatMul_1', dims: [2, 8], offset: 0, length: 64 },
      ],
    }),
  );

  it('writes the graph unchanged and seeded weights at their offsets', () => {
    const r = materialize(skeleton, path.join(tmp, 'a'), { seed: 3 });
    expect(r.reused).toBe(false);
    expect([...fs.readFileSync(r.model)]).toEqual([8, 7, 18, 3]);
    const data = fs.readFileSync(r.data);
    expect(data.length).toBe(80);
    const f = new Float32Array(data.buffer, data.byteOffset, 20);
    // Norm scales near 1, matrices near 0.
    for (const v of f.subarray(16)) expect(Math.abs(v - 1)).toBeLessThan(0.2);
    for (const v of f.subarray(0, 16)) expect(Math.abs(v)).toBeLessThan(0.2);
    expect([...f.subarray(0, 16)]).toEqual([
      ...tensorValues({ name: 'onnx::MatMul_1', length: 64 }, 3),
    ]);
  });

  it('is deterministic: same seed, same bytes; another seed, other bytes; reuses a finished folder', () => {
    const a = materialize(skeleton, path.join(tmp, 'b'), { seed: 1 });
    const b = materialize(skeleton, path.join(tmp, 'c'), { seed: 1 });
    const c = materialize(skeleton, path.join(tmp, 'd'), { seed: 2 });
    expect(fs.readFileSync(a.data).equals(fs.readFileSync(b.data))).toBe(true);
    expect(fs.readFileSync(a.data).equals(fs.readFileSync(c.data))).toBe(false);
    expect(materialize(skeleton, path.join(tmp, 'b'), { seed: 1 }).reused).toBe(true);
    expect(materialize(skeleton, path.join(tmp, 'b'), { seed: 5 }).reused).toBe(false);
  });

  it('draws uniform values strictly inside (0, 1)', () => {
    const rand = uniformStream(42);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 10000; i++) {
      const u = rand();
      if (!(u > 0 && u < 1)) outside++;
      sum += u;
    }
    expect(outside).toBe(0);
    expect(Math.abs(sum / 10000 - 0.5)).toBeLessThan(0.02);
  });
});
