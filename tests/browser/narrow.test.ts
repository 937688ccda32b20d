/**
 * A phone's width: at 320 and 400 px nothing of the page sticks out past the window's right edge,
 * in any view, with a model and images loaded (the header's Share button, the search query's
 * canvas and its controls were cut off at 320 px). And patch grids read like pixel sizes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addImages, fixture, launch, loadModelReady } from './harness';

const appUrl = inject('appUrl');
/** A model file named as some exports are: long, without a space to break the status line at. */
const LONG_NAME = 'dinov2_with_registers_small_imagenet1k_1_layer_model_quantized_uint8.onnx';

/**
 * The visible elements whose box ends past the window's right edge: cut off, or reachable only by
 * scrolling sideways (no part of the app is meant to scroll sideways).
 */
async function sticksOut(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const edge = document.documentElement.clientWidth + 0.5;
    for (const el of document.body.querySelectorAll<HTMLElement>('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || r.right <= edge) continue;
      if (getComputedStyle(el).visibility === 'hidden') continue;
      const name = el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? '';
      out.push(
        `${el.tagName.toLowerCase()}.${el.className} "${name}" ends at ${Math.round(r.right)}`,
      );
    }
    // Enough to tell what sticks out (its descendants often follow it).
    return out.slice(0, 8);
  });
}

describe('narrow windows', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await page.goto(`${appUrl}?backend=wasm`);
    await page.getByRole('status').waitFor();
    const model = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-narrow-')), LONG_NAME);
    fs.copyFileSync(fixture('dinov2-tiny', 'model.onnx'), model);
    await loadModelReady(page, [model]);
    await addImages(
      page,
      ['astronaut.png', 'chelsea.png', 'coffee.png'].map((n) => fixture(n)),
    );
    await page.getByRole('tab', { name: 'Collection' }).click();
    await page
      .getByRole('button', { name: 'Download features: coffee.png' })
      .waitFor({ timeout: 120_000 });
    await page.getByRole('tab', { name: 'Search' }).click();
    await page.getByLabel('Query image', { exact: true }).selectOption({ label: 'astronaut.png' });
    await page.getByRole('img', { name: 'Query: astronaut.png' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('gives patch grids width first, as the pixel sizes beside them', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    // chelsea.png is 451 x 300: 336 x 224 at 224 px dense, 24 patches across and 16 down.
    await page.getByRole('tab', { name: 'Collection' }).click();
    await page.getByText(/451×300 → 336×224 · 24×16 patches/).waitFor();
    await page.getByRole('tab', { name: 'PCA maps' }).click();
    await page.getByText('24×16 patches').first().waitFor();
  });

  it('shows an enlarged PCA map whole in a 1280 x 720 window', async () => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.getByRole('tab', { name: 'PCA maps' }).click();
    await page.getByRole('button', { name: 'Enlarge PCA map of astronaut.png' }).click();
    const map = (await page.getByRole('img', { name: 'PCA map: astronaut.png' }).boundingBox())!;
    expect(map.y + map.height).toBeLessThanOrEqual(720);
    await page.getByRole('button', { name: 'Back to all maps' }).click();
  });

  it('folds the side panel away on a phone, saying what it holds', async () => {
    const toggle = page.getByRole('button', { name: 'Hide model and images' });
    await page.setViewportSize({ width: 1280, height: 900 });
    // A wide window shows the panels beside the views: nothing to fold.
    expect(await toggle.isVisible()).toBe(false);
    await page.setViewportSize({ width: 360, height: 800 });
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const tabsBefore = (await page.getByRole('tablist', { name: 'Views' }).boundingBox())!;
    await toggle.click();
    const show = page.getByRole('button', { name: 'Show model and images' });
    expect(await show.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByLabel('Model file', { exact: true }).isVisible()).toBe(false);
    expect(await page.getByLabel('Images', { exact: true }).isVisible()).toBe(false);
    expect(await page.getByText(`Model: ${LONG_NAME} · 3 images`).isVisible()).toBe(true);
    // The views come up to the top of the page.
    const tabsAfter = (await page.getByRole('tablist', { name: 'Views' }).boundingBox())!;
    expect(tabsAfter.y).toBeLessThan(tabsBefore.y - 300);
    expect(await sticksOut(page)).toEqual([]);
    // Widened while folded, the window shows the panels again; and Show brings them back.
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await page.getByLabel('Model file', { exact: true }).isVisible()).toBe(true);
    await page.setViewportSize({ width: 360, height: 800 });
    await show.click();
    expect(await page.getByLabel('Model file', { exact: true }).isVisible()).toBe(true);
  });

  for (const width of [320, 400]) {
    it(`keeps every view within a ${width} px window`, async () => {
      await page.setViewportSize({ width, height: 800 });
      const found: string[] = [];
      for (const view of ['Collection', 'PCA maps', 'Attention', 'Search', '3D view']) {
        await page.getByRole('tab', { name: view }).click();
        await page.getByRole('tabpanel').waitFor();
        // Each view's main content drawn (the 3D view's canvas is sized after a frame).
        await page.waitForTimeout(300);
        found.push(...(await sticksOut(page)).map((s) => `${view}: ${s}`));
      }
      expect(found).toEqual([]);
      // The header's last control is whole.
      const share = (await page.getByRole('button', { name: 'Share' }).boundingBox())!;
      expect(share.x + share.width).toBeLessThanOrEqual(width);
    });

    it(`shows a link's long model address whole in a ${width} px window`, async () => {
      const url = `https://models.example.org/some/long/folder/without/spaces/${LONG_NAME}`;
      const other = await browser.newPage({ viewport: { width, height: 800 } });
      try {
        await other.goto(`${appUrl}?backend=wasm&model=${encodeURIComponent(url)}`);
        const dialog = other.getByRole('dialog');
        await dialog.getByText(url).waitFor();
        expect(await sticksOut(other)).toEqual([]);
      } finally {
        await other.close();
      }
    });
  }
});
