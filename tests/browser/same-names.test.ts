/**
 * Images of one name from different folders (001.png in cats/ and in dogs/, as class-per-folder
 * datasets are kept): every view tells them apart by folder, and their downloads do not share a
 * file name.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  downloadNpy,
  fixture,
  launch,
  loadModelReady,
  maxAbsDiff,
  openApp,
  readF32,
} from './harness';

const appUrl = inject('appUrl');

describe('images of the same name', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
    page = await openApp(browser, appUrl, '?backend=wasm&preprocess=classifier');
    await loadModelReady(page, [fixture('dinov2-tiny', 'model.onnx')]);
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-names-')), 'data');
    fs.mkdirSync(path.join(dir, 'cats'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'dogs'));
    fs.copyFileSync(fixture('chelsea.png'), path.join(dir, 'cats', '001.png'));
    fs.copyFileSync(fixture('coffee.png'), path.join(dir, 'dogs', '001.png'));
    fs.mkdirSync(path.join(dir, 'people'));
    fs.copyFileSync(fixture('astronaut.png'), path.join(dir, 'people', 'astronaut.png'));
    await page.getByLabel('Image folder').setInputFiles(dir);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('labels each card by the folder that tells them apart, and a unique name alone', async () => {
    const grid = page.getByRole('region', { name: 'Image collection' });
    for (const label of ['cats/001.png', 'dogs/001.png', 'astronaut.png'])
      await grid
        .getByRole('button', { name: `Download features: ${label}`, exact: true })
        .waitFor();
    expect(await grid.getByRole('img', { name: 'cats/001.png' }).count()).toBe(1);
    // The whole path is a hover away.
    expect(await grid.getByText('dogs/001.png', { exact: true }).getAttribute('title')).toBe(
      'data/dogs/001.png',
    );
  });

  it('saves each one under its own file name, with its own features', async () => {
    const cat = await downloadNpy(page, 'Download features: cats/001.png');
    expect(cat.name).toBe('cats_001.features.classifier.npy');
    const dog = await downloadNpy(page, 'Download features: dogs/001.png');
    expect(dog.name).toBe('dogs_001.features.classifier.npy');
    const want = (photo: string) =>
      readF32(fixture('dinov2-tiny', `${photo}.last_hidden_state.f32`));
    expect(maxAbsDiff(cat.data, want('chelsea'))).toBeLessThanOrEqual(1e-3);
    expect(maxAbsDiff(dog.data, want('coffee'))).toBeLessThanOrEqual(1e-3);
  });

  it('names them apart in the search results and in the image selects', async () => {
    await page.getByRole('button', { name: 'Find similar: cats/001.png', exact: true }).click();
    await page.getByRole('heading', { name: 'Query: cats/001.png' }).waitFor();
    const results = page.getByRole('list', { name: 'Neighbours of cats/001.png' });
    await results.getByText('dogs/001.png', { exact: true }).waitFor();
    await page.getByRole('tab', { name: 'Attention' }).click();
    const options = await page
      .getByRole('combobox', { name: 'Attention image' })
      .locator('option')
      .allTextContents();
    expect(options.sort()).toEqual(['astronaut.png', 'cats/001.png', 'dogs/001.png']);
  });

  it('names the folders in the 3D colour key without the folder that was picked', async () => {
    await page.getByRole('tab', { name: '3D view' }).click();
    await page.getByLabel('Colour by').selectOption('folder');
    const key = page.getByRole('list', { name: 'Colours' });
    await key.waitFor();
    expect((await key.getByRole('listitem').allTextContents()).sort()).toEqual([
      'cats (1)',
      'dogs (1)',
      'people (1)',
    ]);
  });

  it('names a removed image as its card did, and brings it back with its folder', async () => {
    await page.getByRole('tab', { name: 'Collection' }).click();
    await page.getByRole('button', { name: 'Remove cats/001.png', exact: true }).click();
    await page.getByRole('note').filter({ hasText: 'Removed cats/001.png and' }).waitFor();
    await page.getByRole('button', { name: 'Undo: cats/001.png' }).click();
    await page.getByRole('button', { name: 'Remove cats/001.png', exact: true }).waitFor();
  });
});
