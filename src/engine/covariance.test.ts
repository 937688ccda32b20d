import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { fitPca, type Pca } from '../features/pca';
import { gaussian } from '../features/pca-test-utils';
import { columnMean, gramMatrix, scatterMatrix } from '../features/pca-scatter';
import type { FitRequest } from '../features/pca-map';
import { blockCount, CovarianceFitter, gpuParts, type CovarianceKernel } from './covariance';
import type { GpuFitPart } from './gpu-covariance';
import { OrtBusy, withOrt, withOrtWithin } from './ort-lock';
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

/** The same three components (up to sign) and explained ratios as the JavaScript fit. */
function expectSameFit(got: Pca, want: Pca, dim: number): void {
  for (let c = 0; c < 3; c++) {
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += want.components[c * dim + j] * got.components[c * dim + j];
    expect(Math.abs(dot)).toBeGreaterThan(1 - 1e-6);
    expect(got.explained[c]).toBeCloseTo(want.explained[c], 5);
  }
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
      const got = await fitter.fit({
        data: x,
        n,
        dim,
        k: 3,
        seed: 1,
        rows: r,
        parts: [{ count: n }],
      });
      expect(fitter.usedSession).toBe(true);
      expectSameFit(got, want, dim);
    }
    await fitter.release();
  });

  it('takes a foreground fit’s Gram matrix from the first fit’s session product', async () => {
    const [n, dim] = [256, 384];
    const x = data(n, dim);
    const fitter = new CovarianceFitter(ort, 'wasm');
    const q = { data: x, n, dim, k: 3, seed: 1, parts: [{ count: n }] };
    const first = await fitter.fit({ ...q, rows: null });
    expect(fitter.usedSession).toBe(true);
    expect(first.gram).toBeDefined();
    const rows = Int32Array.from({ length: 150 }, (_, i) => i + 40);
    const sessionFits = fitter.sessionFits;
    const got = await fitter.fit({ ...q, rows, within: first.gram });
    // No second product: the Gram matrix of the 150 rows came from the first one.
    expect(fitter.sessionFits).toBe(sessionFits);
    const want = fitPca(x, n, dim, 3, { seed: 1, rows });
    expectSameFit(got, want, dim);
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
    const got = await fitter.fit({
      data: x,
      n: 200,
      dim: 16,
      k: 3,
      seed: 1,
      rows: null,
      parts: [{ count: 200 }],
    });
    expect(fitter.usedSession).toBe(false);
    expect(got.components.length).toBe(48);
  });
});

/**
 * A stand-in for the WebGPU kernel (gpu-covariance.ts is tested on a real device in
 * tests/browser/gpu-kernels.test.ts): the centred product in float64 from the parts' rows, as
 * the kernel gathers them; at once, never, or an error.
 */
function kernel(
  mode: 'right' | 'never' | 'fail',
): CovarianceKernel & { calls: number; forgot: object[] } {
  const k = {
    calls: 0,
    forgot: [] as object[],
    fits: () => true,
    forget: (key: object) => void k.forgot.push(key),
    usage: () => ({ bytes: 0, images: 0 }),
    covariance: (parts: GpuFitPart[]) => {
      k.calls++;
      if (mode === 'never') return new Promise<never>(() => undefined);
      if (mode === 'fail') return Promise.reject(new Error('device lost'));
      const d = parts[0].source.d;
      const rows: Float32Array[] = [];
      for (const p of parts) {
        const x = p.source.rows();
        const take = p.rows ?? Int32Array.from({ length: p.source.count }, (_, i) => i);
        for (const r of take) rows.push(x.subarray(r * d, (r + 1) * d));
      }
      const x = new Float32Array(rows.length * d);
      rows.forEach((r, i) => x.set(r, i * d));
      const mean = columnMean(x, rows.length, d, null);
      const gram = rows.length < d;
      return Promise.resolve({
        product: gram
          ? gramMatrix(x, rows.length, d, mean, null).gram
          : scatterMatrix(x, rows.length, d, mean, null),
        mean,
        kind: gram ? ('gram' as const) : ('scatter' as const),
        uploaded: 0,
      });
    },
  };
  return k;
}

