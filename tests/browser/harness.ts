/** Shared steps of the browser tests: launch, open the app, pick files, wait, download. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { decode } from 'fast-png';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { decodeNpy, encodeNpy } from '../../src/lib/npy';
import { BASE_FLAGS, findChromium, WEBGPU_FLAGS } from './chromium';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/dinov2');
export const fixture = (...p: string[]) => path.join(FIXTURES, ...p);

export async function launch(opts: { webgpu: boolean }): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium()!,
    args: [...BASE_FLAGS, ...(opts.webgpu ? WEBGPU_FLAGS : ['--disable-gpu'])],
  });
}

export async function openApp(
  browser: Browser,
  appUrl: string,
  query = '',
  context: { hasTouch?: boolean } = {},
): Promise<Page> {
  const page = await (await browser.newContext({ acceptDownloads: true, ...context })).newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') console.error('[console]', m.text());
  });
  await page.goto(appUrl + query);
  await page.getByRole('status').waitFor();
  return page;
}

export async function statusText(page: Page): Promise<string> {
  return (await page.getByRole('status').textContent()) ?? '';
}

/** Waits until the status line matches, and returns its text. */
export async function waitForStatus(page: Page, re: RegExp, timeout = 180_000): Promise<string> {
  await page.waitForFunction(
    ([src, flags]) =>
      new RegExp(src, flags).test(document.querySelector('[role=status]')?.textContent ?? ''),
    [re.source, re.flags] as const,
    { timeout, polling: 100 },
  );
  return statusText(page);
}

export async function loadModelFiles(page: Page, files: string[]): Promise<void> {
  await page.getByLabel('Model file', { exact: true }).setInputFiles(files);
}

export async function loadModelReady(page: Page, files: string[]): Promise<string> {
  await loadModelFiles(page, files);
  return waitForStatus(page, /ready/);
}

export async function addImages(page: Page, files: string[]): Promise<void> {
  await page.getByLabel('Images', { exact: true }).setInputFiles(files);
}

/** The app (WASM, dense 224) with the tiny model loaded and `photos` (fixture names) added. */
export async function tinyAppWith(
  browser: Browser,
  appUrl: string,
  photos: string[],
  context: { hasTouch?: boolean } = {},
): Promise<Page> {
  const page = await openApp(browser, appUrl, '?backend=wasm&preprocess=dense&res=224', context);
  await loadModelReady(page, [fixture('dinov2-tiny', 'model.onnx')]);
  await addImages(
    page,
    photos.map((n) => fixture(n)),
  );
  return page;
}

/** Clicks a download button (waiting for it to appear) and returns the saved bytes. */
/** Removes every image: Remove all, then its confirmation. */
export async function removeAll(page: Page): Promise<void> {
  await page.getByRole('button', { name: /^Remove all/ }).click();
  await page.getByRole('button', { name: 'Remove them', exact: true }).click();
}

export async function downloadBytes(
  page: Page,
  buttonName: string,
): Promise<{ bytes: Buffer; name: string }> {
  const button = page.getByRole('button', { name: buttonName, exact: true });
  try {
    await button.waitFor({ timeout: 180_000 });
  } catch (e) {
    // Say what the page showed instead, so a failure explains itself.
    const buttons = await page.getByRole('button').allTextContents();
    const alerts = await page.getByRole('alert').allTextContents();
    throw new Error(
      `No button "${buttonName}". Status: ${await statusText(page)}\nButtons: ${buttons.join(' | ')}\nAlerts: ${alerts.join(' | ')}\n${String(e)}`,
    );
  }
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  const p = await download.path();
  return { bytes: fs.readFileSync(p), name: download.suggestedFilename() };
}

export async function downloadNpy(page: Page, buttonName: string) {
  const { bytes, name } = await downloadBytes(page, buttonName);
  const npy = decodeNpy(new Uint8Array(bytes));
  return { ...npy, name, data: npy.data as Float32Array };
}

/** A fixture's raw pixel_values as a `.npy` model-input file (which the app runs as given). */
export function writeInputNpy(
  dir: string,
  model: string,
  kase: string,
  shape: number[],
  tag = '',
): string {
  const file = path.join(dir, `${model}-${kase}${tag}.npy`);
  fs.writeFileSync(file, encodeNpy(readF32(fixture(model, `${kase}.pixel_values.f32`)), shape));
  return file;
}

