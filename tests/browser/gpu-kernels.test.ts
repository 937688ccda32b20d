/**
 * Our WGSL kernels on a real WebGPU device (here SwiftShader):
 * - patch similarity (src/engine/gpu-similarity.ts) against the WASM path's cosineToRows: same
 *   cosines to float32 rounding, rows kept on the GPU between calls, evicted within a budget,
 *   released on forget. In the app, with a model on WebGPU: hovering a patch runs the kernel, with
 *   the same map.
 * - the PCA's covariance product (src/engine/gpu-covariance.ts) against the float64 products of
 *   src/features: scatter and Gram, whole images and foreground-like row subsets, rows kept, the
 *   same principal components. In the app, with a WebGPU model: the PCA view's maps come from it.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  cancelAtStage,
  addImages,
  fixture,
  openApp,
  openTestPage,
  statusText,
  waitForStatus,
  type TestPage,
} from './harness';
import type { Kernels } from './pages/gpu-kernels';

let browser: Browser;
let page: Page;
let testPage: TestPage;

beforeAll(async () => {
  testPage = await openTestPage(
    path.resolve(import.meta.dirname, 'pages/gpu-kernels.ts'),
    'kernels',
    {
      webgpu: true,
    },
  );
  ({ browser, page } = testPage);
});

afterAll(async () => {
  await testPage?.close();
});

describe('the WebGPU patch-similarity kernel', () => {
  it('gives the WASM path’s cosines, keeps rows on the GPU, and stays within its budget', async () => {
    const r = await page.evaluate(async () => {
      const { GpuPatchSimilarity, cosineToRows } = (window as unknown as { kernels: Kernels })
        .kernels;
      const adapter = await navigator.gpu.requestAdapter();
      if (!adapter) throw new Error('No WebGPU adapter (SwiftShader flags missing?)');
      const device = await adapter.requestDevice();
      let seed = 7;
      const rand = () => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return seed / 2 ** 32 - 0.5;
      };
      const d = 64;
      const image = (count: number) => {
        const tokens = Float32Array.from({ length: count * d }, rand);
        tokens.fill(0, 3 * d, 4 * d); // a zero row: cosine 0, as on the CPU
        const norms = new Float32Array(count);
        for (let i = 0; i < count; i++) {
          let s = 0;
          for (let j = 0; j < d; j++) s += tokens[i * d + j] ** 2;
          norms[i] = Math.sqrt(s);
        }
        return { key: {}, d, count, tokens, norms, rows: () => ({ tokens, norms }) };
      };
      const images = [image(256), image(100), image(37)];
      const query = images[0].tokens.slice(5 * d, 6 * d);
      const diff = (got: Float32Array[], set: typeof images) =>
        Math.max(
          ...set.map((im, i) => {
            const want = cosineToRows(query, im.tokens, d, 0, im.count, im.norms);
            if (got[i].length !== want.length) return Infinity;
            return Math.max(...want.map((w, j) => Math.abs(w - got[i][j])));
          }),
        );
      const bytesOf = (im: (typeof images)[number]) => im.count * (d + 1) * 4;
      // A budget for the first two images only.
      const gpu = new GpuPatchSimilarity(device, bytesOf(images[0]) + bytesOf(images[1]));
      const { cosines: first, uploaded: firstUploads } = await gpu.cosines(
        query,
        images.slice(0, 2),
      );
      const { cosines: again, uploaded: againUploads } = await gpu.cosines(
        query,
        images.slice(0, 2),
      );
      const selfCosine = again[0][5];
      // The third image evicts the least recently used one (image 0), not one it reads.
      const { cosines: third } = await gpu.cosines(query, [images[1], images[2]]);
      const afterEvict = gpu.usage();
      const { cosines: back } = await gpu.cosines(query, images.slice(0, 1));
      let overBudget = '';
      await gpu.cosines(query, images).catch((e: Error) => (overBudget = e.name));
      for (const im of images) gpu.forget(im.key);
      const forgotten = gpu.usage();
      gpu.dispose();
      device.destroy();
      return {
        first: diff(first, images.slice(0, 2)),
        again: diff(again, images.slice(0, 2)),
        third: diff(third, [images[1], images[2]]),
        back: diff(back, images.slice(0, 1)),
        zeroRow: first[0][3],
        selfCosine,
        firstUploads,
        againUploads,
        afterEvict,
        overBudget,
        forgotten,
        supports: [
          gpu.fits([{ d: 64, count: 100 }]),
          gpu.fits([{ d: 66, count: 10 }]),
          gpu.fits([{ d: 64, count: 0 }]),
          gpu.fits([{ d: 384, count: 1024 }]),
          gpu.fits(images),
        ],
      };
    });
    expect(r.first).toBeLessThan(1e-5);
    expect(r.again).toBeLessThan(1e-5);
    expect(r.third).toBeLessThan(1e-5);
    expect(r.back).toBeLessThan(1e-5);
    expect(r.zeroRow).toBe(0);
    expect(r.selfCosine).toBeCloseTo(1, 5);
    expect(r.firstUploads).toBe(2);
    expect(r.againUploads).toBe(0);
    expect(r.afterEvict.images).toBe(2);
    expect(r.overBudget).toBe('RangeError');
    expect(r.forgotten).toEqual({ bytes: 0, images: 0 });
    // vec4 rows only, and nothing larger than the budget (all three images together are not).
    expect(r.supports).toEqual([true, false, false, false, false]);
  });
});

describe('the WebGPU covariance kernel', () => {
  it('gives the float64 scatter and Gram products and the same PCA, with rows kept', async () => {
    const r = await page.evaluate(async () => {
      const k = (window as unknown as { kernels: Kernels }).kernels;
      const adapter = await navigator.gpu.requestAdapter();
      if (!adapter) throw new Error('No WebGPU adapter (SwiftShader flags missing?)');
      const device = await adapter.requestDevice();
      let seed = 11;
      const rand = () => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return seed / 2 ** 32 - 0.5;
      };
      const d = 64;
      // Low rank plus noise, off-centre (the kernel centres as it reads).
      const bases = new Map<number, Float32Array>();
      const image = (count: number, d = 64) => {
        if (!bases.has(d)) bases.set(d, Float32Array.from({ length: 6 * d }, rand));
        const basis = bases.get(d)!;
        const x = new Float32Array(count * d);
        for (let i = 0; i < count; i++) {
          for (let c = 0; c < 6; c++) {
            const w = rand() * (6 - c) * 4;
            for (let j = 0; j < d; j++) x[i * d + j] += w * basis[c * d + j];
          }
          for (let j = 0; j < d; j++) x[i * d + j] += 0.2 * rand() + 3;
        }
        return { key: {}, d, count, x, rows: () => x };
      };
      const images = [image(300), image(200), image(150)];
      type Part = { source: (typeof images)[number]; rows: Int32Array | null };
      /** Relative difference to the float64 product of the same rows, and of the mean. */
      const check = async (parts: Part[], on = gpu) => {
        const d = parts[0].source.d;
        const picked: number[] = [];
        for (const p of parts) {
          const take = p.rows ?? Array.from({ length: p.source.count }, (_, i) => i);
          for (const i of take) picked.push(...p.source.x.subarray(i * d, (i + 1) * d));
        }
        const x = Float32Array.from(picked);
        const count = x.length / d;
        const mean = k.columnMean(x, count, d, null);
        const want =
          count < d
            ? k.gramMatrix(x, count, d, mean, null).gram
            : k.scatterMatrix(x, count, d, mean, null);
        const got = await on.covariance(parts);
        let scale = 0;
        let err = want.length === got.product.length ? 0 : Infinity;
        for (let i = 0; i < want.length; i++) {
          scale = Math.max(scale, Math.abs(want[i]));
          err = Math.max(err, Math.abs(want[i] - got.product[i]));
        }
        let meanErr = 0;
        for (let j = 0; j < d; j++) meanErr = Math.max(meanErr, Math.abs(mean[j] - got.mean[j]));
        // The PCA from the kernel's product, as the fitter makes it, against the CPU's.
        const pca = k.fitPca(x, count, d, 3, {
          seed: 1,
          mean: got.mean,
          ...(got.kind === 'gram' ? { gram: got.product } : { scatter: got.product }),
        });
        const ref = k.fitPca(x, count, d, 3, { seed: 1 });
        let minDot = 1;
        for (let c = 0; c < 3; c++) {
          let dot = 0;
          for (let j = 0; j < d; j++) dot += pca.components[c * d + j] * ref.components[c * d + j];
          minDot = Math.min(minDot, Math.abs(dot));
        }
        return { kind: got.kind, rel: err / scale, meanErr, minDot, uploaded: got.uploaded };
      };
      const bytes = (im: (typeof images)[number]) => im.count * d * 4;
      const gpu = new k.GpuCovariance(
        device,
        bytes(images[0]) + bytes(images[1]) + bytes(images[2]),
      );
      const wideGpu = new k.GpuCovariance(device);
      const every = (n: number, step: number, from = 0) =>
        Int32Array.from({ length: Math.ceil((n - from) / step) }, (_, i) => from + i * step);
      const cases = {
        // Joint, all rows: gathered image by image, then XcᵀXc.
        joint: await check(images.map((source) => ({ source, rows: null }))),
        // The same images again: nothing uploaded.
        again: await check(images.map((source) => ({ source, rows: null }))),
        // Foreground-like subsets, one image contributing nothing.
        subset: await check([
          { source: images[0], rows: every(300, 3, 1) },
          { source: images[1], rows: new Int32Array(0) },
          { source: images[2], rows: every(150, 2) },
        ]),
        // One image fitted whole: its kept buffer read directly.
        single: await check([{ source: images[1], rows: null }]),
        // Fewer rows than dimensions: the Gram matrix XcXcᵀ.
        gram: await check([
          { source: images[0], rows: every(300, 17) },
          { source: images[2], rows: every(150, 40, 5) },
        ]),
        // A width of 2 blocks and a part (136 = 64 + 64 + 8): 6 blocks on and above the diagonal,
        // rows in 3 slices; and a Gram matrix of 70 rows (2 blocks, the last one partial).
        wide: await check(
          [image(700, 136), image(400, 136)].map((source) => ({ source, rows: null })),
          wideGpu,
        ),
        wideGram: await check(
          [{ source: image(300, 136), rows: every(300, 3, 2).slice(0, 70) }],
          wideGpu,
        ),
      };
      wideGpu.dispose();
      // A fourth image evicts the least recently used one (image 0), not one the call reads.
      const extra = image(300);
      await gpu.covariance([
        { source: extra, rows: null },
        { source: images[1], rows: null },
      ]);
      const afterEvict = gpu.usage();
      let outside = '';
      await gpu
        .covariance([{ source: images[1], rows: Int32Array.from([0, 200]) }])
        .catch((e: Error) => (outside = e.name));
      for (const im of [...images, extra]) gpu.forget(im.key);
      const forgotten = gpu.usage();
      gpu.dispose();
      device.destroy();
      return { cases, afterEvict, outside, forgotten };
    });
    const { cases } = r;
    expect(Object.values(cases).map((c) => c.kind)).toEqual([
      'scatter',
      'scatter',
      'scatter',
      'scatter',
      'gram',
      'scatter',
      'gram',
    ]);
    for (const c of Object.values(cases)) {
      expect(c.rel).toBeLessThan(1e-5);
      expect(c.meanErr).toBeLessThan(1e-5);
      expect(c.minDot).toBeGreaterThan(1 - 1e-6);
    }
    expect(cases.joint.uploaded).toBe(3);
    expect(cases.again.uploaded).toBe(0);
    expect(cases.single.uploaded).toBe(0);
    expect(r.afterEvict.images).toBe(3);
    expect(r.outside).toBe('RangeError');
    expect(r.forgotten).toEqual({ bytes: 0, images: 0 });
  });
});

