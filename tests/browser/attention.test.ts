/**
 * Attention from exports that do not output it: the graph is rewritten in the browser to add the
 * chosen layer's Softmax. The exported tensors equal the PyTorch reference (last layer), on both
 * backends, with and without registers, square and non-square; layer 1 agrees across backends and
 * is a proper probability distribution.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  addImages,
  downloadNpy,
  downloadPng,
  fixture,
  launch,
  lightPixels,
  loadModelReady,
  maxAbsDiff,
  openApp,
  readF32,
  writeInputNpy,
} from './harness';

const appUrl = inject('appUrl');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-attn-'));
const layer1: Record<string, Float32Array> = {};

const CASES = [
  { kase: 'square224', h: 224, w: 224 },
  { kase: 'wide224x308', h: 224, w: 308 },
];

describe.each([
  { backend: 'wasm' as const, webgpu: false },
  { backend: 'webgpu' as const, webgpu: true },
])('attention on $backend', ({ backend, webgpu }) => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch({ webgpu });
    page = await openApp(browser, appUrl, `?backend=${backend}`);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each([
    { model: 'dinov2-tiny', registers: 0 },
    { model: 'dinov2-reg4-tiny', registers: 4 },
  ])('$model: exported attention equals PyTorch', async ({ model, registers }) => {
    await loadModelReady(page, [fixture(model, 'model.onnx')]);
    const files = CASES.map(({ kase, h, w }) => writeInputNpy(tmp, model, kase, [1, 3, h, w]));
    await addImages(page, files);
    await page.getByRole('tab', { name: 'Collection' }).click();
    await page
      .getByRole('button', { name: `Download features: ${path.basename(files[1])}` })
      .waitFor({ timeout: 180_000 });
    await page.getByRole('tab', { name: 'Attention' }).click();

    for (const [i, { kase, h, w }] of CASES.entries()) {
      const name = path.basename(files[i]);
      await page.getByLabel('Attention image').selectOption({ label: name });
      await page.getByLabel('Attention layer').selectOption({ label: 'Layer 4' });
      await page.waitForFunction(
        () =>
          /Layer 4 of 4/.test(
            document.querySelector('[aria-label="Attention"]')?.textContent ?? '',
          ),
        null,
        { timeout: 180_000 },
      );
      await page.getByRole('img', { name: `Attention map: ${name}` }).waitFor();
      const t = 1 + registers + (h / 14) * (w / 14);
      const got = await downloadNpy(page, `Download attention: ${name}`);
      expect(got.name).toBe(`${model}-${kase}.attention.layer4.npy`);
      expect(got.shape).toEqual([4, t, t]);
      const want = readF32(fixture(model, `${kase}.last_attention.f32`));
      expect(maxAbsDiff(got.data, want)).toBeLessThanOrEqual(1e-4);

      await page.getByLabel('Attention layer').selectOption({ label: 'Layer 1' });
      await page.waitForFunction(
        () =>
          /Layer 1 of 4/.test(
            document.querySelector('[aria-label="Attention"]')?.textContent ?? '',
          ),
        null,
        { timeout: 180_000 },
      );
      const first = await downloadNpy(page, `Download attention: ${name}`);
      expect(first.name).toBe(`${model}-${kase}.attention.layer1.npy`);
      expect(first.shape).toEqual([4, t, t]);
      for (let r = 0; r < 4 * t; r += 37) {
        const sum = first.data.subarray(r * t, (r + 1) * t).reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - 1)).toBeLessThan(1e-4);
      }
      const key = `${model}-${kase}`;
      if (layer1[key]) expect(maxAbsDiff(first.data, layer1[key])).toBeLessThanOrEqual(1e-4);
      else layer1[key] = first.data;
    }
    if (registers > 0) {
      expect(
        await page
          .getByText(/the 4 registers take [\d.]+% of all tokens' attention, [\d.]+% of CLS's/)
          .count(),
      ).toBe(1);
      await page.getByRole('img', { name: /Register 1 attention/ }).waitFor();
    }
  });
});

/** Waits until the attention view computes nothing (its maps are the current ones). */
async function idle(page: Page) {
  await page.waitForFunction(
    () => document.querySelector('[aria-label="Attention"]')?.getAttribute('aria-busy') === 'false',
    null,
    { timeout: 60_000 },
  );
}

