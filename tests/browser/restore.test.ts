/**
 * A reload without the model's files kept (the default: no consent asked for them): the status
 * line names the model the stored features came from, and picking it again brings them back
 * without recomputing.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  addImages,
  fixture,
  launch,
  loadModelReady,
  openApp,
  statusText,
  storedFeatureCount,
} from './harness';

const appUrl = inject('appUrl');

describe('a reload without the model kept', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('names the model to pick again, whose stored features then come back', async () => {
    const page = await openApp(browser, appUrl, '?backend=wasm');
    const model = fixture('dinov2-tiny', 'model.onnx');
    expect(await page.getByLabel(/Keep model files in this browser/).isChecked()).toBe(false);
    await loadModelReady(page, [model]);
    await addImages(page, [fixture('chelsea.png')]);
    await page.getByRole('tab', { name: 'Collection' }).click();
    await page
      .getByRole('button', { name: 'Download features: chelsea.png' })
      .waitFor({ timeout: 120_000 });
    // Its features are in browser storage (the worker saves them once the answer is out).
    await expect.poll(() => storedFeatureCount(page), { timeout: 30_000 }).toBe(1);

    await page.reload();
    await page.getByRole('status').waitFor();
    await page
      .getByRole('status')
      .filter({ hasText: /features were last computed with model\.onnx: pick that file again/ })
      .waitFor();
    await loadModelReady(page, [model]);
    await page.getByRole('tab', { name: 'Collection' }).click();
    await page.getByText(/features from browser storage/).waitFor({ timeout: 60_000 });
    expect(await statusText(page)).toMatch(/ready/);
    await page.context().close();
  });
});
