/**
 * Retrieval in the real app: a JPEG copy of a photo is its nearest neighbour (with the cosine the
 * exported features give), region search and best buddies behave, indexing can be paused, the
 * collection, the model and bit-identical features come back after a reload, an exported index
 * imports into a fresh browser, and a quota error leaves what was stored intact and says, once,
 * everything it kept from the next visit.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../../src/lib/npy';
import {
  addImages,
  downloadBytes,
  downloadNpy,
  fixture,
  launch,
  maxAbsDiff,
  readF32,
  waitForAlert,
  waitForStatus,
  removeAll,
  loadModelReady,
} from './harness';

const appUrl = inject('appUrl');
const PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png'].map((n) => fixture(n));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-retrieval-'));

/** Makes IndexedDB writes fail with QuotaExceededError while switched to 'full' (all threads). */
const QUOTA_SWITCH = `(() => {
  let full = false;
  new BroadcastChannel('test-quota').onmessage = (e) => { full = e.data === 'full'; };
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (...args) {
    if (full) throw new DOMException('The current transaction exceeded its quota limitations.', 'QuotaExceededError');
    return put.apply(this, args);
  };
})();
`;

async function open(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(`${appUrl}?backend=wasm&preprocess=dense&res=224`);
  await page.getByRole('status').waitFor();
  return page;
}

