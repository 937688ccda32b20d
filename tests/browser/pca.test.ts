/**
 * PCA maps in the built app: they render for the photos at the input's aspect ratio, two copies of
 * one photo get identical maps under joint PCA, and the exported colours equal an independent
 * PCA of the exported features (up to each component's sign).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decode, encode } from 'fast-png';
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
  openApp,
} from './harness';
import { referenceColours, referencePca } from './reference-pca';

const appUrl = inject('appUrl');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-pca-'));
const copy = path.join(tmp, 'chelsea-copy.png');
fs.copyFileSync(fixture('chelsea.png'), copy);
const photos = [fixture('astronaut.png'), fixture('chelsea.png'), copy];
const names = photos.map((p) => path.basename(p));

/** Waits until the maps on screen were computed (not computing) and the summary matches. */
async function settled(page: Page, summary: RegExp) {
  await page.waitForFunction(
    ([src]) => {
      const s = document.querySelector('[aria-label="PCA maps"]');
      return s?.getAttribute('aria-busy') === 'false' && new RegExp(src).test(s.textContent ?? '');
    },
    [summary.source],
    { timeout: 180_000 },
  );
}

/** Clicks a PNG download button and decodes the saved image. */
/** The RGB of the saved map below its `band` rows of caption. */
function mapArea(png: ReturnType<typeof decode>, band: number): number[] {
  const out: number[] = [];
  for (let y = band; y < png.height; y++)
    for (let x = 0; x < png.width; x++) {
      const o = (y * png.width + x) * png.channels;
      out.push(png.data[o], png.data[o + 1], png.data[o + 2]);
    }
  return out;
}

/**
 * The saved PCA image of `name` as it should be: a caption band of light text over the map alone
 * (the .npy's colours, a block per patch at the input's size enlarged for print), the same at
 * any opacity.
 */
async function expectMapImage(page: Page, name: string, stem: RegExp) {
  const canvas = page.getByRole('img', { name: `PCA map: ${name}`, exact: true });
  const [shownW, shownH] = await canvas.evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
  // Saved enlarged by a whole factor to a long side of 640 px at least, for print.
  const k = Math.ceil(640 / Math.max(shownW, shownH));
  const [w, h] = [k * shownW, k * shownH];
  const npy = await downloadNpy(page, `Download PCA: ${name}`);
  await page.getByLabel('Map opacity').fill('1');
  const opaque = await downloadPng(page, `Download PCA image: ${name}`);
  await page.getByLabel('Map opacity').fill('0.1');
  const faint = await downloadPng(page, `Download PCA image: ${name}`);
  await page.getByLabel('Map opacity').fill('1');
  // The names carry the recipe; the map and its array share it.
  expect(npy.name).toMatch(new RegExp(`^${stem.source}\\.npy$`));
  expect(opaque.name).toBe(npy.name.replace(/\.npy$/, '.png'));
  expect(faint.name).toBe(opaque.name);
  // Three caption lines at least (image, recipe, model), light text on a dark band.
  const { png } = opaque;
  expect(png.width).toBe(w);
  expect(png.height).toBeGreaterThanOrEqual(h + 3 * 17);
  const band = png.height - h;
  expect(lightPixels(png, band)).toBeGreaterThan(200);
  // The map area does not depend on the opacity (no photo under it).
  expect(faint.png.height).toBe(png.height);
  expect(mapArea(faint.png, band)).toEqual(mapArea(png, band));
  // Each patch a block of its exported colour.
  const [rows, cols] = npy.shape;
  const ph = h / rows;
  const pw = w / cols;
  const area = mapArea(png, band);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      for (const [dy, dx] of [
        [0, 0],
        [ph - 1, pw - 1],
        [ph >> 1, pw >> 1],
      ]) {
        const o = ((r * ph + dy) * w + c * pw + dx) * 3;
        for (let k = 0; k < 3; k++)
          expect(
            Math.abs(area[o + k] - Math.round(npy.data[(r * cols + c) * 3 + k] * 255)),
          ).toBeLessThanOrEqual(1);
      }
}

