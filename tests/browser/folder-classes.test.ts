/**
 * Folders as classes in the Search view: leave-one-out k-NN classification of a class-per-folder
 * dataset, checked against the same evaluation computed here from the exported index (the
 * features the app holds), with its per-folder table and the misclassified images.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeNpy } from '../../src/lib/npy';
import { fixture, launch, loadModelReady, openApp, rgbaPng } from './harness';

const appUrl = inject('appUrl');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-classes-'));
const FOLDERS = ['blue', 'green', 'red'];
const PER_FOLDER = 5;

/** A dataset whose classes are hues, with per-image patterns that make some of them hard. */
function writeDataset(root: string): void {
  FOLDERS.forEach((folder, f) => {
    fs.mkdirSync(path.join(root, folder), { recursive: true });
    for (let n = 0; n < PER_FOLDER; n++) {
      fs.writeFileSync(
        path.join(root, folder, `${n}.png`),
        rgbaPng(56, 42, (x, y) => {
          // The class is a slight tint; the pattern, which varies more, is per image.
          const stripe = ((x + n * 7) >> (1 + (n % 3))) % 2 ? 120 : 0;
          const v = 60 + stripe + ((y * (n + 1) * 5) % 70);
          const rgb = [v, v, v];
          rgb[2 - f] += 30; // blue, green, red
          return [rgb[0], rgb[1], rgb[2], 255];
        }),
      );
    }
  });
}

/** The evaluation as written (DINO's eval_knn), on the exported index's CLS tokens. */
function expected(manifestFile: string, npyFile: string, k: number, T: number) {
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const all = decodeNpy(new Uint8Array(fs.readFileSync(npyFile)));
  const dim: number = manifest.model.dim;
  const data = all.data as Float32Array;
  const items = (manifest.images as { name: string; folder: string; token_start: number }[]).map(
    (e) => {
      const v = Array.from(data.subarray(e.token_start * dim, (e.token_start + 1) * dim));
      const norm = Math.hypot(...v);
      return { name: `${e.folder}/${e.name}`, folder: e.folder, v: v.map((x) => x / norm) };
    },
  );
  const wrong: string[] = [];
  for (const a of items) {
    const others = items
      .filter((b) => b !== a)
      .map((b) => ({ b, s: a.v.reduce((t, x, j) => t + x * b.v[j], 0) }))
      .sort((p, q) => q.s - p.s)
      .slice(0, k);
    const votes = new Map<string, number>();
    for (const { b, s } of others)
      votes.set(b.folder, (votes.get(b.folder) ?? 0) + Math.exp(s / T));
    const best = [...votes].sort((p, q) => q[1] - p[1] || (p[0] < q[0] ? -1 : 1))[0][0];
    if (best !== a.folder) wrong.push(a.name);
  }
  return { total: items.length, correct: items.length - wrong.length, wrong: wrong.sort() };
}

describe('folders as classes', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
    writeDataset(path.join(tmp, 'hues'));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('asks for folders, then classifies the dataset as the evaluation computed here does', async () => {
    page = await openApp(browser, appUrl, '?backend=wasm&preprocess=dense&res=224&view=search');
    await loadModelReady(page, [fixture('dinov2-tiny', 'model.onnx')]);
    // Loose photos are in no folder: nothing to classify by.
    await page.getByLabel('Images', { exact: true }).setInputFiles([fixture('chelsea.png')]);
    const button = page.getByRole('button', { name: 'Classify by folder' });
    await page.getByText('No indexed image is in a class folder.').waitFor({ timeout: 120_000 });
    expect(await button.isDisabled()).toBe(true);

    await page.getByLabel('Image folder').setInputFiles(path.join(tmp, 'hues'));
    await page.getByRole('tab', { name: 'Collection' }).click();
    await page
      .getByText(
        `${1 + FOLDERS.length * PER_FOLDER} of ${1 + FOLDERS.length * PER_FOLDER} images have features`,
      )
      .waitFor({ timeout: 180_000 });
    const [json, npy] = await Promise.all([
      page.waitForEvent('download', (d) => d.suggestedFilename().endsWith('.json')),
      page.waitForEvent('download', (d) => d.suggestedFilename().endsWith('.npy')),
      page.getByRole('button', { name: 'Export index' }).click(),
    ]);
    const files = [path.join(tmp, 'index.json'), path.join(tmp, 'index.npy')];
    fs.copyFileSync(await json.path(), files[0]);
    fs.copyFileSync(await npy.path(), files[1]);
    // (The loose photo is in the index but in no folder.)
    const manifest = JSON.parse(fs.readFileSync(files[0], 'utf8'));
    manifest.images = manifest.images.filter((e: { folder?: string }) => e.folder);
    fs.writeFileSync(files[0], JSON.stringify(manifest));

    await page.getByRole('tab', { name: 'Search' }).click();
    await page.getByLabel('Descriptor').selectOption('cls');
    await page.getByLabel('Neighbours (k)').fill('5');
    await page.getByLabel('Temperature (T)').fill('0.07');
    // By keyboard: the button keeps the focus, and the result is announced once.
    await button.focus();
    await page.keyboard.press('Enter');
    const want = expected(files[0], files[1], 5, 0.07);
    const accuracy = `Accuracy ${((100 * want.correct) / want.total).toFixed(1)}%`;
    const summary = page.getByText(accuracy, { exact: true });
    await summary.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(
      'Classify by folder',
    );
    const heard = await page.evaluate(() =>
      document.querySelector('[data-announcer]')?.textContent?.replace(/\u00a0$/, ''),
    );
    expect(heard).toBe(
      `Classified by folder: accuracy ${((100 * want.correct) / want.total).toFixed(1)}%, ${want.correct} of ${want.total} images.`,
    );
    const text = (await page.locator('.folder-classes').textContent()) ?? '';
    expect(text).toContain(`${want.correct} of ${want.total} images in 3 folders`);
    expect(text).toContain('always guessing the largest folder scores 33.3%');
    expect(text).toContain('1 indexed image in no class folder left out');
    // One row per folder, the counts adding up to the total right.
    const rows = await page.getByRole('table').getByRole('row').allInnerTexts();
    expect(want.wrong.length).toBeGreaterThan(0); // (the data is hard enough to show mistakes)
    expect(rows.slice(1).map((r) => r.split('\t')[0])).toEqual(FOLDERS);
    // The images it got wrong, each a button that opens its neighbours.
    // (Labelled by as much of their folder as tells them apart.)
    const lastTwo = (n: string) => n.split('/').slice(-2).join('/');
    const listed = await page.locator('.folder-classes li button').allTextContents();
    expect(listed.map(lastTwo).sort()).toEqual(want.wrong.map(lastTwo));
    // On a phone the neighbours are screens above the list: a button brings them into view.
    await page.setViewportSize({ width: 360, height: 700 });
    const first = page.locator('.folder-classes li button').first();
    await first.scrollIntoViewIfNeeded();
    await first.click();
    const query = page.getByRole('heading', { name: /^Query: / });
    await query.waitFor();
    await page.waitForFunction(() => {
      const h = [...document.querySelectorAll('h3')].find((e) =>
        e.textContent?.startsWith('Query:'),
      );
      const r = h?.getBoundingClientRect();
      return !!r && r.top >= 0 && r.bottom <= innerHeight;
    });
    await page.setViewportSize({ width: 1280, height: 900 });

    // Another descriptor than the one it ran with: said to be out of date.
    await page.getByLabel('Descriptor').selectOption('mean');
    await page.getByText('changed since: classify again').waitFor();
  });
});
