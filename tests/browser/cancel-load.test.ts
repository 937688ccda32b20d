/**
 * Cancel while a model's session is being made: the worker is busy the whole time, so the Cancel
 * is a message waiting behind that work. The load must still stop there and keep the model
 * loaded before (a real-size ViT-S, made from its skeleton, takes long enough to be caught).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cancelAtStage, fixture, launch, loadModelReady, openApp, statusText } from './harness';

const appUrl = inject('appUrl');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-cancel-'));

describe('cancelling a model load', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
    execFileSync('node', ['scripts/bench/materialize.mjs', fixture('skeletons', 'dinov2-s'), tmp]);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('keeps the model it has when Cancel comes while the session is made', async () => {
    const page = await openApp(browser, appUrl, '?backend=wasm');
    await loadModelReady(page, [fixture('dinov2-tiny', 'model.onnx')]);
    const before = await statusText(page);
    await cancelAtStage(page, 'Creating a wasm session');
    await page
      .getByLabel('Model file', { exact: true })
      .setInputFiles([path.join(tmp, 'model.onnx'), path.join(tmp, 'model.onnx_data')]);
    await page.getByRole('note').filter({ hasText: 'Loading model.onnx was cancelled.' }).waitFor();
    expect(await statusText(page)).toBe(before);
    expect(before).toContain('dim 64');
    await page.context().close();
  });
});
