/**
 * What the app says about a model that cannot be loaded as given: an address typed without its
 * scheme, text that is no address, images picked as the model, bytes that are not ONNX, and a
 * link to a model file its server does not have. Remote hosts are played by Playwright routes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixture, launch, waitForAlert, waitForStatus } from './harness';
import { noiseBytes } from '../../src/lib/noise-bytes';
import { patchSoftmaxModel } from '../../src/model/onnx/test-models';

const appUrl = inject('appUrl');
const model = fs.readFileSync(fixture('dinov2-tiny', 'model.onnx'));

/** A host that allows cross-origin reads, as a model host must. */
const CORS = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': '*' };

/** Remote hosts: one serving the tiny model, one that is gone, one that cannot be reached. */
async function hosts(route: Route): Promise<void> {
  const url = new URL(route.request().url());
  if (url.host === 'www.example.com' && url.pathname === '/model.onnx') {
    await route.fulfill({ body: model, contentType: 'application/octet-stream', headers: CORS });
  } else if (url.host === 'www.example.com' && url.pathname === '/no-cls.onnx') {
    const body = Buffer.from(patchSoftmaxModel());
    await route.fulfill({ body, contentType: 'application/octet-stream', headers: CORS });
  } else if (url.host === 'models.example.com' && url.pathname.startsWith('/gone/')) {
    await route.fulfill({ status: 410, body: 'gone', headers: CORS });
  } else {
    await route.abort('internetdisconnected');
  }
}

/** The protobuf reader's words, which mean nothing to people. */
const JARGON = /field|tag \d|wire|varint/i;

