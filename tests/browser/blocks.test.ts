/**
 * Features from a block before the last, in the built app: chosen beside the preprocessing or by a
 * link, checked against the block's output computed outside the app (the fixture run under Node
 * with that output added, then the final norm), and told apart in file names and storage.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rawBlock } from '../block-reference';
import {
  addImages,
  downloadNpy,
  fixture,
  launch,
  loadModelReady,
  maxAbsDiff,
  openApp,
  readF32,
  waitForStatus,
} from './harness';

const appUrl = inject('appUrl');
const MODEL = fixture('dinov2-reg4-tiny', 'model.onnx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-blocks-'));

/** What the app must give for chelsea.png from `block` (the classifier recipe's exact input). */
async function expected(block: number): Promise<Float32Array> {
  const pixels = readF32(fixture('chelsea.pixel_values.f32'));
  const r = await rawBlock(MODEL, pixels, [1, 3, 224, 224], block);
  return r.norm(r.raw);
}

describe('features from another block', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('offers every block once a model is loaded, and gives the chosen one', async () => {
    page = await openApp(browser, appUrl, '?backend=wasm&preprocess=classifier');
    expect(await page.getByLabel('Features from').count()).toBe(0);
    const status = await loadModelReady(page, [MODEL]);
    expect(status).not.toContain('block');
    const select = page.getByLabel('Features from');
    expect(await select.locator('option').allTextContents()).toEqual([
      'block 4 (the output)',
      'block 3',
      'block 2',
      'block 1',
    ]);
    await addImages(page, [fixture('chelsea.png')]);
    const last = await downloadNpy(page, 'Download features: chelsea.png');
    expect(last.name).toBe('chelsea.features.classifier.npy');
    const want4 = readF32(fixture('dinov2-reg4-tiny', 'chelsea.last_hidden_state.f32'));
    expect(maxAbsDiff(last.data, want4)).toBeLessThanOrEqual(1e-3);

    // Two arrow keys on the closed select: one reload, for where they end, and the focus stays.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { statuses: string[] }).statuses = seen;
      const status = document.querySelector('[role=status]')!;
      new MutationObserver(() => seen.push(status.textContent ?? '')).observe(status, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });
    await select.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await waitForStatus(page, /ready.*features from block 2/);
    const statuses = await page.evaluate(
      () => (window as unknown as { statuses: string[] }).statuses,
    );
    expect(statuses.filter((t) => /^Loading|session/.test(t)).length).toBeGreaterThan(0);
    expect(statuses.some((t) => t.includes('block 3'))).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      'Features from',
    );
    await page.getByText('block 2 of 4, through the final norm').waitFor();
    const second = await downloadNpy(page, 'Download features: chelsea.png');
    expect(second.name).toBe('chelsea.features.classifier.block2.npy');
    expect(second.shape).toEqual([261, 64]);
    expect(maxAbsDiff(second.data, await expected(2))).toBeLessThanOrEqual(1e-3);
    expect(maxAbsDiff(second.data, want4)).toBeGreaterThan(0.1);

    // An index records the block, and the model's file as it is (not the rewritten graph).
    await page.getByRole('tab', { name: 'Collection' }).click();
    const [json, npy] = await Promise.all([
      page.waitForEvent('download', (d) => d.suggestedFilename().endsWith('.json')),
      page.waitForEvent('download', (d) => d.suggestedFilename().endsWith('.npy')),
      page.getByRole('button', { name: 'Export index' }).click(),
    ]);
    const index = [
      path.join(tmp, 'collection.index.json'),
      path.join(tmp, 'collection.features.npy'),
    ];
    fs.copyFileSync(await json.path(), index[0]);
    fs.copyFileSync(await npy.path(), index[1]);
    const manifest = JSON.parse(fs.readFileSync(index[0], 'utf8'));
    expect(manifest.model.block).toBe(2);
    const file = fs.readFileSync(MODEL);
    expect(manifest.model.files).toEqual([
      {
        file: 'model.onnx',
        bytes: file.length,
        sha256: crypto.createHash('sha256').update(file).digest('hex'),
      },
    ]);

    // Back to the output: its stored features come back, the PyTorch ones.
    await select.selectOption({ label: 'block 4 (the output)' });
    const back = await waitForStatus(page, /ready(?!.*features from block)/);
    expect(back).not.toContain('block');
    const again = await downloadNpy(page, 'Download features: chelsea.png');
    expect(again.name).toBe('chelsea.features.classifier.npy');
    expect(maxAbsDiff(again.data, want4)).toBeLessThanOrEqual(1e-3);

    // The block-2 index taken back with the output loaded: said to be another block's features.
    await page.getByLabel('Import index').setInputFiles(index);
    await page
      .getByRole('note')
      .filter({
        hasText:
          'This index holds the features of model.onnx from block 2, but the loaded model gives its output',
      })
      .waitFor();
    await page.context().close();
  });

  it('takes the block from a link, and says when a model has no such block', async () => {
    page = await openApp(browser, appUrl, '?backend=wasm&preprocess=classifier&block=3');
    await loadModelReady(page, [MODEL]);
    await waitForStatus(page, /ready.*features from block 3/);
    expect(await page.getByLabel('Features from').inputValue()).toBe('3');
    await addImages(page, [fixture('chelsea.png')]);
    const got = await downloadNpy(page, 'Download features: chelsea.png');
    expect(got.name).toBe('chelsea.features.classifier.block3.npy');
    expect(maxAbsDiff(got.data, await expected(3))).toBeLessThanOrEqual(1e-3);
    await page.context().close();

    page = await openApp(browser, appUrl, '?backend=wasm&preprocess=classifier&block=9');
    const status = await loadModelReady(page, [MODEL]);
    expect(status).not.toContain('block');
    const notes = await page.getByRole('note').allTextContents();
    expect(notes.join(' ')).toContain(
      '"model.onnx" has 4 blocks, so there is no block 9: features come from its output (block 4).',
    );
    expect(await page.getByLabel('Features from').inputValue()).toBe('');
    await page.context().close();
  });
});
