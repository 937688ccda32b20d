/**
 * Small things a new user meets in the views: an enlarged PCA map picked low in the grid comes
 * into view with its Back button; card buttons say what they do without repeating the file name
 * (their accessible names keep it); a patch clicked on the attention map does not move the map;
 * the card's size line and features' origin say what happened; transparent thumbnails sit on the
 * colour the model saw; search results line up; the per-image PCA summary says its figure is a
 * mean; the attention map of a portrait photo fits the window, a panorama's the view's width.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addImages, fixture, launch, loadModelReady, openApp, rgbaPng } from './harness';

const appUrl = inject('appUrl');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-polish-'));
// Enough maps for a grid taller than the window: three photos and six copies.
const photos = ['astronaut', 'chelsea', 'coffee'].map((n) => fixture(`${n}.png`));
const copies = [1, 2].flatMap((k) =>
  photos.map((p) => {
    const to = path.join(tmp, `${path.basename(p, '.png')}-${k}.png`);
    fs.copyFileSync(p, to);
    return to;
  }),
);

/** A generated picture written to the test's folder, for addImages. */
function picture(name: string, w: number, h: number, rgba: Parameters<typeof rgbaPng>[2]): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, rgbaPng(w, h, rgba));
  return file;
}

describe('view polish', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
    page = await openApp(browser, appUrl, '?backend=wasm&preprocess=dense&res=224');
    await page.setViewportSize({ width: 1280, height: 720 });
    await loadModelReady(page, [fixture('dinov2-tiny', 'model.onnx')]);
    await addImages(page, [...photos, ...copies]);
    await page
      .getByRole('button', { name: 'Download features: coffee-2.png' })
      .waitFor({ timeout: 180_000 });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows short button text on the cards, the name kept in the accessible name', async () => {
    const find = page.getByRole('button', { name: 'Find similar: chelsea.png', exact: true });
    expect((await find.textContent())?.trim()).toBe('Find similar');
    const features = page.getByRole('button', { name: 'Download features: chelsea.png' });
    expect((await features.textContent())?.trim()).toBe('Download features');
    const input = page.getByRole('button', { name: 'Download model input: chelsea.png' });
    expect((await input.textContent())?.trim()).toBe('Download model input');
  });

  it('brings an enlarged PCA map low in the grid into view with its Back button', async () => {
    await page.getByRole('tab', { name: 'PCA maps' }).click();
    const enlarge = page.getByRole('button', { name: 'Enlarge PCA map of coffee-2.png' });
    await enlarge.waitFor({ timeout: 120_000 });
    const save = page.getByRole('button', { name: 'Download PCA image: coffee-2.png' });
    expect((await save.textContent())?.trim()).toBe('Download PCA image');
    await enlarge.scrollIntoViewIfNeeded();
    // The page is scrolled down to reach it (the test means nothing otherwise).
    expect(
      await page.evaluate(() => scrollY + document.querySelector('.main')!.scrollTop),
    ).toBeGreaterThan(200);
    await enlarge.click();
    const back = page.getByRole('button', { name: 'Back to all maps' });
    await back.waitFor();
    const b = (await back.boundingBox())!;
    expect(b.y).toBeGreaterThanOrEqual(0);
    const map = (await page.getByRole('img', { name: 'PCA map: coffee-2.png' }).boundingBox())!;
    expect(map.y).toBeGreaterThan(b.y);
    expect(map.y + map.height).toBeLessThanOrEqual(720);
    expect(map.height).toBeGreaterThan(200);
    // Back in the grid, the map's button is in view (and focused).
    await back.click();
    await page.waitForFunction(
      () =>
        document.activeElement?.getAttribute('aria-label') === 'Enlarge PCA map of coffee-2.png',
    );
    const again = (await enlarge.boundingBox())!;
    expect(again.y).toBeLessThan(720);
    expect(again.y + again.height).toBeGreaterThan(0);
  });

  it('says the per-image summary figure is the mean over the images', async () => {
    await page.getByRole('tab', { name: 'PCA maps' }).click();
    const joint = page.getByRole('checkbox', { name: 'Joint PCA' });
    await joint.uncheck();
    const view = page.getByRole('region', { name: 'PCA maps' });
    await page.waitForFunction(
      () => {
        const s = document.querySelector('[aria-label="PCA maps"]');
        return (
          s?.getAttribute('aria-busy') === 'false' &&
          /One basis per image for 9 images/.test(s.textContent ?? '')
        );
      },
      null,
      { timeout: 120_000 },
    );
    const summary = (await view.locator('p').first().textContent())!;
    const m = summary.match(/explained variance \(mean over the images\) PC1 (\d+\.\d)%/);
    expect(m, summary).not.toBeNull();
    // Each card says its own image's figures: the summary's PC1 is their mean.
    const own = await view
      .locator('.card small')
      .filter({ hasText: /patches · / })
      .allTextContents();
    expect(own).toHaveLength(9);
    const pc1 = own.map((t) => Number(t.match(/· (\d+\.\d)% \//)![1]));
    const mean = pc1.reduce((s, v) => s + v, 0) / pc1.length;
    expect(Math.abs(mean - Number(m![1]))).toBeLessThan(0.1);
    await joint.check();
  });

  it('keeps the attention map in place when a patch is clicked', async () => {
    await page.getByRole('tab', { name: 'Attention' }).click();
    const map = page.getByRole('img', { name: /^Attention map: / });
    await map.waitFor({ timeout: 120_000 });
    const cls = page.getByRole('button', { name: 'Back to CLS' });
    expect(await cls.isDisabled()).toBe(true);
    const section = page.getByRole('region', { name: 'Attention' });
    // Every control's label starts with a capital, as the others do.
    expect(await section.locator('.toolbar').textContent()).toContain('Mask keeps');
    const before = (await map.boundingBox())!;
    await map.click({ position: { x: 20, y: 20 } });
    await page.getByText(/attention of patch/).waitFor({ timeout: 60_000 });
    expect(await cls.isEnabled()).toBe(true);
    const after = (await map.boundingBox())!;
    expect(after.y).toBe(before.y);
    const save = page.getByRole('button', { name: /^Download attention image: [^ ]+\.png$/ });
    // Shown: the short text only (the name is read, not shown).
    const shown = await save.evaluate((b) =>
      [...b.querySelectorAll('span')]
        .filter((s) => s.getBoundingClientRect().width > 1)
        .map((s) => s.textContent),
    );
    expect(shown).toEqual(['Download attention image']);
    // The image select is still the one control labelled "Attention image".
    expect(await page.getByLabel('Attention image').count()).toBe(1);
    await cls.click();
    await page.getByText(/attention of CLS/).waitFor({ timeout: 60_000 });
    expect(await cls.isDisabled()).toBe(true);
  });

  it('lines the search results up in columns sized to the images', async () => {
    await page.setViewportSize({ width: 1400, height: 900 });
    try {
      await page.getByRole('tab', { name: 'Search' }).click();
      await page.getByLabel('Query image', { exact: true }).selectOption({ label: 'coffee.png' });
      const list = page.getByRole('list', { name: 'Neighbours of coffee.png' });
      await list.getByRole('listitem').nth(7).waitFor({ timeout: 60_000 });
      const find = list.getByRole('button', { name: 'Find similar: chelsea.png', exact: true });
      expect((await find.textContent())?.trim()).toBe('Find similar');
      const cells = await list.getByRole('listitem').evaluateAll((items) =>
        items.map((li) => {
          const box = li.getBoundingClientRect();
          const c = li.querySelector('canvas')!.getBoundingClientRect();
          const row = li.querySelector('.row')!.getBoundingClientRect();
          return {
            top: box.top,
            centre: box.left + box.width / 2,
            canvas: c.left + c.width / 2,
            canvasHeight: c.height,
            row: row.top,
          };
        }),
      );
      const tops = [...new Set(cells.map((c) => Math.round(c.top)))];
      // Three columns at least beside the query in a 1400 px window.
      expect(cells.filter((c) => Math.round(c.top) === tops[0]).length).toBeGreaterThanOrEqual(3);
      for (const c of cells) expect(Math.abs(c.canvas - c.centre)).toBeLessThan(1);
      // Images of mixed heights (a square astronaut, wide cats) keep names on one line per row.
      expect(new Set(cells.map((c) => Math.round(c.canvasHeight))).size).toBeGreaterThan(1);
      for (const t of tops) {
        const rows = cells.filter((c) => Math.round(c.top) === t).map((c) => Math.round(c.row));
        expect(new Set(rows).size).toBe(1);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 720 });
    }
  });
});

