/**
 * The stored collection when things happen at once, in the real app: images removed while the
 * collection is still being saved stay removed after the browser restarts (with their features),
 * and an exported index puts each photo's features back on its own photo when two share a name.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BASE_FLAGS, findChromium } from './chromium';
import { addImages, fixture, launch, removeAll, waitForAlert, waitForStatus } from './harness';

const appUrl = inject('appUrl');
const MODEL = fixture('dinov2-tiny', 'model.onnx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-races-'));

/** CRC-32 (PNG chunks). */
function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A small RGB PNG whose pixels depend on `seed`, so every file is a different image. */
function png(file: string, width: number, height: number, seed: number): string {
  const chunk = (type: string, data: Buffer) => {
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * (width * 3 + 1) + 1 + x * 3;
      raw[o] = (x * 7 + seed * 31) & 255;
      raw[o + 1] = (y * 5 + seed * 17) & 255;
      raw[o + 2] = (x * y + seed * 13) & 255;
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', zlib.deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
  return file;
}

async function open(context: BrowserContext): Promise<Page> {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(`${appUrl}?backend=wasm&preprocess=dense&res=224`);
  await page.getByRole('status').waitFor();
  return page;
}

/** What browser storage holds: the stored images' names and ids, and whose features it has. */
function stored(page: Page) {
  return page.evaluate(
    () =>
      new Promise<{ names: string[]; ids: string[]; featureIds: string[] }>((resolve, reject) => {
        const req = indexedDB.open('dinov2-explorer');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const tx = req.result.transaction(['images', 'features'], 'readonly');
          const images = tx.objectStore('images').getAll();
          const feats = tx.objectStore('features').getAllKeys();
          tx.oncomplete = () => {
            req.result.close();
            const all = images.result as { id: string; name: string }[];
            resolve({
              names: all.map((i) => i.name).sort(),
              ids: all.map((i) => i.id),
              featureIds: (feats.result as string[]).map((k) => k.split('|').pop()!),
            });
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

/** Waits until indexing is over and storage has not changed for a while (the saves ended). */
async function settled(page: Page) {
  await page
    .getByLabel('Indexing', { exact: true })
    .waitFor({ state: 'detached', timeout: 180_000 });
  let last = '';
  let same = 0;
  for (;;) {
    const now = JSON.stringify(await stored(page));
    same = now === last ? same + 1 : 0;
    if (same >= 3) return JSON.parse(now) as Awaited<ReturnType<typeof stored>>;
    last = now;
    await page.waitForTimeout(500);
  }
}

describe('collection races', () => {
  it('keeps images removed while they were being saved removed, with their features', async () => {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-profile-'));
    const launchProfile = () =>
      chromium.launchPersistentContext(profile, {
        executablePath: findChromium()!,
        args: [...BASE_FLAGS, '--disable-gpu'],
      });
    const first = Array.from({ length: 300 }, (_, i) =>
      png(path.join(tmp, 'a', `a-${String(i).padStart(3, '0')}.png`), 16, 16, i),
    );
    const second = Array.from({ length: 120 }, (_, i) =>
      png(path.join(tmp, 'b', `b-${String(i).padStart(3, '0')}.png`), 16, 16, 1000 + i),
    );
    // The last ones: saved one at a time, in order, they are written after the removal.
    const removed = ['b-119.png', 'b-118.png', 'b-117.png', 'b-060.png'];
    let context = await launchProfile();
    try {
      let page = await open(context);
      await page.getByLabel('Model file', { exact: true }).setInputFiles([MODEL]);
      await waitForStatus(page, /ready/);
      // Removed at once, while the 300 are still being written to storage.
      await addImages(page, first);
      await removeAll(page);
      await addImages(page, second);
      for (const n of removed) {
        await page.getByRole('button', { name: `Remove ${n}`, exact: true }).click();
      }
      const kept = second.map((f) => path.basename(f)).filter((n) => !removed.includes(n));
      const s = await settled(page);
      expect(s.names).toEqual(kept);
      // Features of removed images are not left behind either.
      expect(s.featureIds.filter((id) => !s.ids.includes(id))).toEqual([]);
      expect(new Set(s.featureIds).size).toBe(kept.length);

      // The next visit (the browser restarted) shows just what was kept.
      await context.close();
      context = await launchProfile();
      page = await open(context);
      await page.getByRole('img', { name: 'b-000.png' }).waitFor();
      const shown = await page
        .getByRole('img', { name: /^[ab]-\d+\.png$/ })
        .evaluateAll((els) => els.map((e) => e.getAttribute('alt')));
      expect(shown.sort()).toEqual(kept);
    } finally {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  });

  it('asks before the page is left while images are still being stored', async () => {
    const browser = await launch({ webgpu: false });
    try {
      const context = await browser.newContext();
      let page = await open(context);
      // A click: browsers ask before unload only on a page the user has interacted with.
      await page.getByRole('heading', { name: 'Add images' }).click();
      // Another connection holds the images store, so the app's writes wait behind it.
      await page.evaluate(
        () =>
          new Promise<void>((resolve, reject) => {
            const req = indexedDB.open('dinov2-explorer');
            req.onerror = () => reject(req.error);
            req.onsuccess = () => {
              const db = req.result;
              const store = db.transaction('images', 'readwrite').objectStore('images');
              const w = window as unknown as { holdStorage?: boolean };
              w.holdStorage = true;
              const spin = () => {
                if (w.holdStorage) store.get('none').onsuccess = spin;
                else db.close();
              };
              spin();
              resolve();
            };
          }),
      );
      const files = Array.from({ length: 20 }, (_, i) =>
        png(path.join(tmp, 'unload', `u-${String(i).padStart(2, '0')}.png`), 16, 16, 2000 + i),
      );
      await addImages(page, files);
      await page.getByText('Storing 20 images in this browser').waitFor();
      // Leaving now is asked about; staying keeps the page and its images.
      const asked = page.waitForEvent('dialog');
      await page.close({ runBeforeUnload: true });
      const dialog = await asked;
      expect(dialog.type()).toBe('beforeunload');
      await dialog.dismiss();
      expect(page.isClosed()).toBe(false);
      await page.getByRole('img', { name: 'u-19.png' }).waitFor();
      // Once they are stored, the page closes without asking and the next visit has them all.
      await page.evaluate(() => {
        (window as unknown as { holdStorage?: boolean }).holdStorage = false;
      });
      await page.getByText(/^Kept in this browser/).waitFor();
      let askedAgain = false;
      page.on('dialog', (d) => {
        askedAgain = true;
        void d.accept();
      });
      const closed = page.waitForEvent('close');
      await page.close({ runBeforeUnload: true });
      await closed;
      expect(askedAgain).toBe(false);
      page = await open(context);
      await page.getByRole('img', { name: 'u-19.png' }).waitFor();
      expect((await stored(page)).names).toEqual(files.map((f) => path.basename(f)));
    } finally {
      await browser.close();
    }
  });

  describe('two photos of one name', () => {
    let browser: Browser;
    const photos = [
      png(path.join(tmp, 'trip', 'photo.png'), 48, 32, 1),
      png(path.join(tmp, 'home', 'photo.png'), 32, 48, 2),
    ];
    const own: Buffer[] = [];
    const index: string[] = [];

    /** The features of the i-th "photo.png" card (the second is labelled "photo.png (2)"). */
    async function features(page: Page, i: number): Promise<Buffer> {
      const label = i === 0 ? 'photo.png' : `photo.png (${i + 1})`;
      const button = page.getByRole('button', { name: `Download features: ${label}`, exact: true });
      await button.waitFor({ timeout: 120_000 });
      const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
      return fs.readFileSync(await download.path());
    }

    beforeAll(async () => {
      browser = await launch({ webgpu: false });
      const context = await browser.newContext({ acceptDownloads: true });
      const page = await open(context);
      await page.getByLabel('Model file', { exact: true }).setInputFiles([MODEL]);
      await waitForStatus(page, /ready/);
      // Picked without their folders: both are just "photo.png".
      await addImages(page, photos);
      own.push(await features(page, 0), await features(page, 1));
      expect(own[0].equals(own[1])).toBe(false);
      await page.getByRole('tab', { name: 'Collection' }).click();
      const json = page.waitForEvent('download', (d) => d.suggestedFilename().endsWith('.json'));
      const npy = page.waitForEvent('download', (d) => d.suggestedFilename().endsWith('.npy'));
      await page.getByRole('button', { name: 'Export index' }).click();
      for (const d of [await json, await npy]) {
        const file = path.join(tmp, d.suggestedFilename());
        fs.copyFileSync(await d.path(), file);
        index.push(file);
      }
      await context.close();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('imports each entry to its own photo, and counts what happened', async () => {
      const context = await browser.newContext({ acceptDownloads: true });
      try {
        const page = await open(context);
        await page.getByLabel('Model file', { exact: true }).setInputFiles([MODEL]);
        await waitForStatus(page, /ready/);
        await page.getByLabel('Import index').setInputFiles([...index, ...photos]);
        await page.getByText(/Imported features for 2 of 2 images/).waitFor();
        // Both from the index (none computed), each bit-exact to its own photo's features.
        expect(await page.getByText('imported features (stored in this browser)').count()).toBe(2);
        expect((await features(page, 0)).equals(own[0])).toBe(true);
        expect((await features(page, 1)).equals(own[1])).toBe(true);

        // An index that does not record contents cannot tell them apart: refused, by name.
        const manifest = JSON.parse(fs.readFileSync(index[0], 'utf8'));
        for (const e of manifest.images) {
          delete e.sha256;
          delete e.bytes;
        }
        const older = path.join(tmp, 'older', path.basename(index[0]));
        fs.mkdirSync(path.dirname(older), { recursive: true });
        fs.writeFileSync(older, JSON.stringify(manifest));
        await removeAll(page);
        await page.getByLabel('Import index').setInputFiles([older, index[1], ...photos]);
        const refused = await waitForAlert(page, 'cannot tell which image');
        expect(refused).toContain('"photo.png"');
        await page.getByText(/Imported features for 0 of 2 images/).waitFor();
        // Their images are indexed with the model instead: the same features, computed.
        expect((await features(page, 0)).equals(own[0])).toBe(true);
        expect((await features(page, 1)).equals(own[1])).toBe(true);
      } finally {
        await context.close();
      }
    });
  });
});
