/**
 * Our WGSL patch-similarity kernel (src/engine/gpu-similarity.ts) on a real WebGPU device (here
 * SwiftShader), against the WASM path's cosineToRows: same cosines to float32 rounding, rows kept
 * on the GPU between calls, evicted within a budget, released on forget. And in the app, with a
 * model on WebGPU: hovering a patch runs the kernel on onnxruntime's device, with the same map.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addImages, fixture, launch, openApp, waitForStatus } from './harness';
import { serveStatic, type StaticServer } from './static-server';
import type { Kernels } from './pages/gpu-kernels';

let browser: Browser;
let server: StaticServer;
let page: Page;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-gpu-kernels-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: dir,
      emptyOutDir: true,
      target: 'es2022',
      lib: {
        entry: path.resolve(import.meta.dirname, 'pages/gpu-kernels.ts'),
        formats: ['es'],
        fileName: () => 'kernels.js',
      },
    },
  });
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><script type="module" src="./kernels.js"></script>',
  );
  server = await serveStatic(dir, { isolation: true });
  browser = await launch({ webgpu: true });
  page = await browser.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(server.url);
  await page.waitForFunction(() => 'kernels' in window);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
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
});
