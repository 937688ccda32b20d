import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { fitPca } from '../features/pca';
import { gaussian } from '../features/pca-test-utils';
import { CovarianceFitter } from './covariance';
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

  it('gives the same PCA as the JavaScript covariance, through a Gemm session', async () => {
    const n = 6000;
    const dim = 96;
    const x = data(n, dim);
    const fitter = new CovarianceFitter(ort, 'wasm');
    const rows = Int32Array.from({ length: 5800 }, (_, i) => (i * 7) % n);
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

  it('gives the same PCA through a Gram session when rows are fewer than dimensions', async () => {
    // One 224 px image of a ViT-S: 256 patches of 384 (and a foreground subset of them).
    const n = 256;
    const dim = 384;
    const x = data(n, dim);
    const fitter = new CovarianceFitter(ort, 'wasm');
    const rows = Int32Array.from({ length: 180 }, (_, i) => (i * 5) % n);
    for (const r of [null, rows]) {
      const want = fitPca(x, n, dim, 3, { seed: 1, rows: r });
      const got = await fitter.fit({ data: x, n, dim, k: 3, seed: 1, rows: r });
      expect(fitter.usedSession).toBe(true);
      for (let c = 0; c < 3; c++) {
        let dot = 0;
        for (let j = 0; j < dim; j++)
          dot += want.components[c * dim + j] * got.components[c * dim + j];
        expect(Math.abs(dot)).toBeGreaterThan(1 - 1e-6);
        expect(got.variances[c]).toBeCloseTo(want.variances[c], 3);
      }
    }
    await fitter.release();
  });

  it('leaves small fits to JavaScript', async () => {
    const fitter = new CovarianceFitter(ort, 'wasm');
    const x = data(200, 16);
    const got = await fitter.fit({ data: x, n: 200, dim: 16, k: 3, seed: 1, rows: null });
    expect(fitter.usedSession).toBe(false);
    expect(got.components.length).toBe(48);
  });
});