describe('collection card notes', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('says a centre crop, and shows transparent pixels on the chosen colour', async () => {
    const page = await openApp(browser, appUrl, '?backend=wasm&preprocess=classifier&res=224');
    await loadModelReady(page, [fixture('dinov2-tiny', 'model.onnx')]);
    // 256 x 256 is the classifier's resize size: cropped to 224 x 224 without resampling.
    const cutout = picture('cutout.png', 256, 256, (x, y) => [
      (x * 7) % 256,
      (y * 5) % 256,
      128,
      x < 128 ? 0 : 255,
    ]);
    await addImages(page, [cutout, fixture('chelsea.png')]);
    const grid = page.getByRole('region', { name: 'Image collection' });
    await grid
      .getByText('256×256 → 224×224 (centre crop, not resampled)')
      .waitFor({ timeout: 120_000 });
    const thumb = grid.getByRole('img', { name: 'cutout.png' });
    const bg = () => thumb.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(await bg()).toBe('rgb(255, 255, 255)');
    // An opaque photo's letterbox keeps the thumbnails' own black, not the chosen white.
    const photo = grid.getByRole('img', { name: 'chelsea.png' });
    await grid.getByRole('button', { name: 'Download features: chelsea.png' }).waitFor();
    expect(await photo.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(0, 0, 0)');
    await page.getByLabel('Transparent pixels').selectOption('black');
    await grid.getByText(/transparency composited on black/).waitFor({ timeout: 120_000 });
    expect(await bg()).toBe('rgb(0, 0, 0)');
    await page.context().close();
  });

  it('asks for a model in the PCA view when none is loaded', async () => {
    const page = await openApp(browser, appUrl, '?backend=wasm');
    await page.getByRole('tab', { name: 'PCA maps' }).click();
    await page
      .getByText('Load a model (Model, in the side panel); maps appear once images have features.')
      .waitFor();
    await page.context().close();
  });

  it('says what the classifier crop leaves out of a panorama, and when a picture is enlarged', async () => {
    const page = await openApp(browser, appUrl, '?backend=wasm&preprocess=classifier');
    await loadModelReady(page, [fixture('dinov2-tiny', 'model.onnx')]);
    const panorama = picture('panorama.png', 2000, 300, (x, y) => [x % 256, y % 256, 90, 255]);
    const tiny = picture('tiny.png', 20, 20, (x, y) => [x * 12, y * 12, 40, 255]);
    await addImages(page, [panorama, tiny]);
    const grid = page.getByRole('region', { name: 'Image collection' });
    await grid.getByText(/the centre crop keeps 11% of the picture/).waitFor({ timeout: 120_000 });
    await grid.getByText(/enlarged 12\.8× to the model's size/).waitFor();
    await page.context().close();
  });

  it('fits a portrait attention map in a small window, and gives a panorama the width', async () => {
    const page = await openApp(browser, appUrl, '?backend=wasm&preprocess=dense&res=224');
    await page.setViewportSize({ width: 1024, height: 700 });
    await loadModelReady(page, [fixture('dinov2-tiny', 'model.onnx')]);
    const tall = picture('tall.png', 300, 450, (x, y) => [x % 256, y % 256, 120, 255]);
    const wide = picture('wide.png', 1350, 300, (x, y) => [y % 256, x % 256, 60, 255]);
    await addImages(page, [tall, wide]);
    await page.getByRole('tab', { name: 'Attention' }).click();
    await page.getByLabel('Attention image').selectOption({ label: 'tall.png' });
    const map = page.getByRole('img', { name: 'Attention map: tall.png' });
    await map.waitFor({ timeout: 120_000 });
    // Seen without scrolling: the whole map, and the buttons below it.
    const box = (await map.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(700);
    const save = page.getByRole('button', { name: 'Download attention image: tall.png' });
    const button = (await save.boundingBox())!;
    expect(button.y + button.height).toBeLessThanOrEqual(700);
    expect(box.height).toBeGreaterThan(250);
    // A wide window: the panorama spans the view (it was held to 640 px), still within the height.
    await page.setViewportSize({ width: 1600, height: 900 });
    await page.getByLabel('Attention image').selectOption({ label: 'wide.png' });
    const pano = page.getByRole('img', { name: 'Attention map: wide.png' });
    await pano.waitFor({ timeout: 120_000 });
    const view = (await page.getByRole('region', { name: 'Attention' }).boundingBox())!;
    const wideBox = (await pano.boundingBox())!;
    expect(wideBox.width).toBeGreaterThan(0.95 * view.width);
    expect(wideBox.y + wideBox.height).toBeLessThanOrEqual(900);
    await page.context().close();
  });
});