describe('patch similarity in the app with a WebGPU model', () => {
  let app: Page;
  beforeAll(async () => {
    app = await openApp(browser, inject('appUrl'), '?backend=webgpu&preprocess=dense&res=224');
    await app
      .getByLabel('Model file', { exact: true })
      .setInputFiles([fixture('dinov2-tiny', 'model.onnx')]);
    expect(await waitForStatus(app, /ready/)).toContain('webgpu');
    await addImages(app, [fixture('chelsea.png'), fixture('coffee.png')]);
    for (const n of ['chelsea.png', 'coffee.png']) {
      await app.getByRole('button', { name: `Find similar: ${n}` }).waitFor({ timeout: 120_000 });
    }
    await app.getByRole('button', { name: 'Find similar: chelsea.png' }).click();
    // The results first: a hover before them colours only the query.
    await app.getByRole('img', { name: 'Result: coffee.png' }).waitFor();
  });

  it('runs on the GPU as well as the CPU while it measures them, with the same map', async () => {
    const query = app.getByRole('img', { name: 'Query: chelsea.png' });
    await query.scrollIntoViewIfNeeded();
    const box = (await query.boundingBox())!;
    const timing = app.getByLabel('Similarity timing');
    const pixels = () =>
      app.evaluate(() => {
        const c = document.querySelector<HTMLCanvasElement>('[aria-label="Result: coffee.png"]')!;
        return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
      });
    // Each hover is one request; the measuring phase runs each path in turn (see
    // MeasuredChoice), so some hovers of the same patch come from each path.
    const seen = new Map<string, number[]>();
    for (let i = 0; i < 10 && seen.size < 2; i++) {
      await app.mouse.move(1, 1);
      await app.waitForFunction(
        () => document.querySelector('[aria-label="Similarity timing"]')?.textContent === '\u00a0',
      );
      await app.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
      await app.waitForFunction(() =>
        /on the/.test(
          document.querySelector('[aria-label="Similarity timing"]')?.textContent ?? '',
        ),
      );
      const path = (await timing.textContent())!.includes('GPU') ? 'gpu' : 'cpu';
      if (!seen.has(path)) seen.set(path, await pixels());
    }
    expect([...seen.keys()].sort()).toEqual(['cpu', 'gpu']);
    expect(seen.get('gpu')).toEqual(seen.get('cpu'));
  });
  it('computes the PCA covariance on the GPU as well as in JavaScript, with the same maps', async () => {
    await app.getByRole('tab', { name: 'PCA maps' }).click();
    const section = app.getByRole('region', { name: 'PCA maps' });
    const map = app.getByRole('img', { name: 'PCA map: coffee.png', exact: true });
    const foreground = app.getByLabel('Foreground only');
    /**
     * The summary line once the maps on screen are computed for `fg` (not those of the setting
     * before: the request starts a render after the click), and their pixels.
     */
    const shown = async (fg: boolean) => {
      await app.waitForFunction((fg) => {
        const s = document.querySelector('[aria-label="PCA maps"]');
        return (
          s?.getAttribute('aria-busy') === 'false' &&
          (s.getAttribute('data-computed-for') ?? '').includes(`"foregroundOnly":${fg}`) &&
          / ms/.test(s.textContent ?? '')
        );
      }, fg);
      const text = (await section.textContent()) ?? '';
      const pixels = await map.evaluate((c: HTMLCanvasElement) =>
        Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data),
      );
      return { gpu: text.includes('covariance on the GPU'), pixels };
    };
    // 2 images x 256 patches x 64: a product the fitter measures on the GPU against JavaScript;
    // each settings change is a new request, and the measuring serves both paths in turn.
    const seen = new Map<boolean, number[]>();
    for (let i = 0; i < 8 && seen.size < 2; i++) {
      const { gpu, pixels } = await shown(false);
      if (!seen.has(gpu)) seen.set(gpu, pixels);
      await foreground.check();
      await shown(true);
      await foreground.uncheck();
    }
    expect([...seen.keys()].sort()).toEqual([false, true]);
    // float32 products on the GPU, float64 in JavaScript: the same colours to a level at most.
    const a = seen.get(true)!;
    const b = seen.get(false)!;
    expect(a.length).toBe(b.length);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('keeps the model it has when a load is cancelled during the WebGPU check', async () => {
    const before = await statusText(app);
    await cancelAtStage(app, 'Checking WebGPU against WASM');
    await app
      .getByLabel('Model file', { exact: true })
      .setInputFiles([fixture('dinov2-reg4-tiny', 'model.onnx')]);
    await app.getByRole('note').filter({ hasText: 'Loading model.onnx was cancelled.' }).waitFor();
    expect(await statusText(app)).toBe(before);
    // Its images keep their features: nothing is computed again.
    await app.getByRole('tab', { name: 'Collection' }).click();
    await app.getByRole('button', { name: 'Find similar: coffee.png' }).waitFor();
    expect(await app.getByText('2 of 2 images have features').count()).toBe(1);
  });
});
