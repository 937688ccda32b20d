/**
 * "Transparent pixels" (the colour a transparent image is laid on) changes only the features of
 * images that have transparent pixels: opaque ones are not computed again, now or after a reload.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  addImages,
  fixture,
  launch,
  loadModelReady,
  openApp,
  removeAll,
  rgbaPng,
  storedFeatureCount,
} from './harness';

const appUrl = inject('appUrl');

/**
 * How many times the worker computed each file's features (the bench hook's records: an answer
 * from browser storage ran no inference).
 */
function embedsByFile(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const r of window.__dinov2Bench!.records)
      if (r.type === 'embed' && r.ok && r.fileName && r.timings!.inferenceMs > 0)
        out[r.fileName] = (out[r.fileName] ?? 0) + 1;
    return out;
  });
}

describe('transparent pixels', () => {
  let browser: Browser;
  const model = fixture('dinov2-tiny', 'model.onnx');
  // Half transparent: its left half is whatever colour it is laid on.
  const cutout = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-alpha-')), 'cutout.png');
  fs.writeFileSync(
    cutout,
    rgbaPng(96, 80, (x, y) => [(x * 7) % 256, (y * 5) % 256, 128, x < 48 ? 0 : 255]),
  );

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('recomputes only the image with transparent pixels when the colour changes', async () => {
    const query = '?backend=wasm&preprocess=classifier&bench=1';
    const page = await openApp(browser, appUrl, query);
    await loadModelReady(page, [model]);
    await addImages(page, [fixture('chelsea.png'), cutout]);
    const grid = page.getByRole('region', { name: 'Image collection' });
    await grid.getByText(/transparency composited on white/).waitFor({ timeout: 120_000 });
    await grid.getByRole('button', { name: 'Download features: chelsea.png' }).waitFor();
    expect(await embedsByFile(page)).toEqual({ 'chelsea.png': 1, 'cutout.png': 1 });

    await page.getByLabel('Transparent pixels').selectOption('black');
    await grid.getByText(/transparency composited on black/).waitFor({ timeout: 120_000 });
    expect(await embedsByFile(page)).toEqual({ 'chelsea.png': 1, 'cutout.png': 2 });
    // The opaque image kept its features throughout.
    await grid.getByRole('button', { name: 'Download features: chelsea.png' }).waitFor();

    // Kept in storage under a key that holds for any colour: after a reload (the setting is
    // black now, and chelsea.png was saved while it was white) nothing is computed again.
    await expect.poll(() => storedFeatureCount(page), { timeout: 30_000 }).toBe(3);
    // Opened again with the hook (the app's address no longer has bench=1).
    await page.goto(appUrl + query);
    await page.getByRole('status').waitFor();
    await loadModelReady(page, [model]);
    await page.getByRole('tab', { name: 'Collection' }).click();
    await expect
      .poll(() => grid.getByText(/features from browser storage/).count(), { timeout: 60_000 })
      .toBe(2);
    expect(await embedsByFile(page)).toEqual({});
    await page.context().close();
  });
});

describe('transparent pixels in an exported index', () => {
  let browser: Browser;
  const model = fixture('dinov2-tiny', 'model.onnx');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-alpha-index-'));
  const cutout = path.join(dir, 'cutout.png');
  fs.writeFileSync(
    cutout,
    rgbaPng(64, 64, (x, y) => [x * 4, y * 4, 90, y < 20 ? 0 : 255]),
  );
  const photos = [fixture('chelsea.png'), cutout];

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('says which images had transparent pixels, and takes none as opaque when it does not', async () => {
    const page = await openApp(browser, appUrl, '?backend=wasm&preprocess=classifier&bench=1');
    await loadModelReady(page, [model]);
    await addImages(page, photos);
    const grid = page.getByRole('region', { name: 'Image collection' });
    await grid.getByText(/2 of 2 images have features/).waitFor({ timeout: 120_000 });
    const downloads = Promise.all(
      ['.json', '.npy'].map((end) =>
        page.waitForEvent('download', (d) => d.suggestedFilename().endsWith(end)),
      ),
    );
    await page.getByRole('button', { name: 'Export index' }).click();
    const [json, npy] = await downloads;
    const manifest = JSON.parse(fs.readFileSync(await json.path(), 'utf8'));
    const alpha = Object.fromEntries(
      manifest.images.map((im: { name: string; had_alpha: boolean }) => [im.name, im.had_alpha]),
    );
    expect(alpha).toEqual({ 'chelsea.png': false, 'cutout.png': true });
    const features = path.join(dir, 'collection.features.npy');
    fs.copyFileSync(await npy.path(), features);
    const withAlpha = path.join(dir, 'collection.index.json');
    fs.writeFileSync(withAlpha, JSON.stringify(manifest));
    // An index that does not say (an older one, or one written by a script).
    const unsaid = path.join(dir, 'unsaid', 'collection.index.json');
    fs.mkdirSync(path.dirname(unsaid));
    for (const im of manifest.images) delete im.had_alpha;
    fs.writeFileSync(unsaid, JSON.stringify(manifest));

    const colour = page.getByLabel('Transparent pixels');
    const importAndSwitch = async (index: string) => {
      await removeAll(page);
      await colour.selectOption('white');
      await page.getByLabel('Import index').setInputFiles([index, features, ...photos]);
      await page.getByText(/Imported features for 2 of 2 images/).waitFor();
      // The notice may still be the first import's: the cards say this one is in (the colour
      // switched while it is under way would recompute an image still being imported).
      await grid.getByText(/2 of 2 images have features/).waitFor({ timeout: 120_000 });
      await colour.selectOption('black');
      await grid.getByText(/transparency composited on black/).waitFor({ timeout: 120_000 });
      await grid.getByText(/2 of 2 images have features/).waitFor({ timeout: 120_000 });
    };
    // Not said: neither image is taken as opaque, so both are computed again.
    await importAndSwitch(unsaid);
    expect(await embedsByFile(page)).toEqual({ 'chelsea.png': 2, 'cutout.png': 2 });
    // Said: only the image with transparent pixels is.
    await importAndSwitch(withAlpha);
    expect(await embedsByFile(page)).toEqual({ 'chelsea.png': 2, 'cutout.png': 3 });
    await page.context().close();
  });
});