export function readF32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The smallest cosine similarity between matching rows of two [n, dim] arrays. */
export function minRowCosine(a: ArrayLike<number>, b: ArrayLike<number>, dim: number): number {
  let min = 1;
  for (let r = 0; r < a.length; r += dim) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = r; i < r + dim; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    min = Math.min(min, dot / Math.sqrt(na * nb));
  }
  return min;
}

export async function alertTexts(page: Page): Promise<string[]> {
  return page.getByRole('alert').allTextContents();
}

export async function waitForAlert(
  page: Page,
  includes: string,
  timeout = 60_000,
): Promise<string> {
  const alert = page.getByRole('alert').filter({ hasText: includes });
  await alert.first().waitFor({ timeout });
  return (await alert.first().textContent()) ?? '';
}

/** A page that loads one module of ours (built as a library into a temporary folder and served
 * cross-origin isolated), for tests of code that needs a real browser but not the whole app. */
export interface TestPage {
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

export async function openTestPage(
  entry: string,
  global: string,
  opts: { webgpu: boolean },
): Promise<TestPage> {
  const { build } = await import('vite');
  const { serveStatic } = await import('./static-server');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dinov2-${path.parse(entry).name}-`));
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: dir,
      emptyOutDir: true,
      target: 'es2022',
      lib: { entry, formats: ['es'], fileName: () => 'page.js' },
    },
  });
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><script type="module" src="./page.js"></script>',
  );
  const server = await serveStatic(dir, { isolation: true });
  const browser = await launch(opts);
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(server.url);
  await page.waitForFunction((g) => g in window, global);
  return {
    browser,
    page,
    async close() {
      await browser.close();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One PNG chunk: length, type, data and CRC. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit RGBA PNG whose pixel (x, y) is `rgba(x, y)`. */
export function rgbaPng(
  width: number,
  height: number,
  rgba: (x: number, y: number) => [number, number, number, number],
): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const rows = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) rows.set(rgba(x, y), y * (1 + width * 4) + 1 + x * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(rows)),
    pngChunk('IEND', new Uint8Array()),
  ]);
}

/** A PNG a button downloads, decoded. */
export async function downloadPng(page: Page, button: string) {
  const [d] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
  return { name: d.suggestedFilename(), png: decode(fs.readFileSync((await d.path())!)) };
}

/** Pixels of the top `rows` rows brighter than a saved map's dark caption band: its text. */
export function lightPixels(png: ReturnType<typeof decode>, rows: number): number {
  let n = 0;
  for (let i = 0; i < png.width * rows; i++) {
    const o = i * png.channels;
    if (png.data[o] > 120 && png.data[o + 1] > 120 && png.data[o + 2] > 120) n++;
  }
  return n;
}

/** The feature records in the app's browser storage (IndexedDB), counted. */
export function storedFeatureCount(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const req = indexedDB.open('dinov2-explorer');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const count = req.result.transaction('features').objectStore('features').count();
          count.onsuccess = () => {
            req.result.close();
            resolve(count.result);
          };
        };
      }),
  );
}

/** The names of the stored images, in the order the next visit shows them. */
export function storedImageNames(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const req = indexedDB.open('dinov2-explorer');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const all = req.result.transaction('images').objectStore('images').getAll();
          all.onsuccess = () => {
            req.result.close();
            const rows = all.result as { name: string; order: number }[];
            resolve(rows.sort((a, b) => a.order - b.order).map((r) => r.name));
          };
        };
      }),
  );
}

/** The share of a canvas's pixels drawn on (not transparent): an overlay's marks, say. */
export function drawnShare(canvas: Locator): Promise<number> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let k = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) k++;
    return k / (c.width * c.height);
  });
}

/**
 * Presses the model load's Cancel the moment its stage line starts with `stage` (in the page: no
 * round trip to miss the stage by).
 */
export function cancelAtStage(page: Page, stage: string): Promise<void> {
  return page.evaluate((prefix) => {
    const observer = new MutationObserver(() => {
      for (const b of document.querySelectorAll('button')) {
        const shown = b.previousElementSibling?.textContent ?? '';
        if (b.textContent === 'Cancel' && shown.startsWith(prefix)) {
          observer.disconnect();
          b.click();
        }
      }
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  }, stage);
}