describe('PCA maps', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
    page = await openApp(browser, appUrl, '?backend=wasm&preprocess=dense&res=224');
    await loadModelReady(page, [fixture('dinov2-reg4-tiny', 'model.onnx')]);
    await addImages(page, photos);
    await page.getByRole('tab', { name: 'PCA maps' }).click();
    await settled(page, /Joint basis over 3 images/);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws a map per photo at the photo aspect ratio', async () => {
    for (const [name, w, h] of [
      ['astronaut.png', 512, 512],
      ['chelsea.png', 451, 300],
    ] as const) {
      const map = page.getByRole('img', { name: `PCA map: ${name}`, exact: true });
      await map.waitFor({ timeout: 120_000 });
      const size = await map.evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
      expect(size[0] % 14).toBe(0);
      expect(size[1] % 14).toBe(0);
      expect(Math.abs(size[0] / size[1] - w / h)).toBeLessThan(0.05);
    }
    expect(await page.getByText(/explained variance PC1 \d+\.\d%, PC2/).count()).toBe(1);
  });

  it('gives two copies of one photo identical maps under joint PCA', async () => {
    const a = await downloadNpy(page, 'Download PCA: chelsea.png');
    const b = await downloadNpy(page, 'Download PCA: chelsea-copy.png');
    expect(a.name).toBe('chelsea.pca.joint.dense-224.npy');
    expect(a.shape).toEqual([16, 24, 3]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('saves the joint map itself, captioned, under a name with its recipe', async () => {
    await expectMapImage(page, 'chelsea.png', /chelsea\.pca\.joint\.dense-224/);
  });

  it('exports the colours of a PCA of the exported features', async () => {
    await page.getByRole('tab', { name: 'Collection' }).click();
    const rows: Float64Array[] = [];
    const sizes: number[] = [];
    for (const name of names) {
      const f = await downloadNpy(page, `Download features: ${name}`);
      const [t, d] = f.shape;
      const patches = t - 5; // CLS and 4 registers come first
      sizes.push(patches);
      for (let i = 5; i < t; i++) rows.push(Float64Array.from(f.data.subarray(i * d, (i + 1) * d)));
    }
    await page.getByRole('tab', { name: 'PCA maps' }).click();
    const ref = referencePca(rows, 3);
    const want = referenceColours(rows, ref.components);
    let at = 0;
    for (const [i, name] of names.entries()) {
      const got = await downloadNpy(page, `Download PCA: ${name}`);
      expect(got.shape[0] * got.shape[1]).toBe(sizes[i]);
      for (let c = 0; c < 3; c++) {
        // A component's sign is arbitrary: colour c or 1 - c.
        let same = 0;
        let flipped = 0;
        for (let p = 0; p < sizes[i]; p++) {
          const g = got.data[p * 3 + c];
          const w = want[at + p][c];
          same = Math.max(same, Math.abs(g - w));
          flipped = Math.max(flipped, Math.abs(g - (1 - w)));
        }
        expect(Math.min(same, flipped)).toBeLessThan(2e-3);
      }
      at += sizes[i];
    }
  });

  it('switches to per-image PCA and the foreground recipe', async () => {
    await page.getByLabel('Joint PCA').uncheck();
    await page.getByLabel('Foreground only').check();
    await page.getByLabel('Show mask').check();
    await settled(page, /One basis per image for 3 images.*second PCA, foreground patches/);
    const map = page.getByRole('img', { name: 'PCA map: astronaut.png', exact: true });
    await map.waitFor();
    const got = await downloadNpy(page, 'Download PCA: astronaut.png');
    // Background patches are black; some patches are foreground.
    const n = got.shape[0] * got.shape[1];
    let black = 0;
    for (let p = 0; p < n; p++)
      if (got.data[p * 3] + got.data[p * 3 + 1] + got.data[p * 3 + 2] === 0) black++;
    expect(black).toBeGreaterThan(0);
    expect(black).toBeLessThan(n);
    // Saved under the recipe's name; the image is the colours, not the mask on screen.
    await expectMapImage(
      page,
      'astronaut.png',
      /astronaut\.pca\.image\.fg-(above|below)-0\.5\.dense-224/,
    );
  });

  it('says when no patch passes the threshold, and shows that empty mask', async () => {
    await page.getByLabel('Foreground side').selectOption('false');
    await page.getByLabel('Foreground threshold').fill('1');
    await settled(page, /no foreground at this threshold .*whole-image PCA is shown/);
    expect(await page.getByText('Fewer than 3 patches pass the threshold').count()).toBe(3);
    // Show mask is still on: the mask is (nearly) all background, not the colour map.
    const lit = await page
      .getByRole('img', { name: 'PCA map: astronaut.png', exact: true })
      .evaluate((c: HTMLCanvasElement) => {
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let on = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 0) on++;
        return on / (d.length / 4);
      });
    expect(lit).toBeLessThan(3 / 256 + 1e-6);
    await page.getByLabel('Foreground threshold').fill('0.5');
    await page.getByLabel('Foreground side').selectOption('auto');
  });

  it('starts the maps of a photo added while they are open with its features, the same maps', async () => {
    await page.getByLabel('Foreground only').uncheck();
    await page.getByLabel('Joint PCA').check();
    await settled(page, /Joint basis over 3 images/);
    await addImages(page, [fixture('coffee.png')]);
    await settled(page, /Joint basis over 4 images/);
    const section = page.getByRole('region', { name: 'PCA maps' });
    expect(await section.getAttribute('data-started-early')).toBe('true');
    // Maps this small (four images of the tiny model) came in the answer with the features.
    expect(await section.getAttribute('data-with-features')).toBe('true');
    const early = await downloadNpy(page, 'Download PCA: coffee.png');
    // The same request made the usual way (per image and back) gives the same colours.
    await page.getByLabel('Joint PCA').uncheck();
    await settled(page, /One basis per image for 4 images/);
    await page.getByLabel('Joint PCA').check();
    await settled(page, /Joint basis over 4 images/);
    expect(await section.getAttribute('data-started-early')).toBe('false');
    expect(await section.getAttribute('data-with-features')).toBe('false');
    const usual = await downloadNpy(page, 'Download PCA: coffee.png');
    expect(Array.from(early.data)).toEqual(Array.from(usual.data));
  });

  it('draws a transparent photo over the colour its alpha was composited on', async () => {
    // 56 x 56: the left half transparent, the right half opaque red.
    const data = new Uint8Array(56 * 56 * 4);
    for (let y = 0; y < 56; y++)
      for (let x = 28; x < 56; x++) data.set([255, 0, 0, 255], (y * 56 + x) * 4);
    const file = path.join(tmp, 'half-clear.png');
    fs.writeFileSync(file, encode({ width: 56, height: 56, data, channels: 4, depth: 8 }));
    await addImages(page, [file]);
    await settled(page, /Joint basis over 5 images/);
    await page.getByLabel('Map opacity').fill('0');
    const [left, right] = await page
      .getByRole('img', { name: 'PCA map: half-clear.png', exact: true })
      .evaluate((c: HTMLCanvasElement) => {
        const px = (x: number, y: number) =>
          Array.from(c.getContext('2d')!.getImageData(x, y, 1, 1).data.slice(0, 3));
        return [px(c.width / 4, c.height / 2), px((3 * c.width) / 4, c.height / 2)];
      });
    expect(left).toEqual([255, 255, 255]); // the model saw white there (the default)
    expect(right).toEqual([255, 0, 0]);
    await page.getByLabel('Map opacity').fill('1');
  });

  it("says on a panorama's card that its short side fell below the resolution", async () => {
    const data = new Uint8Array(4000 * 50 * 3).map((_, i) => (i * 7) % 251);
    const file = path.join(tmp, 'panorama.png');
    fs.writeFileSync(file, encode({ width: 4000, height: 50, data, channels: 3, depth: 8 }));
    await addImages(page, [file]);
    await page.getByRole('tab', { name: 'Collection' }).click();
    await page
      .getByText('short side 14 px, not 224: the long side is capped at 896 px')
      .waitFor({ timeout: 60_000 });
    await page.getByRole('tab', { name: 'PCA maps' }).click();
  });
});