/** A JPEG re-encoding of a PNG fixture, made by the browser's encoder. */
async function jpegCopy(page: Page, png: string, name: string): Promise<string> {
  const bytes = await page.evaluate(async (b64) => {
    const blob = await (await fetch(`data:image/png;base64,${b64}`)).blob();
    const bm = await createImageBitmap(blob);
    const c = new OffscreenCanvas(bm.width, bm.height);
    c.getContext('2d')!.drawImage(bm, 0, 0);
    const jpg = await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    return Array.from(new Uint8Array(await jpg.arrayBuffer()));
  }, fs.readFileSync(png).toString('base64'));
  const file = path.join(tmp, name);
  fs.writeFileSync(file, Buffer.from(bytes));
  return file;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

/** Clicks Export index and saves its two files into `dir`; returns their paths (JSON, .npy). */
async function exportIndex(page: Page, dir: string): Promise<{ json: string; npy: string }> {
  await page.getByRole('tab', { name: 'Collection' }).click();
  const json = page.waitForEvent('download', (d) => d.suggestedFilename().endsWith('.json'));
  const npy = page.waitForEvent('download', (d) => d.suggestedFilename().endsWith('.npy'));
  await page.getByRole('button', { name: 'Export index' }).click();
  const [j, n] = await Promise.all([json, npy]);
  const saved = {
    json: path.join(dir, j.suggestedFilename()),
    npy: path.join(dir, n.suggestedFilename()),
  };
  fs.copyFileSync(await j.path(), saved.json);
  fs.copyFileSync(await n.path(), saved.npy);
  return saved;
}

async function neighbourRows(page: Page, name: string) {
  const list = page.getByRole('list', { name: `Neighbours of ${name}` });
  await list.getByRole('listitem').first().waitFor();
  const texts = await list.getByRole('listitem').allInnerTexts();
  return texts.map((t) => {
    const [file, score] = t.split('\n').map((s) => s.trim());
    return { file, score };
  });
}

describe('retrieval', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let copy: string;
  /** The cards that said so while the photos waited for a model. */
  let waitingCards = 0;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
    context = await browser.newContext({ acceptDownloads: true });
    page = await open(context);
    copy = await jpegCopy(page, fixture('chelsea.png'), 'chelsea-copy.jpg');
    // Added before any model: they wait for one, then get their features once it is ready.
    await addImages(page, [...PHOTOS, copy]);
    const waiting = page.getByText('waiting for a model', { exact: true });
    await waiting.first().waitFor();
    waitingCards = await waiting.count();
    await page.getByLabel(/Keep model files in this browser/).check();
    await loadModelReady(page, [fixture('dinov2-tiny', 'model.onnx')]);
    for (const n of ['chelsea.png', 'chelsea-copy.jpg', 'astronaut.png', 'coffee.png']) {
      await page.getByRole('button', { name: `Find similar: ${n}` }).waitFor({ timeout: 120_000 });
    }
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('gives images added before a model their features once one is loaded', async () => {
    // Each card said what it waited for (not "computing"), and none waits any more.
    expect(waitingCards).toBe(4);
    expect(await page.getByText('waiting for a model', { exact: true }).count()).toBe(0);
    expect(await page.getByText(/computing features/).count()).toBe(0);
  });

  it('ranks the JPEG copy of a photo first, with the cosine of its CLS features', async () => {
    const features = new Map<string, Float32Array>();
    for (const n of ['chelsea.png', 'chelsea-copy.jpg', 'astronaut.png', 'coffee.png']) {
      features.set(n, (await downloadNpy(page, `Download features: ${n}`)).data);
    }
    await page.getByRole('button', { name: 'Find similar: chelsea.png' }).click();
    const rows = await neighbourRows(page, 'chelsea.png');
    expect(rows.map((r) => r.file).sort()).toEqual(
      ['astronaut.png', 'chelsea-copy.jpg', 'coffee.png'].sort(),
    );
    expect(rows[0].file).toBe('chelsea-copy.jpg');
    const dim = 64;
    const cls = (n: string) => features.get(n)!.subarray(0, dim);
    for (const r of rows) {
      expect(r.score).toMatch(/^-?\d\.\d{3}$/);
      expect(Number(r.score)).toBeCloseTo(cosine(cls('chelsea.png'), cls(r.file)), 3);
    }
    const scores = rows.map((r) => Number(r.score));
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);

    // Mean-of-patches descriptor: also the copy first, and a different ranking score.
    await page.getByLabel('Descriptor').selectOption('mean');
    await page.getByText(/Most similar by mean patch token/).waitFor();
    expect((await neighbourRows(page, 'chelsea.png'))[0].file).toBe('chelsea-copy.jpg');
  });

  it('finds a selected region in the copy, and shows patch similarity on hover', async () => {
    const query = page.getByRole('img', { name: 'Query: chelsea.png' });
    await query.scrollIntoViewIfNeeded();
    const box = (await query.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.6, { steps: 4 });
    await page.mouse.up();
    await page.getByText(/patches selected/).waitFor();
    await page.getByRole('button', { name: 'Search region' }).click();
    const matches = page.getByRole('list', { name: 'Matches of the region of chelsea.png' });
    await matches.getByRole('listitem').first().waitFor();
    const first = (await matches.getByRole('listitem').first().innerText()).split('\n');
    expect(first[0].trim()).toBe('chelsea-copy.jpg');
    expect(Number(first[1])).toBeGreaterThan(0.95);
    // An image added, then removed, is searched and then gone: the region's matches follow.
    const heading = page.getByRole('heading', { name: /^Best matches of the region/ });
    expect(await heading.textContent()).toMatch(/· 3 images in/);
    const extra = path.join(tmp, 'extra.png');
    fs.copyFileSync(fixture('coffee.png'), extra);
    await addImages(page, [extra]);
    await heading.filter({ hasText: /· 4 images in/ }).waitFor();
    await page.getByRole('tab', { name: 'Collection' }).click();
    await page.getByRole('button', { name: 'Remove extra.png', exact: true }).click();
    await page.getByRole('tab', { name: 'Search' }).click();
    await heading.filter({ hasText: /· 3 images in/ }).waitFor();
    expect(await matches.getByText('extra.png').count()).toBe(0);
    // Another number of results ranks the region's matches again (they were left as they were).
    const k = page.getByLabel('Number of results');
    const asked = await k.inputValue();
    const shown = await matches.getByRole('listitem').count();
    expect(shown).toBeGreaterThan(1);
    await k.fill('1');
    await k.press('Enter');
    await expect.poll(() => matches.getByRole('listitem').count()).toBe(1);
    await k.fill(asked);
    await k.press('Enter');
    await expect.poll(() => matches.getByRole('listitem').count()).toBe(shown);

    // Hovering a patch colours every shown image by similarity to it (canvas pixels change).
    const pixels = () =>
      page.evaluate(() => {
        const c = document.querySelector<HTMLCanvasElement>('[aria-label="Result: coffee.png"]')!;
        return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
      });
    await page.mouse.move(1, 1);
    const before = await pixels();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    /** Waits until coffee.png's result is drawn otherwise than `before` (coloured by a patch). */
    const coloured = () =>
      page.waitForFunction(
        (prev) => {
          const c = document.querySelector<HTMLCanvasElement>('[aria-label="Result: coffee.png"]')!;
          const now = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          return now.some((v, i) => v !== prev[i]);
        },
        before,
        { polling: 100, timeout: 30_000 },
      );
    await coloured();

    // Results that appear while the pointer rests on a patch are coloured too, without a move:
    // one result (the copy) while pointing, then all again.
    const timing = page.getByLabel('Similarity timing');
    const neighbours = page.getByRole('list', { name: 'Neighbours of chelsea.png' });
    await page.mouse.move(1, 1);
    await expect.poll(() => timing.textContent()).toBe('\u00a0');
    await k.fill('1');
    await k.press('Enter');
    await expect.poll(() => neighbours.getByRole('listitem').count()).toBe(1);
    expect(await neighbours.getByText('coffee.png').count()).toBe(0);
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await expect.poll(() => timing.textContent()).toMatch(/on the/);
    await k.fill(asked);
    await k.press('Enter');
    await page.getByRole('img', { name: 'Result: coffee.png' }).waitFor();
    await coloured();
  });

  it('pairs every patch of an image with itself as best buddies', async () => {
    await page.getByLabel('Image A').selectOption({ label: 'chelsea.png' });
    await page.getByLabel('Image B').selectOption({ label: 'chelsea.png' });
    // Allowed (a check of the pairing), but said: it shows nothing about the picture.
    await page.getByText(/^Image A and Image B are the same picture/).waitFor();
    await page.getByRole('button', { name: 'Find correspondences' }).click();
    // chelsea.png (451 x 300) at 224 px dense is 24 x 16 patches, each its own best buddy.
    await page.getByText(/^384 mutual nearest neighbours; the strongest 30 are drawn/).waitFor();
    await page.getByRole('img', { name: 'Correspondences: chelsea.png and chelsea.png' }).waitFor();
  });

  it('exports the index as .npy plus a manifest that Python can follow', async () => {
    await page.getByRole('tab', { name: 'Collection' }).click();
    const [json, npy] = await Promise.all([
      (async () => {
        const jsonDl = page.waitForEvent('download', (d) =>
          d.suggestedFilename().endsWith('.json'),
        );
        const npyDl = page.waitForEvent('download', (d) => d.suggestedFilename().endsWith('.npy'));
        await page.getByRole('button', { name: 'Export index' }).click();
        return Promise.all([jsonDl, npyDl]);
      })().then(async ([j, n]) => [
        { name: j.suggestedFilename(), bytes: fs.readFileSync(await j.path()) },
        { name: n.suggestedFilename(), bytes: fs.readFileSync(await n.path()) },
      ]),
    ]).then((x) => x[0]);
    fs.writeFileSync(path.join(tmp, json.name), json.bytes);
    fs.writeFileSync(path.join(tmp, npy.name), npy.bytes);
    const manifest = JSON.parse(json.bytes.toString('utf8'));
    const arr = decodeNpy(new Uint8Array(npy.bytes));
    expect(manifest.format).toBe('dinov2-explorer-index');
    expect(manifest.model.dim).toBe(64);
    expect(manifest.preprocessing).toMatchObject({ mode: 'dense', resolution: 224 });
    expect(manifest.preprocessing.resize).toMatch(/^short side 224 and long side in proportion/);
    // The model as `sha256sum` names it, and what ran it.
    const graph = fs.readFileSync(fixture('dinov2-tiny', 'model.onnx'));
    expect(manifest.model.files).toEqual([
      {
        file: 'model.onnx',
        bytes: graph.length,
        sha256: crypto.createHash('sha256').update(graph).digest('hex'),
      },
    ]);
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
    expect(manifest.software).toEqual({
      app: pkg.version,
      onnxruntime_web: pkg.dependencies['onnxruntime-web'],
    });
    expect(manifest.images).toHaveLength(4);
    // astronaut 512 x 512 -> 16 x 16 patches; the other three 24 x 16 (+1 CLS token each).
    expect(arr.shape).toEqual([257 + 3 * 385, 64]);
    for (const im of manifest.images) {
      const own = await downloadNpy(page, `Download features: ${im.name}`);
      const rows = (arr.data as Float32Array).subarray(
        im.token_start * 64,
        (im.token_start + im.token_count) * 64,
      );
      expect(maxAbsDiff(rows, own.data)).toBe(0);
    }
  });

  it('brings back the collection, the model and identical features after a reload', async () => {
    const before = await downloadBytes(page, 'Download features: coffee.png');
    const names = () =>
      page
        .getByRole('img', { name: /\.(png|jpg)$/ })
        .evaluateAll((els) => els.map((e) => e.getAttribute('alt')));
    // Added in one batch: written to storage, and brought back, in their order.
    const order = await names();
    await page.reload();
    await waitForStatus(page, /ready.*model\.onnx/);
    await page
      .getByRole('button', { name: 'Download features: coffee.png' })
      .waitFor({ timeout: 120_000 });
    expect(await page.getByRole('img', { name: /\.(png|jpg)$/ }).count()).toBe(4);
    expect(await page.getByText('features from browser storage').count()).toBe(4);
    expect(await names()).toEqual(order);
    const after = await downloadBytes(page, 'Download features: coffee.png');
    expect(after.bytes.equals(before.bytes)).toBe(true);
  });

  it('indexes many images in the background, and can pause and resume', async () => {
    const many = Array.from({ length: 40 }, (_, i) => {
      const f = path.join(tmp, `copy-${String(i).padStart(2, '0')}.png`);
      fs.copyFileSync(fixture('astronaut.png'), f);
      return f;
    });
    await addImages(page, many);
    await page.getByRole('button', { name: 'Pause indexing' }).click();
    const progress = page.getByLabel('Indexing', { exact: true });
    await progress.getByText(/^Paused: \d+ of 40 images/).waitFor();
    // The waiting cards and the status line say that indexing is paused, not computing.
    await page.getByText('indexing paused', { exact: true }).first().waitFor();
    expect(await page.getByRole('status').first().textContent()).toMatch(
      /indexing paused, \d+ images? left/,
    );
    await page.getByRole('button', { name: 'Resume indexing' }).click();
    await progress.waitFor({ state: 'detached', timeout: 180_000 });
    expect(await page.getByRole('button', { name: /^Find similar: copy-/ }).count()).toBe(40);
    // Paused, then all removed: the next images start a fresh run, not a paused one.
    // (Twenty, so that the run is still going when Pause is clicked: three could be done by then.)
    // (New files: the same files again would not be added twice.)
    const more = many.slice(0, 22).map((f) => {
      const g = f.replace('copy-', 'again-');
      fs.copyFileSync(f, g);
      return g;
    });
    await removeAll(page);
    await addImages(page, more.slice(0, 20));
    await page.getByRole('button', { name: 'Pause indexing' }).click();
    await removeAll(page);
    await addImages(page, more.slice(20, 22));
    for (const f of more.slice(20, 22))
      await page.getByRole('button', { name: `Find similar: ${path.basename(f)}` }).waitFor();
    await removeAll(page);
  });

  it('imports an exported index into a fresh browser without running the model', async () => {
    const fresh = await browser.newContext({ acceptDownloads: true });
    try {
      const p = await open(fresh);
      await loadModelReady(p, [fixture('dinov2-tiny', 'model.onnx')]);
      const index = [
        path.join(tmp, 'collection.index.json'),
        path.join(tmp, 'collection.features.npy'),
      ];
      // Features made at another resolution are refused, naming the file and what to set.
      await p.getByLabel('Resolution').selectOption('448');
      await p.getByLabel('Import index').setInputFiles(index);
      const refused = await waitForAlert(p, 'collection.index.json was made with dense at 224 px');
      expect(refused).toContain('the app is set to dense at 448 px');
      await p.getByLabel('Resolution').selectOption('224');
      await p.getByLabel('Import index').setInputFiles([...index, ...PHOTOS, copy]);
      await p.getByText(/Imported features for 4 of 4 images/).waitFor();
      expect(await p.getByText('imported features (stored in this browser)').count()).toBe(4);
      // Bit-exact: the imported rows are what the exporting browser computed.
      const manifest = JSON.parse(fs.readFileSync(path.join(tmp, 'collection.index.json'), 'utf8'));
      const all = decodeNpy(fs.readFileSync(path.join(tmp, 'collection.features.npy')));
      const entry = manifest.images.find((i: { name: string }) => i.name === 'chelsea-copy.jpg');
      const own = await downloadNpy(p, 'Download features: chelsea-copy.jpg');
      expect(own.shape).toEqual([385, 64]);
      const rows = (all.data as Float32Array).subarray(
        entry.token_start * 64,
        (entry.token_start + entry.token_count) * 64,
      );
      expect(maxAbsDiff(own.data, rows)).toBe(0);
      await p.getByRole('button', { name: 'Find similar: chelsea.png' }).click();
      expect((await neighbourRows(p, 'chelsea.png'))[0].file).toBe('chelsea-copy.jpg');
      // Imported again: the images keep the features they have, and the message says so.
      await p.getByRole('tab', { name: 'Collection' }).click();
      await p.getByLabel('Import index').setInputFiles(index);
      const again = p.getByRole('note').filter({ hasText: 'Imported features for 0 of 4 images' });
      await again.waitFor();
      expect(await again.textContent()).toContain('4 images already have features and keep them.');
      // Another export of the same layout (fp16): the features are used for the session only,
      // and the cards say so rather than claiming browser storage.
      await p
        .getByLabel('Model file', { exact: true })
        .setInputFiles([fixture('dinov2-tiny', 'model_fp16.onnx')]);
      await waitForStatus(p, /ready.*model_fp16\.onnx/);
      await removeAll(p);
      await p.getByLabel('Import index').setInputFiles([...index, ...PHOTOS]);
      await p.getByText(/Imported features for 3 of 4 images/).waitFor();
      expect(await p.getByText('imported features (this session only: not stored)').count()).toBe(
        3,
      );
      expect(await p.getByText('features from browser storage').count()).toBe(0);
      // Exported again, they are named as the model that made them, not the one loaded.
      const re = path.join(tmp, 're-export');
      fs.mkdirSync(re, { recursive: true });
      const reManifest = JSON.parse(fs.readFileSync((await exportIndex(p, re)).json, 'utf8'));
      expect(reManifest.model).toMatchObject({
        file: 'model.onnx',
        key: manifest.model.key,
        registers: manifest.model.registers,
        patch_size: manifest.model.patch_size,
      });
      // (Not the loaded model's files, nor what ran it: those features came from elsewhere.)
      expect(reManifest.model.files).toBeUndefined();
      expect(reManifest.software).toBeUndefined();
      // With an image the loaded model computed beside them, one index would mix two models.
      await addImages(p, [copy]);
      await p.getByRole('button', { name: 'Find similar: chelsea-copy.jpg' }).waitFor();
      await p.getByRole('button', { name: 'Export index' }).click();
      expect(await waitForAlert(p, 'mixes features of several models')).toMatch(
        /3 images \(.*\) imported from model\.onnx's index, and 1 image computed with model_fp16\.onnx\./,
      );
      // One click computes the imported ones with the loaded model; then they export as its own.
      await p.getByRole('button', { name: 'Recompute with model_fp16.onnx', exact: true }).click();
      await p.getByText('4 of 4 images have features').waitFor({ timeout: 120_000 });
      expect(await p.getByText('imported features (this session only: not stored)').count()).toBe(
        0,
      );
      expect(await p.getByRole('button', { name: /^Recompute with/ }).count()).toBe(0);
      const fp16 = JSON.parse(fs.readFileSync((await exportIndex(p, re)).json, 'utf8'));
      expect(fp16.model.file).toBe('model_fp16.onnx');
      // The refusal is moot once an export is made.
      expect(await p.getByRole('alert').filter({ hasText: 'mixes features' }).count()).toBe(0);
      expect(fp16.images).toHaveLength(4);
      // With a model of another token layout the index is refused once, not entry by entry.
      await p
        .getByLabel('Model file', { exact: true })
        .setInputFiles([fixture('dinov2-reg4-tiny', 'model.onnx')]);
      await waitForStatus(p, /ready.*registers 4/);
      await p.getByLabel('Import index').setInputFiles(index);
      expect(await waitForAlert(p, 'register tokens')).toContain(
        'made with a model that has 0 register tokens, but the loaded model (model.onnx) has 4',
      );
    } finally {
      await fresh.close();
    }
  });

  /** A collection with a model input saved as .npy, exported: made by the next test. */
  const withInput: { tensor: string; features: Buffer; json: string; npy: string } = {
    tensor: '',
    features: Buffer.alloc(0),
    json: '',
    npy: '',
  };

  it('names the features of a .npy model input apart from the input itself', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'with-input-'));
    withInput.tensor = path.join(dir, 'a-tensor.npy');
    const pixels = readF32(fixture('astronaut.pixel_values.f32'));
    fs.writeFileSync(withInput.tensor, encodeNpy(pixels, [1, 3, 224, 224]));
    const source = await browser.newContext({ acceptDownloads: true });
    try {
      const p = await open(source);
      await loadModelReady(p, [fixture('dinov2-tiny', 'model.onnx')]);
      await addImages(p, [withInput.tensor, fixture('astronaut.png')]);
      // `a-tensor.npy` is the input's own name (no recipe made it); a picture's features are
      // named by theirs.
      const features = await downloadBytes(p, 'Download features: a-tensor.npy');
      expect(features.name).toBe('a-tensor.features.npy');
      withInput.features = features.bytes;
      const input = await downloadBytes(p, 'Download model input: a-tensor.npy');
      expect(input.name).toBe('a-tensor.input.npy');
      expect((await downloadBytes(p, 'Download features: astronaut.png')).name).toBe(
        'astronaut.features.dense-224.npy',
      );
      expect((await downloadBytes(p, 'Download model input: astronaut.png')).name).toBe(
        'astronaut.input.dense-224.npy',
      );
      Object.assign(withInput, await exportIndex(p, dir));
    } finally {
      await source.close();
    }
  });

  it('imports an index with a model input saved as .npy, wherever it is picked', async () => {
    const { tensor, json, npy } = withInput;
    expect(json).not.toBe('');
    const photo = fixture('astronaut.png');
    // The input picked before the features (once taken for them) and after (once left out).
    for (const picked of [
      [tensor, photo, npy, json],
      [npy, json, tensor, photo],
    ]) {
      const fresh = await browser.newContext({ acceptDownloads: true });
      try {
        const p = await open(fresh);
        await loadModelReady(p, [fixture('dinov2-tiny', 'model.onnx')]);
        await p.getByLabel('Import index').setInputFiles(picked);
        // The summary, or the refusal that came instead of it (which then fails the test).
        const said = p
          .getByRole('note')
          .filter({ hasText: 'Imported features for' })
          .or(p.getByRole('alert'))
          .first();
        await said.waitFor();
        expect(await said.textContent()).toContain('Imported features for 2 of 2 images');
        expect(await p.getByRole('alert').count()).toBe(0);
        expect(await p.getByText('imported features (stored in this browser)').count()).toBe(2);
        // Bit-exact: the input's rows are what the exporting browser computed.
        const again = await downloadBytes(p, 'Download features: a-tensor.npy');
        expect(again.bytes.equals(withInput.features)).toBe(true);
      } finally {
        await fresh.close();
      }
    }
  });

  it('keeps the stored collection intact when storage runs out', async () => {
    // Chromium's quota override (CDP Storage.overrideQuotaForOrigin) has no effect in headless
    // contexts here, so a full disk is simulated the way the browser reports one: every
    // IndexedDB write throws QuotaExceededError, on the page and in the engine worker.
    const limited = await browser.newContext({ acceptDownloads: true, serviceWorkers: 'block' });
    await limited.addInitScript(QUOTA_SWITCH);
    await limited.route(/\/assets\/worker-[^/]*\.js$/, async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, body: QUOTA_SWITCH + (await res.text()) });
    });
    try {
      const p = await open(limited);
      await loadModelReady(p, [fixture('dinov2-tiny', 'model.onnx')]);
      await addImages(p, [fixture('coffee.png')]);
      const stored = await downloadBytes(p, 'Download features: coffee.png');
      await p.evaluate(() => new BroadcastChannel('test-quota').postMessage('full'));
      const unsaved = ['astronaut.png', 'chelsea.png', 'chelsea-copy.jpg'];
      await addImages(p, [fixture('astronaut.png'), fixture('chelsea.png'), copy]);
      // The new images still work in this session, and the stored one is untouched.
      for (const n of unsaved) {
        await p.getByRole('button', { name: `Download features: ${n}` }).waitFor();
      }
      // One message for all of them (their features failed too), naming them and what to do.
      const full = p.getByRole('alert').filter({ hasText: 'Browser storage is full' });
      await full.first().waitFor();
      await p.waitForTimeout(500); // the features' saves (just after each image) fail meanwhile
      expect(await full.count()).toBe(1);
      const said = (await full.textContent()) ?? '';
      expect(said).toContain('Not saved for your next visit: 3 images');
      for (const n of unsaved) expect(said).toContain(`"${n}"`);
      expect(said).toContain('with their features');
      expect(said).toMatch(/free space by removing images or cached models/i);
      await p.evaluate(() => new BroadcastChannel('test-quota').postMessage('ok'));
      // Features whose image did not fit (their save came after space was freed): an orphan
      // record, planted here as such a race leaves it, is deleted at the next visit.
      await p.evaluate(
        () =>
          new Promise<void>((done, fail) => {
            const req = indexedDB.open('dinov2-explorer');
            req.onsuccess = () => {
              const tx = req.result.transaction('features', 'readwrite');
              tx.objectStore('features').put({ key: 'm|p|gone', imageId: 'gone', tokens: null });
              tx.oncomplete = () => (req.result.close(), done());
              tx.onerror = () => fail(tx.error);
            };
          }),
      );
      await p.reload();
      await p.getByRole('img', { name: 'coffee.png' }).waitFor();
      const featureImages = () =>
        p.evaluate(
          () =>
            new Promise<string[]>((done) => {
              const req = indexedDB.open('dinov2-explorer');
              req.onsuccess = () => {
                const all = req.result.transaction('features').objectStore('features').getAll();
                all.onsuccess = () => {
                  req.result.close();
                  done((all.result as { imageId: string }[]).map((r) => r.imageId));
                };
              };
            }),
        );
      await expect.poll(featureImages).not.toContain('gone');
      // The stored image's features stay.
      expect((await featureImages()).length).toBeGreaterThan(0);
      for (const n of unsaved) expect(await p.getByRole('img', { name: n }).count()).toBe(0);
      await loadModelReady(p, [fixture('dinov2-tiny', 'model.onnx')]);
      const again = await downloadBytes(p, 'Download features: coffee.png');
      expect(again.bytes.equals(stored.bytes)).toBe(true);
      expect(await p.getByText('features from browser storage').count()).toBe(1);
    } finally {
      await limited.close();
    }
  });
});
