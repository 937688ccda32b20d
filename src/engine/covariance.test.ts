import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { fitPca } from '../features/pca';
import { gaussian } from '../features/pca-test-utils';
import { blockCount, CovarianceFitter } from './covariance';
import type { Ort } from './runtime';

/** Rows with a decaying spectrum (like patch features): 8 strong directions plus noise. */
function data(n: number, dim: number): Float32Array {
  const g = gaussian(11);
  const basis = Float32Array.from({ length: 8 * dim }, g);
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 8; c++) {
      const w = g() * (8 - c);
      for (let j = 0; j < dim; j++) x[i * dim + j] += w * basis[c * dim + j];
    }
    for (let j = 0; j < dim; j++) x[i * dim + j] += 0.1 * g() + 0.3;
  }
  return x;
}

describe('CovarianceFitter', () => {
  const ort = ortWeb as unknown as Ort;
  ort.env.wasm.numThreads = 1;

  it.each([
    // Many rows: the covariance XᵀX (and a subset of the rows, as the foreground recipe fits).
    { product: 'covariance', n: 6000, dim: 96, subset: 5800, step: 7 },
    // ViT-S width: the scatter matrix from 3 x 3 column blocks, the upper ones multiplied.
    { product: 'blocked covariance', n: 1400, dim: 384, subset: 1300, step: 3 },
    // One 224 px ViT-S image: 256 patches of 384, fewer rows than dimensions: the Gram matrix XXᵀ.
    { product: 'Gram', n: 256, dim: 384, subset: 180, step: 5 },
  ])('gives the JavaScript PCA through a $product session', async ({ n, dim, subset, step }) => {
    const x = data(n, dim);
    const fitter = new CovarianceFitter(ort, 'wasm');
    const rows = Int32Array.from({ length: subset }, (_, i) => (i * step) % n);
    for (const r of [null, rows]) {
      const want = fitPca(x, n, dim, 3, { seed: 1, rows: r });
      const got = await fitter.fit({ data: x, n, dim, k: 3, seed: 1, rows: r });
      expect(fitter.usedSession).toBe(true);
      for (let c = 0; c < 3; c++) {
        let dot = 0;
        for (let j = 0; j < dim; j++)
          dot += want.components[c * dim + j] * got.components[c * dim + j];
        expect(Math.abs(dot)).toBeGreaterThan(1 - 1e-6);
        expect(got.explained[c]).toBeCloseTo(want.explained[c], 5);
      }
    }
    await fitter.release();
  });

  it('splits the scatter product into blocks about 128 columns wide', () => {
    expect([64, 96, 200, 384, 768, 1024, 1536, 389].map(blockCount)).toEqual([
      1, 1, 2, 3, 6, 8, 12, 1,
    ]);
  });

  it('leaves small fits to JavaScript', async () => {
    const fitter = new CovarianceFitter(ort, 'wasm');
    const x = data(200, 16);
    const got = await fitter.fit({ data: x, n: 200, dim: 16, k: 3, seed: 1, rows: null });
    expect(fitter.usedSession).toBe(false);
    expect(got.components.length).toBe(48);
  });
});