describe('model messages', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  /** A page of the app in `context`, whose routes play the remote hosts. */
  async function open(query: string): Promise<Page> {
    const p = await context.newPage();
    p.on('pageerror', (e) => console.error('[page error]', e.message));
    await p.goto(appUrl + query);
    await p.getByRole('status').waitFor();
    return p;
  }

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
    // No service worker: the routes must see the worker's downloads themselves.
    context = await browser.newContext({ serviceWorkers: 'block' });
    await context.route(/^https:\/\/[a-z.]*example\.com\//, hosts);
    await context.route(/^https:\/\/huggingface\.co\//, hosts);
    page = await open('?backend=wasm');
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('adds https:// to an address typed without it, and shows the full address', async () => {
    const field = page.getByLabel('Model URL');
    const load = page.getByRole('button', { name: 'Load URL' });
    // Hugging Face cannot be reached here: the point is what is asked for, and what is said.
    const hf = 'huggingface.co/onnx-community/dinov2-small/resolve/main/onnx/model.onnx';
    await field.fill(hf);
    await load.click();
    const alert = await waitForAlert(page, `https://${hf}`);
    expect(alert).toContain(`Could not download https://${hf}`);
    // Unreachable: the way round it is said too (a file), not only the address to check.
    expect(alert).toContain('could not be reached');
    expect(alert).toContain('or load the model from a file');
    expect(alert).not.toContain('web page');
    expect(await field.inputValue()).toBe(`https://${hf}`);
    // A host that serves the model: it loads, and the field empties.
    await field.fill('www.example.com/model.onnx');
    await load.click();
    expect(await waitForStatus(page, /ready/)).toContain('model.onnx');
    await expect.poll(() => field.inputValue()).toBe('');
    expect(new URL(page.url()).searchParams.get('model')).toBe(
      'https://www.example.com/model.onnx',
    );
  });

  it('says that text which is no address is not one, and what to type', async () => {
    await page.getByLabel('Model URL').fill('not a url');
    await page.getByRole('button', { name: 'Load URL' }).click();
    const alert = await waitForAlert(page, '"not a url"');
    expect(alert).toContain('"not a url" is not an address (it has spaces)');
    expect(alert).toContain('https://huggingface.co/');
    expect(await page.getByLabel('Model URL').inputValue()).toBe('not a url');
  });

  it('names an image picked with a model, and loads the model', async () => {
    await page
      .getByLabel('Model file', { exact: true })
      .setInputFiles([fixture('dinov2-tiny', 'model.onnx'), fixture('astronaut.png')]);
    const note = page.getByRole('note').filter({ hasText: '"astronaut.png" is an image' });
    await note.waitFor();
    expect(await note.textContent()).toContain(
      'so it was not used for the model. To add it to the collection, use the "Images" picker.',
    );
    expect(await waitForStatus(page, /ready/)).toContain('model.onnx');
  });

  it('says a weights file picked with a model that does not read it was not used', async () => {
    const stray = path.join(os.tmpdir(), 'other.onnx_data');
    fs.writeFileSync(stray, new Uint8Array(64));
    await page
      .getByLabel('Model file', { exact: true })
      .setInputFiles([fixture('dinov2-tiny', 'model.onnx'), stray]);
    await page
      .getByRole('note')
      .filter({
        hasText:
          '"other.onnx_data" was picked with "model.onnx", which does not read it (its weights are inside it): it was not used.',
      })
      .waitFor();
    expect(await waitForStatus(page, /ready/)).toContain('model.onnx');
  });

  it('refuses an image or noise picked as the model in plain words', async () => {
    await page.getByLabel('Model file', { exact: true }).setInputFiles([fixture('astronaut.png')]);
    const image = await waitForAlert(page, 'astronaut.png');
    expect(image).toContain('"astronaut.png" is an image, not a model.');
    expect(image).toContain('use the "Images" picker');
    expect(image).not.toMatch(JARGON);
    await page
      .getByLabel('Model file', { exact: true })
      .setInputFiles([{ name: 'noise.onnx', mimeType: '', buffer: Buffer.from(noiseBytes(4096)) }]);
    const bytes = await waitForAlert(page, 'noise.onnx');
    expect(bytes).toContain('"noise.onnx" is not an ONNX model (the file\'s bytes are not ONNX)');
    expect(bytes).not.toMatch(JARGON);
    // The model loaded before is still the one in charge.
    expect(await waitForStatus(page, /ready/)).toContain('model.onnx');
  });

  it("refuses a model at an address whose tokens are not DINOv2's, naming the address", async () => {
    const url = 'https://www.example.com/no-cls.onnx';
    await page.getByLabel('Model URL').fill(url);
    await page.getByRole('button', { name: 'Load URL' }).click();
    const alert = await waitForAlert(page, 'no-cls.onnx');
    expect(alert).toContain(`"no-cls.onnx" does not give DINOv2's tokens`);
    // Nothing to pick again: the advice is about the address.
    expect(alert).toContain(`It came from ${url}: check the address, or load another model.`);
    expect(alert).not.toContain('Pick the .onnx file');
    expect(await waitForStatus(page, /ready/)).toContain('model.onnx');
  });

  it('says the runtime could not start, not that the model is at fault, when its .wasm is not served', async () => {
    const other = await browser.newContext({ serviceWorkers: 'block' });
    try {
      await other.route(/\.wasm(\?|$)/, (r) => r.abort('failed'));
      const p = await other.newPage();
      await p.goto(appUrl + '?backend=wasm');
      await p.getByRole('status').waitFor();
      await p
        .getByLabel('Model file', { exact: true })
        .setInputFiles([fixture('dinov2-tiny', 'model.onnx')]);
      const alert = await waitForAlert(p, 'model.onnx');
      expect(alert).toContain('The runtime could not be started on wasm to load "model.onnx"');
      expect(alert).toContain('The model file is not at fault');
      expect(alert).not.toContain('complete ONNX export');
    } finally {
      await other.close();
    }
  });

  it('says a linked model file is not found (404), and offers only to dismiss', async () => {
    const url = new URL('nowhere/model.onnx', appUrl).href;
    const p = await open(`?backend=wasm&model=${encodeURIComponent(url)}`);
    try {
      const dialog = p.getByRole('dialog', { name: 'The model in this link was not found' });
      await dialog.waitFor();
      expect(await dialog.textContent()).toContain('(it answered 404)');
      expect(await dialog.getByRole('button').allTextContents()).toEqual(['Dismiss']);
      // Focus moved to the one button when the dialog changed.
      await p.waitForFunction(() => document.activeElement?.textContent === 'Dismiss');
      await p.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await p.getByText(`The model named in the link was not found at ${url}`).waitFor();
      expect(new URL(p.url()).searchParams.get('model')).toBeNull();
    } finally {
      await p.close();
    }
  });

  it('says a linked model file is gone (410) on another host', async () => {
    const url = 'https://models.example.com/gone/model.onnx';
    const p = await open(`?backend=wasm&model=${encodeURIComponent(url)}`);
    try {
      const dialog = p.getByRole('dialog', { name: 'The model in this link was not found' });
      await dialog.waitFor();
      expect(await dialog.textContent()).toContain('(it answered 410)');
      await dialog.getByRole('button', { name: 'Dismiss' }).click();
      await dialog.waitFor({ state: 'detached' });
    } finally {
      await p.close();
    }
  });

  it('still offers the download when the size request fails (no answer)', async () => {
    const url = 'https://models.example.com/unreachable/model.onnx';
    const p = await context.newPage();
    try {
      const failed = p.waitForEvent('requestfailed', (r) => r.url() === url);
      await p.goto(`${appUrl}?backend=wasm&model=${encodeURIComponent(url)}`);
      await failed;
      const dialog = p.getByRole('dialog', { name: 'Load the model from this link?' });
      await dialog.getByText('size unknown until the download starts').waitFor();
      await dialog.getByRole('button', { name: 'Download model' }).waitFor();
      await dialog.getByRole('button', { name: 'Not now' }).click();
    } finally {
      await p.close();
    }
  });
});
