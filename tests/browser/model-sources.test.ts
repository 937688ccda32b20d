/**
 * Models from the same-origin folder (a URL download): streamed with progress, cached so the next
 * visit loads from the browser, listed and deletable, and cancellable without leaving anything
 * half-written in the cache.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixture, launch, openApp, waitForAlert, waitForStatus } from './harness';

const appUrl = inject('appUrl');
const distDir = inject('distDir');

describe('model sources', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // What `models/` holds on a self-hosted site: two exports, one served slowly.
    for (const [id, file] of [
      ['tiny', 'model.onnx'],
      ['slow', 'model.onnx'],
    ]) {
      fs.mkdirSync(path.join(distDir, 'models', id), { recursive: true });
      fs.copyFileSync(fixture('dinov2-tiny', file), path.join(distDir, 'models', id, file));
    }
    const bytes = fs.statSync(fixture('dinov2-tiny', 'model.onnx')).size;
    fs.writeFileSync(
      path.join(distDir, 'models', 'manifest.json'),
      JSON.stringify({
        models: [
          ...['tiny', 'slow'].map((id) => ({
            id,
            variants: [{ file: 'model.onnx', bytes, dataFiles: [] }],
          })),
          // A file that is not a model at all (a photo under the model's name).
          {
            id: 'broken',
            variants: [
              {
                file: 'model.onnx',
                bytes: fs.statSync(fixture('astronaut.png')).size,
                dataFiles: [],
              },
            ],
          },
          // Listed only (never downloaded here): a graph of 2 MiB with 10 MiB of weights beside.
          {
            id: 'big',
            variants: [
              {
                file: 'model.onnx',
                bytes: 2 * 2 ** 20,
                dataFiles: [{ file: 'model.onnx_data', bytes: 10 * 2 ** 20 }],
              },
            ],
          },
        ],
      }),
    );
    fs.mkdirSync(path.join(distDir, 'models', 'broken'), { recursive: true });
    fs.copyFileSync(fixture('astronaut.png'), path.join(distDir, 'models', 'broken', 'model.onnx'));
    // A real-size graph whose weights file is far too short (a download that stopped early).
    fs.mkdirSync(path.join(distDir, 'models', 'bad'), { recursive: true });
    fs.copyFileSync(
      fixture('skeletons', 'dinov2-s', 'skeleton.onnx'),
      path.join(distDir, 'models', 'bad', 'skeleton.onnx'),
    );
    fs.writeFileSync(path.join(distDir, 'models', 'bad', 'model.onnx_data'), new Uint8Array(1024));
    // A graph whose weights file was never put beside it.
    fs.mkdirSync(path.join(distDir, 'models', 'alone'), { recursive: true });
    fs.copyFileSync(
      fixture('skeletons', 'dinov2-s', 'skeleton.onnx'),
      path.join(distDir, 'models', 'alone', 'skeleton.onnx'),
    );
    browser = await launch({ webgpu: false });
    page = await openApp(browser, appUrl, '?backend=wasm');
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('downloads a model from the site folder and caches it', async () => {
    await page.getByRole('button', { name: 'Load tiny/model.onnx' }).click();
    const status = await waitForStatus(page, /ready/);
    expect(status).toContain('wasm');
    await page.getByText('Cached models (1)').click();
    expect(await page.getByText(/models\/tiny\/model\.onnx/).count()).toBeGreaterThan(0);
    // Model details: the file, and the address it came from (a picked file has only its name).
    const details = await modelDetails(page);
    expect(details.File).toBe('model.onnx');
    expect(details.Source).toBe(new URL('models/tiny/model.onnx', appUrl).href);
    // One file: its weights are a part of its size, not more.
    expect(details.Size).toMatch(/^[\d.]+ MB, of which [\d.]+ MB weights$/);
    // Axes the exporter named with made-up words are named by what they hold.
    expect(details['Tokens output']).toBe(
      'last_hidden_state: float32 [batch_size, sequence_length, 64]',
    );
  });

  it("says what a link to one of the site's models downloads, its weights included", async () => {
    const url = new URL('models/big/model.onnx', appUrl).href;
    const other = await openApp(browser, appUrl, `?backend=wasm&model=${encodeURIComponent(url)}`);
    try {
      const dialog = other.getByRole('dialog');
      // From the site's manifest: the graph's 2 MB and the weights file's 10.
      await dialog.getByText('(12 MB with its weights)').waitFor();
      await dialog.getByRole('button', { name: 'Not now' }).click();
    } finally {
      await other.context().close();
    }
  });

  it('loads it from the browser cache on the next visit', async () => {
    await page.reload();
    await page.getByRole('button', { name: 'Load tiny/model.onnx' }).click();
    await waitForStatus(page, /ready/);
    expect(await page.getByText('(from browser cache)').count()).toBe(1);
  });

  it('cancels a slow download and caches nothing of it', async () => {
    await page.getByRole('button', { name: 'Load slow/model.onnx' }).click();
    const bar = page.getByRole('progressbar', { name: 'Download progress' });
    await bar.waitFor();
    await page.getByText(/of 1\.\d MB \(\d+%\)/).waitFor();
    await page.getByRole('button', { name: 'Cancel download' }).click();
    await page.getByText('Loading slow/model.onnx was cancelled.').waitFor();
    // The model already loaded is still the one in charge, and the cache has only it.
    expect(await waitForStatus(page, /ready/)).toContain('model.onnx');
    const cached = await page.evaluate(async () => {
      const c = await caches.open('dinov2-explorer-models-v1');
      return (await c.keys()).map((r) => new URL(r.url).pathname);
    });
    expect(cached).toEqual([expect.stringContaining('/models/tiny/model.onnx')]);
  });

  it('deletes a cached model', async () => {
    await page.reload();
    // The address names the model, which is cached: it loads again at once. Deleted while that
    // load reads the cache, it would be downloaded and cached anew (a race of the test's making).
    await waitForStatus(page, /ready/);
    await page.getByText('Cached models (1)').click();
    await page.getByRole('button', { name: /Delete cached .*tiny\/model\.onnx/ }).click();
    await page.getByText('Cached models (1)').waitFor({ state: 'detached' });
    const count = await page.evaluate(
      async () => (await (await caches.open('dinov2-explorer-models-v1')).keys()).length,
    );
    expect(count).toBe(0);
  });

  it('takes a relative address, and keeps nothing of a model it refused', async () => {
    const field = page.getByLabel('Model URL');
    await field.fill('models/bad/skeleton.onnx');
    await page.getByRole('button', { name: 'Load URL' }).click();
    const alert = await waitForAlert(page, 'model.onnx_data');
    expect(alert).toContain('"model.onnx_data" holds 1.0 KB, but "skeleton.onnx" reads');
    expect(alert).toContain('cut short or belongs to another export');
    // The user picked no file: the advice names where the weights came from, not a file to pick.
    expect(alert).toContain(`It came from ${new URL('models/bad/model.onnx_data', appUrl).href}`);
    expect(alert).toContain('load another model');
    expect(alert).not.toContain('Pick');
    // The address stays in the field to be mended, and the cache holds none of the two files.
    expect(await field.inputValue()).toBe('models/bad/skeleton.onnx');
    const cached = await page.evaluate(async () => {
      const c = await caches.open('dinov2-explorer-models-v1');
      return (await c.keys()).map((r) => new URL(r.url).pathname);
    });
    expect(cached).toEqual([]);
    await field.fill('models/tiny/model.onnx');
    await page.getByRole('button', { name: 'Load URL' }).click();
    expect(await waitForStatus(page, /ready/)).toContain('model.onnx');
    expect(await field.inputValue()).toBe('');
    // A model that loads takes the earlier failure's message away (they piled up above it).
    expect(await page.getByRole('alert').filter({ hasText: 'model.onnx_data' }).count()).toBe(0);
    // The address bar names the model; a reload loads it from the cache without asking.
    expect(new URL(page.url()).searchParams.get('model')).toContain('models/tiny/model.onnx');
    await page.reload();
    await waitForStatus(page, /ready/);
    expect(await page.getByText('(from browser cache)').count()).toBe(1);
    expect(await page.getByText('Load the model from this link?').count()).toBe(0);
  });

  it('names the address of a site model that is not ONNX, and asks for no file', async () => {
    await page.getByRole('button', { name: 'Load broken/model.onnx' }).click();
    const url = new URL('models/broken/model.onnx', appUrl).href;
    const alert = await waitForAlert(page, url);
    expect(alert).toBe(
      `The file at ${url} is not an ONNX model (it is a PNG image). Check the address, or load ` +
        'another model.',
    );
    // The model loaded before is still the one in charge, and nothing of the refused one is kept.
    expect(await waitForStatus(page, /ready/)).toContain('model.onnx');
    const cached = await page.evaluate(async () => {
      const c = await caches.open('dinov2-explorer-models-v1');
      return (await c.keys()).map((r) => new URL(r.url).pathname);
    });
    expect(cached).toEqual([expect.stringContaining('/models/tiny/model.onnx')]);
  });

  it('names the weights file a graph needs beside it when the server lacks it', async () => {
    const field = page.getByLabel('Model URL');
    await field.fill('models/alone/skeleton.onnx');
    await page.getByRole('button', { name: 'Load URL' }).click();
    const data = new URL('models/alone/model.onnx_data', appUrl).href;
    const alert = await waitForAlert(page, 'keeps its weights');
    // The address typed was right: the message is about the missing side file, not the address.
    expect(alert).toBe(
      `"skeleton.onnx" keeps its weights in a separate file, "model.onnx_data", which must sit ` +
        `next to it: ${data} failed (the server answered 404 Not Found). Put model.onnx_data ` +
        'beside skeleton.onnx on the server, or pick both files from disk at once.',
    );
    expect(await waitForStatus(page, /ready/)).toContain('model.onnx');
  });
});

/** The Model details panel's rows, by their terms. */
async function modelDetails(page: Page): Promise<Record<string, string>> {
  const rows = page.getByRole('region', { name: 'Model details' }).locator('dl.info > div');
  const out: Record<string, string> = {};
  for (const row of await rows.all())
    out[await row.locator('dt').innerText()] = await row.locator('dd').innerText();
  return out;
}
