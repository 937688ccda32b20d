/**
 * A class-per-folder dataset (cats/, dogs/, cups/ with the same file names in each), as a new user
 * adds it: the cards come in the folder's order, adding it again says how many files were already
 * there (by path) without stacking notices, and its exported index imports into a copy of the
 * dataset under another root, or into one of its subfolders alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeNpy } from '../../src/lib/npy';
import {
  downloadNpy,
  fixture,
  launch,
  loadModelReady,
  maxAbsDiff,
  removeAll,
  rgbaPng,
} from './harness';

const appUrl = inject('appUrl');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-folders-'));
const FOLDERS = ['cats', 'dogs', 'cups'];
/** Unpadded numbers, so that the disk's or a plain string order would put 10 before 2. */
const NAMES = ['1.png', '2.png', '10.png'];
const MODEL = fixture('dinov2-tiny', 'model.onnx');

/** The dataset under `root`: each file its own small picture, so no two share their content. */
function writeDataset(root: string): void {
  FOLDERS.forEach((folder, f) => {
    fs.mkdirSync(path.join(root, folder), { recursive: true });
    NAMES.forEach((name, n) =>
      fs.writeFileSync(
        path.join(root, folder, name),
        rgbaPng(32, 24, (x, y) => [(x * 8 + f * 80) % 256, (y * 10 + n * 70) % 256, 60 * f, 255]),
      ),
    );
  });
  fs.writeFileSync(path.join(root, 'readme.txt'), 'classes: cats, dogs, cups');
}

async function open(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(`${appUrl}?backend=wasm&preprocess=dense&res=224`);
  await page.getByRole('status').waitFor();
  await loadModelReady(page, [MODEL]);
  return page;
}

/** The cards' labels, in the order the grid shows them. */
async function cardOrder(page: Page): Promise<string[]> {
  const grid = page.getByRole('region', { name: 'Image collection' });
  const labels = await grid
    .getByRole('button', { name: /^Remove / })
    .evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label') ?? ''));
  return labels.map((l) => l.replace(/^Remove /, ''));
}

/** The notices that contain `text`. */
function notes(page: Page, text: string) {
  return page.getByRole('note').filter({ hasText: text });
}

/** Imports the index, waits for its summary and returns it with the counts it gives. */
async function importIndex(page: Page, files: string[]) {
  const summaries = notes(page, 'Imported features for');
  // One summary at a time: this import's replaces the last one's.
  const old = (await summaries.count()) > 0 ? await summaries.first().elementHandle() : null;
  await page.getByLabel('Import index').setInputFiles(files);
  if (old) await page.waitForFunction((el) => !el.isConnected, old);
  await summaries.first().waitFor();
  expect(await summaries.count()).toBe(1);
  const text = (await summaries.first().textContent()) ?? '';
  const imported = Number(/Imported features for (\d+) of/.exec(text)?.[1] ?? NaN);
  // The model may have indexed some of the images before the import reached them.
  const kept = Number(/(\d+) images? already ha/.exec(text)?.[1] ?? 0);
  return { text, matched: imported + kept };
}