/** chelsea.png's attention view with `model`, its first patch clicked and its maps shown. */
async function firstPatchOfChelsea(browser: Browser, model: string) {
  const page = await openApp(browser, appUrl, '?backend=wasm');
  await loadModelReady(page, [fixture(model, 'model.onnx')]);
  await addImages(page, [fixture('chelsea.png')]);
  await page.getByRole('tab', { name: 'Attention' }).click();
  const map = page.getByRole('img', { name: 'Attention map: chelsea.png' });
  await map.waitFor({ timeout: 120_000 });
  await map.click({ position: { x: 5, y: 5 } });
  await page.getByText(/attention of patch \(row 1, column 1\)/).waitFor();
  return { page, map };
}

describe('attention view', () => {
  it('follows a change of preprocessing or resolution, and so does the model input', async () => {
    const browser = await launch({ webgpu: false });
    try {
      const page = await openApp(browser, appUrl, '?backend=wasm');
      await loadModelReady(page, [fixture('dinov2-reg4-tiny', 'model.onnx')]);
      await addImages(page, [fixture('astronaut.png')]);
      const input = () => downloadNpy(page, 'Download model input: astronaut.png');
      const dense = await input();
      await page.getByRole('tab', { name: 'Attention' }).click();
      await page.getByRole('img', { name: 'Attention map: astronaut.png' }).waitFor();
      await idle(page);
      const attention = () => downloadNpy(page, 'Download attention: astronaut.png');
      const first = await attention();
      expect(first.shape).toEqual([4, 261, 261]);
      // Classifier preprocessing: the same token count from another input. The attention is
      // run again, and equals PyTorch's on the Hugging Face processor's input.
      await page.getByLabel('Preprocessing').selectOption('classifier');
      const want = readF32(fixture('dinov2-reg4-tiny', 'astronaut.last_attention.f32'));
      await expect
        .poll(async () => (await idle(page), maxAbsDiff((await attention()).data, want)), {
          timeout: 120_000,
        })
        .toBeLessThanOrEqual(1e-3);
      // Back to dense, from browser storage: the attention and the model input are dense's again.
      await page.getByLabel('Preprocessing').selectOption('dense');
      await expect
        .poll(async () => (await idle(page), maxAbsDiff((await attention()).data, first.data)), {
          timeout: 120_000,
        })
        .toBeLessThanOrEqual(1e-6);
      await page.getByRole('tab', { name: 'Collection' }).click();
      const again = await input();
      expect(again.shape).toEqual(dense.shape);
      expect(maxAbsDiff(again.data, dense.data)).toBe(0);
      // Another resolution with the view open: the new grid's attention, not an error.
      await page.getByRole('tab', { name: 'Attention' }).click();
      await page.getByLabel('Resolution').selectOption('448');
      await expect
        .poll(async () => (await idle(page), (await attention()).shape), { timeout: 120_000 })
        .toEqual([4, 1029, 1029]);
      expect(await page.getByText(/Unexpected error/).count()).toBe(0);
    } finally {
      await browser.close();
    }
  });

  it('clicking a patch shows that patch’s attention', async () => {
    const browser = await launch({ webgpu: false });
    try {
      const { page, map } = await firstPatchOfChelsea(browser, 'dinov2-tiny');
      // The clicked patch is marked on the map (a cyan outline around the first patch).
      const edge = await map.evaluate((c: HTMLCanvasElement) =>
        Array.from(c.getContext('2d')!.getImageData(0, 7, 1, 1).data),
      );
      expect(edge[0]).toBeLessThan(60);
      expect(edge[1]).toBeGreaterThan(200);
      expect(edge[2]).toBeGreaterThan(200);
      await idle(page);
      // Every head's map in one PNG sheet, under a caption saying what they show.
      const sheet = await downloadPng(page, 'Download head maps image: chelsea.png');
      expect(sheet.name).toBe('chelsea.attention-heads.layer4.patch-r1-c1.dense-224.png');
      const [w, h] = await map.evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
      expect(sheet.png.width).toBe(4 * (w + 6) + 6); // the tiny model's 4 heads in one row
      const bare = 22 + h + 18 + 2 * 6; // the "Heads" title and one row of labelled maps
      // Three caption lines (image, layer and query, model) at least, written in light text.
      expect(sheet.png.height).toBeGreaterThanOrEqual(bare + 3 * 17);
      expect(lightPixels(sheet.png, sheet.png.height - bare)).toBeGreaterThan(200);
      await page.getByRole('button', { name: 'Back to CLS' }).click();
      await page.getByText(/attention of CLS/).waitFor();
      await idle(page);
      // The head mean too.
      const mean = await downloadPng(page, 'Download attention image: chelsea.png');
      expect(mean.name).toBe('chelsea.attention.layer4.cls.dense-224.png');
      // Enlarged by a whole factor to a long side of 640 px at least, for print.
      const k = Math.ceil(640 / Math.max(w, h));
      expect(k).toBeGreaterThan(1);
      expect(mean.png.width).toBe(k * w);
      // Caption lines (image, layer and query, colours, model) above, the colour bar below.
      expect(mean.png.height).toBeGreaterThanOrEqual(k * h + 4 * 17 + 41);
      expect(lightPixels(mean.png, mean.png.height - k * h)).toBeGreaterThan(200);
      // The colours' scale names the mean map's lowest and highest patch, as shares of the
      // query's (CLS's) attention: the head mean of the downloaded attention's first row.
      const att = await downloadNpy(page, 'Download attention: chelsea.png');
      const [heads, tokens] = att.shape;
      const means = Array.from({ length: tokens - 1 }, (_, p) => {
        let sum = 0;
        for (let hd = 0; hd < heads; hd++) sum += att.data[hd * tokens * tokens + 1 + p];
        return sum / heads;
      });
      const scale = await page
        .getByRole('img', { name: /^Colours \(inferno\): / })
        .getAttribute('aria-label');
      const [lo, hi] = [...scale!.matchAll(/([\d.]+)%/g)].map((m) => Number(m[1]) / 100);
      // (Two significant digits.)
      expect(Math.abs(lo - Math.min(...means))).toBeLessThanOrEqual(0.05 * lo);
      expect(Math.abs(hi - Math.max(...means))).toBeLessThanOrEqual(0.05 * hi);
      expect(hi).toBeGreaterThan(lo);
    } finally {
      await browser.close();
    }
  });

  it("marks the clicked patch on the heads' maps, not on the registers' own", async () => {
    const browser = await launch({ webgpu: false });
    try {
      const { page } = await firstPatchOfChelsea(browser, 'dinov2-reg4-tiny');
      await idle(page);
      /** The pixel on the first patch's left edge, where the cyan outline goes. */
      const edge = (name: string) =>
        page
          .getByRole('img', { name: `${name} attention: chelsea.png` })
          .evaluate((c: HTMLCanvasElement) =>
            Array.from(c.getContext('2d')!.getImageData(0, 7, 1, 1).data),
          );
      const cyan = ([r, g, b]: number[]) => r < 60 && g > 200 && b > 200;
      expect(cyan(await edge('Head 1'))).toBe(true);
      for (const k of [1, 2, 3, 4]) expect(cyan(await edge(`Register ${k}`))).toBe(false);
      // Each head's share to the registers is given to a tenth, as the status line's is.
      expect(await page.getByText(/^Head 1 · \d+\.\d% to registers$/).count()).toBe(1);
      // Their maps are a head mean, and the heading says so.
      await page
        .getByRole('heading', {
          name: 'Registers: their attention to the patches (mean over the 4 heads)',
        })
        .waitFor();
      // The sheet keeps the heads and the registers apart: the 4 heads on one row, the 4
      // registers on a row of their own, each under its title (not 6 maps to a row, mixed).
      const [w, h] = await page
        .getByRole('img', { name: 'Attention map: chelsea.png' })
        .evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
      const sheet = await downloadPng(page, 'Download head maps image: chelsea.png');
      expect(sheet.png.width).toBe(4 * (w + 6) + 6);
      const maps = 6 + 2 * (22 + h + 18 + 6);
      expect(sheet.png.height).toBeGreaterThanOrEqual(maps + 3 * 17);
      expect(sheet.png.height).toBeLessThan(maps + 10 * 17);
    } finally {
      await browser.close();
    }
  });
});
