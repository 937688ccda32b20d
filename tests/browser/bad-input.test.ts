/**
 * Bad models and bad images: each is refused with an alert that names the file, and the model
 * already loaded keeps working.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeNpy } from '../../src/lib/npy';
import { matMulModel, patchSoftmaxModel, patchTokensModel } from '../../src/model/onnx/test-models';
import {
  addImages,
  alertTexts,
  downloadNpy,
  fixture,
  launch,
  loadModelFiles,
  loadModelReady,
  maxAbsDiff,
  openApp,
  readF32,
  statusText,
  waitForAlert,
  waitForStatus,
  removeAll,
} from './harness';

const appUrl = inject('appUrl');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-bad-'));
function write(name: string, data: Uint8Array | string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, data);
  return p;
}

describe('bad input', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
    page = await openApp(browser, appUrl, '?backend=wasm&preprocess=classifier');
    await loadModelReady(page, [fixture('dinov2-reg4-tiny', 'model.onnx')]);
  });
  afterAll(async () => {
    await browser?.close();
  });

  const model = fs.readFileSync(fixture('dinov2-tiny', 'model.onnx'));
  it.each([
    {
      what: 'a file that is not ONNX',
      file: () => write('notes.onnx', 'just some text, not a model'),
      says: /not an ONNX model/i,
    },
    {
      what: 'a PNG renamed .onnx',
      file: () => write('photo.onnx', fs.readFileSync(fixture('chelsea.png'))),
      says: /not an ONNX model/i,
    },
    {
      what: 'a truncated model',
      file: () => write('cut.onnx', model.subarray(0, Math.floor(model.length * 0.6))),
      says: /cut short/i,
    },
    {
      what: 'an ONNX model that is not a ViT',
      file: () => write('matmul.onnx', matMulModel()),
      says: /not a .*(ViT|vision)/i,
    },
    {
      what: 'a web page saved as the model',
      file: () =>
        write('page.onnx', '<!DOCTYPE html>\n<html><head><title>model.onnx</title></head></html>'),
      says: /is a web page, not an ONNX model/,
    },
    {
      what: 'a patch embedding without transformer blocks',
      file: () => write('tokens.onnx', patchTokensModel()),
      says: /not a ViT .*no attention/,
    },
    {
      what: 'a graph that passes for a ViT but gives no CLS token',
      file: () => write('no-cls.onnx', patchSoftmaxModel()),
      says: /does not give DINOv2's tokens: The model returned 256 tokens, which do not fit a grid of 16x16/,
    },
    {
      what: 'an .onnx without its .onnx_data',
      file: () => fixture('skeletons', 'dinov2-s', 'skeleton.onnx'),
      says: /separate file/i,
    },
  ])('refuses $what with an alert naming it', async ({ file, says }) => {
    const f = file();
    await loadModelFiles(page, [f]);
    const text = await waitForAlert(page, path.basename(f));
    expect(text).toMatch(says);
    // The loaded model is still the one in charge.
    const status = await waitForStatus(page, /ready/);
    expect(status).toContain('registers 4');
  });

  it('adds a folder with its images and model inputs, and counts the files it skipped', async () => {
    const dir = path.join(tmp, 'shoot');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.copyFileSync(fixture('coffee.png'), path.join(dir, 'coffee.png'));
    fs.copyFileSync(fixture('chelsea.png'), path.join(dir, 'sub', 'chelsea.png'));
    const input = readF32(fixture('astronaut.pixel_values.f32'));
    fs.writeFileSync(path.join(dir, 'astronaut.npy'), encodeNpy(input, [1, 3, 224, 224]));
    // A wide one, which the classifier recipe (this page's) would crop: as given, it is not.
    const wide = new Float32Array(3 * 224 * 308);
    fs.writeFileSync(path.join(dir, 'sub', 'wide.npy'), encodeNpy(wide, [3, 224, 308]));
    fs.writeFileSync(path.join(dir, 'readme.txt'), 'notes');
    // Hidden files, which a Mac leaves in every folder: neither added nor counted.
    fs.writeFileSync(path.join(dir, '.DS_Store'), 'Bud1');
    fs.writeFileSync(path.join(dir, '._coffee.png'), 'AppleDouble');
    // And a hidden folder's pictures (a viewer's thumbnails), which are not the dataset's.
    fs.mkdirSync(path.join(dir, '.thumbnails'));
    fs.copyFileSync(fixture('coffee.png'), path.join(dir, '.thumbnails', 'thumb.png'));
    await page.getByLabel('Image folder').setInputFiles(dir);
    const note = page.getByRole('note').filter({ hasText: 'Skipped 1 file of the folder' });
    await note.waitFor();
    expect(await note.textContent()).toContain('"readme.txt"');
    for (const name of ['coffee.png', 'chelsea.png', 'astronaut.npy', 'wide.npy'])
      await page.getByRole('button', { name: `Download features: ${name}` }).waitFor();
    const wideCard = (await page.locator('li.card').filter({ hasText: 'wide.npy' }).textContent())!;
    expect(wideCard).toContain('308×224 (run as given)');
    expect(wideCard).not.toMatch(/crop|resampled|enlarged/);
    expect(await page.getByText('._coffee.png').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Remove .*thumb\.png$/ }).count()).toBe(0);
    expect(await alertTexts(page)).not.toContainEqual(expect.stringContaining('._coffee.png'));
    // The model input runs as given: the PyTorch reference for the photo it was made from.
    const got = await downloadNpy(page, 'Download features: astronaut.npy');
    const want = readF32(fixture('dinov2-reg4-tiny', 'astronaut.last_hidden_state.f32'));
    expect(maxAbsDiff(got.data, want)).toBeLessThanOrEqual(1e-3);
    await removeAll(page);
  });

  it('refuses images that are not images, and keeps computing the good ones', async () => {
    const notImage = write('notes.txt', 'hello');
    const broken = write('broken.jpg', 'this is not a jpeg');
    const tiff = write('scan.tiff', new Uint8Array([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 0, 0]));
    await addImages(page, [notImage, broken, tiff, fixture('astronaut.png')]);
    expect(await waitForAlert(page, 'notes.txt')).toMatch(/not an image/);
    expect(await waitForAlert(page, 'broken.jpg')).toMatch(/could not be read as an image/);
    // A format the browser does not decode is named, with what to convert it to.
    expect(await waitForAlert(page, 'scan.tiff')).toMatch(
      /"scan\.tiff" is a TIFF image, which the app cannot read\. Convert it to PNG or JPEG/,
    );
    // Two at once, one of them a model: said in the plural, with where a model goes.
    const config = write('config.json', '{}');
    await addImages(page, [fixture('dinov2-tiny', 'model.onnx'), config]);
    expect(await waitForAlert(page, '"config.json" are not images')).toMatch(
      /^"model\.onnx" and "config\.json" are not images\. .* A model \(\.onnx, \.onnx_data\) goes in Model file/,
    );
    // Each error is announced by its role alone: none sits in a live region too (read twice).
    const roles = await page.evaluate(() => ({
      errors: document.querySelectorAll('.alert [role=alert]').length,
      errorsInLive: document.querySelectorAll('[aria-live] [role=alert]').length,
      live: document.querySelectorAll('.alerts [aria-live=polite]').length,
    }));
    expect(roles).toEqual({ errors: expect.any(Number), errorsInLive: 0, live: 1 });
    expect(roles.errors).toBeGreaterThan(2);
    // Picked as an index alone, it is named with what the index lacks.
    await page.getByRole('tab', { name: 'Collection' }).click();
    const lone = write('features.npy', encodeNpy(new Float32Array(4), [2, 2]));
    await page.getByLabel('Import index files').setInputFiles([lone]);
    expect(await waitForAlert(page, '"features.npy" is not a whole index')).toContain(
      "the index's manifest (collection.index.json) is missing",
    );
    const got = await downloadNpy(page, 'Download features: astronaut.png');
    const want = readF32(fixture('dinov2-reg4-tiny', 'astronaut.last_hidden_state.f32'));
    expect(maxAbsDiff(got.data, want)).toBeLessThanOrEqual(1e-3);
    expect(await statusText(page)).toContain('ready');
  });

  it('does not add the same file twice, and says so; a renamed copy is added', async () => {
    const copy = path.join(tmp, 'chelsea-again.png');
    fs.copyFileSync(fixture('chelsea.png'), copy);
    await addImages(page, [fixture('chelsea.png')]);
    await page.getByRole('button', { name: 'Download features: chelsea.png' }).waitFor();
    await addImages(page, [fixture('chelsea.png'), copy]);
    await page
      .getByRole('note')
      .filter({ hasText: '"chelsea.png" is already in the collection (the same file)' })
      .waitFor();
    await page.getByRole('button', { name: 'Download features: chelsea-again.png' }).waitFor();
    expect(await page.getByRole('button', { name: 'Download features: chelsea.png' }).count()).toBe(
      1,
    );
    // Also once the collection comes back from browser storage after a reload.
    const remove = page.getByRole('button', { name: 'Remove chelsea.png', exact: true });
    await page.reload();
    await remove.waitFor();
    await addImages(page, [fixture('chelsea.png')]);
    await page
      .getByRole('note')
      .filter({ hasText: '"chelsea.png" is already in the collection (the same file)' })
      .waitFor();
    expect(await remove.count()).toBe(1);
  });
});