describe('CovarianceFitter with a GPU kernel', () => {
  const ort = ortWeb as unknown as Ort;
  const keys = [{}, {}, {}];
  const n = 3 * 700;
  const dim = 192; // enough work (rows x dim²) for a session or the GPU
  const x = data(n, dim);
  const parts = keys.map((key) => ({ key, count: 700 }));
  // Foreground-like rows across the three images (ascending, as the PCA map asks).
  const fg = Int32Array.from({ length: 1500 }, (_, i) => Math.floor((i * n) / 1500));
  const request = (rows: Int32Array | null): FitRequest => ({
    data: x,
    n,
    dim,
    k: 3,
    seed: 1,
    rows,
    parts,
  });

  it('splits a request into per-image parts, or declines', () => {
    const q = request(Int32Array.from([0, 5, 699, 700, 1400, 2099]));
    const got = gpuParts(q)!;
    expect(got.map((p) => Array.from(p.rows!))).toEqual([[0, 5, 699], [0], [0, 699]]);
    expect(got[1].source.rows()).toEqual(x.subarray(700 * dim, 1400 * dim));
    expect(gpuParts(request(null))!.every((p) => p.rows === null)).toBe(true);
    expect(gpuParts(request(Int32Array.from([3, 2])))).toBeNull(); // not ascending
    expect(gpuParts({ ...request(null), parts: [{ count: n }] })).toBeNull(); // no key
    expect(gpuParts({ ...request(null), parts: [{ key: {}, count: 5 }] })).toBeNull(); // not n rows
  });

  it('measures the kernel against the session; both give the JavaScript PCA', async () => {
    const fitter = new CovarianceFitter(ort, 'wasm');
    fitter.useKernel(kernel('right'));
    const paths: string[] = [];
    for (let i = 0; i < 10; i++) {
      const rows = i % 2 ? fg : null;
      const got = await fitter.fit(request(rows));
      paths.push(fitter.lastPath);
      const want = fitPca(x, n, dim, 3, { seed: 1, rows });
      expectSameFit(got, want, dim);
    }
    expect(paths).toContain('gpu');
    expect(paths).toContain('session');
    expect(Object.values(fitter.status().choices).some((c) => c !== null)).toBe(true);
    await fitter.release();
  });

  it('measures the kernel against JavaScript for products too small for a session', async () => {
    const fitter = new CovarianceFitter(ort, 'wasm');
    fitter.useKernel(kernel('right'));
    const small = data(300, 96); // 300 x 96² = 2.8 M multiply-adds
    const key = {};
    const paths = new Set<string>();
    for (let i = 0; i < 8; i++) {
      await fitter.fit({
        data: small,
        n: 300,
        dim: 96,
        k: 3,
        seed: 1,
        rows: null,
        parts: [{ key, count: 300 }],
      });
      paths.add(fitter.lastPath);
    }
    expect([...paths].sort()).toEqual(['gpu', 'javascript']);
    expect(fitter.sessionFits).toBe(0);
    expect(Object.keys(fitter.status().choices)[0]).toMatch(/^javascript:/);
  });

  it('has the session fit when the kernel is late, and then prefers the session', async () => {
    // Deadlines far above a session's ~20 ms, so the session's times are the lower ones.
    const fitter = new CovarianceFitter(ort, 'wasm', { late: 250, first: 250 });
    const gpu = kernel('never');
    fitter.useKernel(gpu);
    for (let i = 0; i < 10; i++) {
      await fitter.fit(request(null));
      expect(fitter.lastPath).toBe('session');
    }
    expect(gpu.calls).toBe(3); // its samples, then no more
    expect(Object.values(fitter.status().choices)).toEqual(['session']);
    await fitter.release();
  });

  it('waits for the GPU as long as the other path takes, so a slow GPU never wins', async () => {
    // Deadlines far below a session's ~20 ms: the GPU is then waited for the session's median.
    const fitter = new CovarianceFitter(ort, 'wasm', { late: 1, first: 1 });
    fitter.useKernel(kernel('never'));
    for (let i = 0; i < 10; i++) {
      await fitter.fit(request(null));
      expect(fitter.lastPath).toBe('session');
    }
    expect(Object.values(fitter.status().choices)).toEqual(['session']);
    await fitter.release();
  });

  it('drops a failing kernel, and passes forgotten images on', async () => {
    const fitter = new CovarianceFitter(ort, 'wasm');
    const gpu = kernel('fail');
    fitter.useKernel(gpu);
    fitter.forget(keys[0]);
    expect(gpu.forgot).toEqual([keys[0]]);
    for (let i = 0; i < 3; i++) {
      await fitter.fit(request(null));
      expect(fitter.lastPath).toBe('session');
    }
    expect(fitter.status().gpu).toBe(false);
    await fitter.release();
  });
});

describe('the PCA behind a busy onnxruntime', () => {
  const ort = ortWeb as unknown as Ort;

  it('computes in JavaScript rather than wait behind a long onnxruntime call', async () => {
    const n = 2100;
    const dim = 192; // 77 M multiply-adds: a session's, and about 77 ms in JavaScript
    const x = data(n, dim);
    const q = { data: x, n, dim, k: 3, seed: 1, rows: null, parts: [{ count: n }] };
    const fitter = new CovarianceFitter(ort, 'wasm');
    await fitter.fit(q);
    expect(fitter.lastPath).toBe('session');
    // A model run holding the lock (on SwiftShader a ViT-S run takes ~110 s).
    let finish = () => {};
    const run = withOrt(() => new Promise<void>((r) => (finish = r)));
    const got = await fitter.fit(q);
    expect(fitter.lastPath).toBe('javascript');
    expect(got.components).toEqual(fitPca(x, n, dim, 3, { seed: 1 }).components);
    finish();
    await run;
    await fitter.fit(q); // not given up for good: the session serves again
    expect(fitter.lastPath).toBe('session');
    await fitter.release();
  });

  it('never runs a call it gave up on', async () => {
    let finish = () => {};
    const run = withOrt(() => new Promise<void>((r) => (finish = r)));
    let ran = false;
    const late = withOrtWithin(5, async () => {
      ran = true;
    });
    await expect(late).rejects.toBeInstanceOf(OrtBusy);
    finish();
    await run;
    await withOrt(() => Promise.resolve()); // everything queued before has run
    expect(ran).toBe(false);
    await expect(withOrtWithin(5, () => Promise.resolve(7))).resolves.toBe(7);
  });
});