describe('a dataset of class folders', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const ds = path.join(tmp, 'ds');
  const index = [
    path.join(tmp, 'collection.index.json'),
    path.join(tmp, 'collection.features.npy'),
  ];

  beforeAll(async () => {
    writeDataset(ds);
    browser = await launch({ webgpu: false });
    context = await browser.newContext({ acceptDownloads: true });
    page = await open(context);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the cards in the order of their paths, numbers in natural order', async () => {
    await page.getByLabel('Image folder').setInputFiles(ds);
    await page.getByText(`9 of 9 images have features`).waitFor({ timeout: 180_000 });
    expect(await cardOrder(page)).toEqual(
      ['cats', 'cups', 'dogs'].flatMap((f) => NAMES.map((n) => `${f}/${n}`)),
    );
    await notes(page, 'Skipped 1 file of the folder').waitFor();
  });

  it('says every file already there, by its path, once, when the folder is added again', async () => {
    await page.getByLabel('Image folder').setInputFiles(ds);
    const again = notes(page, 'already in the collection');
    await again.waitFor();
    expect(await again.textContent()).toContain(
      '"cats/1.png", "cats/2.png", "cats/10.png" and 6 more are already in the collection',
    );
    expect(await cardOrder(page)).toHaveLength(9);
    // The same notice again replaces the one shown rather than stacking a second.
    expect(await notes(page, 'Skipped 1 file of the folder').count()).toBe(1);
    await page.getByLabel('Image folder').setInputFiles(ds);
    await page.waitForTimeout(500);
    expect(await notes(page, 'already in the collection').count()).toBe(1);
    expect(await notes(page, 'Skipped 1 file of the folder').count()).toBe(1);
  });

  it('imports its index into a copy of the dataset under another root', async () => {
    await page.getByRole('tab', { name: 'Collection' }).click();
    const json = page.waitForEvent('download', (d) => d.suggestedFilename().endsWith('.json'));
    const npy = page.waitForEvent('download', (d) => d.suggestedFilename().endsWith('.npy'));
    await page.getByRole('button', { name: 'Export index' }).click();
    fs.copyFileSync(await (await json).path(), index[0]);
    fs.copyFileSync(await (await npy).path(), index[1]);
    const manifest = JSON.parse(fs.readFileSync(index[0], 'utf8'));
    expect(manifest.images.map((e: { folder: string }) => e.folder)).toContain('ds/cats');

    const copy = path.join(tmp, 'copy', 'dataset');
    fs.cpSync(ds, copy, { recursive: true });
    const fresh = await browser.newContext({ acceptDownloads: true });
    try {
      const p = await open(fresh);
      await p.getByLabel('Image folder').setInputFiles(copy);
      const whole = await importIndex(p, index);
      expect(whole.text).toContain('of 9 images');
      expect(whole.matched).toBe(9);
      expect(whole.text).not.toContain('no image');

      // Only the cats: their entries match, and the others are said to be other files.
      await removeAll(p);
      await p.getByLabel('Image folder').setInputFiles(path.join(copy, 'cats'));
      const cats = await importIndex(p, index);
      expect(cats.matched).toBe(3);
      expect(cats.text).toContain(
        '6 entries match no image in the collection: the images of the same name are other files',
      );
      expect(cats.text).not.toContain('no image of that name');
      // Each cat has the features of its own entry, not of the dog or cup of its name.
      const all = decodeNpy(fs.readFileSync(index[1]));
      const entry = manifest.images.find(
        (e: { name: string; folder: string }) => e.name === '2.png' && e.folder === 'ds/cats',
      );
      const own = await downloadNpy(p, 'Download features: 2.png');
      const dim = manifest.model.dim;
      const rows = (all.data as Float32Array).subarray(
        entry.token_start * dim,
        (entry.token_start + entry.token_count) * dim,
      );
      // Imported (bit-exact) or, where the model got to it first, computed.
      expect(maxAbsDiff(own.data, rows)).toBeLessThanOrEqual(1e-3);
    } finally {
      await fresh.close();
    }
  });

  it('brings back the class folders when the images are picked as loose files', async () => {
    await removeAll(page);
    const loose = FOLDERS.flatMap((f) => NAMES.map((n) => path.join(ds, f, n)));
    // Apart in time too: files of one name, size and date picked together are one file twice.
    loose.forEach((file, k) => fs.utimesSync(file, new Date(), new Date(Date.now() - k * 60_000)));
    const back = await importIndex(page, [...index, ...loose]);
    expect(back.matched).toBe(9);
    const want = FOLDERS.flatMap((f) => NAMES.map((n) => `${f}/${n}`)).sort();
    // Told apart by the folders the index recorded, not as "1.png (2)".
    await expect.poll(async () => (await cardOrder(page)).sort()).toEqual(want);
    // Kept in storage: a reload has them too.
    const again = await open(context);
    try {
      await again.getByText('9 of 9 images have features').waitFor({ timeout: 120_000 });
      expect((await cardOrder(again)).sort()).toEqual(want);
    } finally {
      await again.close();
    }
  });
});
