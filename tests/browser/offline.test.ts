/**
 * The service worker's offline cache (public/sw.js): the app opens offline after one visit on a
 * host that sends the isolation headers (no isolation reload there) under a path that contains
 * "models/"; after a redeploy an offline visit gets the newest page and the old build's assets are
 * gone; one online visit after a redeploy is enough for the parts not opened then (the 3D view)
 * and the runtime used before to work offline, without the runtime never used; and the one-time
 * isolation reload never throws away what the visitor already did.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BUILD_ASSETS, type BuildAssets } from '../../scripts/vite/build-assets';
import { addImages, fixture, launch, loadModelReady } from './harness';
import { serveStatic } from './static-server';

const distDir = inject('distDir');
const VITE_ASSET = /^(.+)-[\w-]{8}(\.[^./]+)$/; // Vite's [name]-[hash].[ext], as sw.js reads it

/** A copy of the build that a test may change (other test files share `distDir`). */
function copyOfBuild(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-offline-'));
  fs.cpSync(distDir, dir, { recursive: true });
  // Only what this test puts there: another test file may have added models to the shared build.
  fs.rmSync(path.join(dir, 'models'), { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'models'));
  fs.writeFileSync(path.join(dir, 'models', 'manifest.json'), JSON.stringify({ models: [] }));
  return dir;
}

/**
 * A redeploy in which the assets that `seeds` match changed: they and every asset that names a
 * changed one, up to the page, get another hash, as a build gives them, and the build's list of
 * assets follows. Returns the new name of each renamed asset.
 */
function redeploy(dir: string, seeds: RegExp[]): Map<string, string> {
  const assets = path.join(dir, 'assets');
  const files = fs.readdirSync(assets);
  const isText = (f: string) => /\.(js|css)$/.test(f);
  const text = new Map(
    files.filter(isText).map((f) => [f, fs.readFileSync(path.join(assets, f), 'utf8')]),
  );
  const changed = new Set(files.filter((f) => seeds.some((s) => s.test(f))));
  for (let grown = true; grown;) {
    grown = false;
    for (const [f, t] of text) {
      if (changed.has(f) || ![...changed].some((c) => t.includes(c))) continue;
      changed.add(f);
      grown = true;
    }
  }
  const renamed = new Map(
    [...changed].map((f, i) => [
      f,
      f.replace(
        VITE_ASSET,
        (_, name, ext) => `${name}-deploy2${String.fromCharCode(97 + i)}${ext}`,
      ),
    ]),
  );
  const rewrite = (t: string) => [...renamed].reduce((t, [from, to]) => t.replaceAll(from, to), t);
  for (const [from, to] of renamed) {
    if (isText(from)) fs.writeFileSync(path.join(assets, to), rewrite(text.get(from)!));
    else fs.renameSync(path.join(assets, from), path.join(assets, to));
    fs.rmSync(path.join(assets, from), { force: true });
  }
  const html = path.join(dir, 'index.html');
  fs.writeFileSync(html, rewrite(fs.readFileSync(html, 'utf8')));
  const listFile = path.join(dir, BUILD_ASSETS);
  const list = JSON.parse(fs.readFileSync(listFile, 'utf8')) as BuildAssets;
  const next: BuildAssets = {
    assets: list.assets
      .map(({ file }) => file.replace(/[^/]+$/, (f) => renamed.get(f) ?? f))
      .sort()
      .map((file) => ({ file, bytes: fs.statSync(path.join(dir, file)).size })),
  };
  fs.writeFileSync(listFile, JSON.stringify(next));
  return renamed;
}

/** Waits until the browser's Cache Storage (written by the service worker) holds every URL of
 * `cached` and none of `gone`. */
async function waitForCache(
  page: Page,
  { cached = [], gone = [] }: { cached?: string[]; gone?: string[] },
): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    const wrong = await page.evaluate(
      async ([cached, gone]) => {
        const out: string[] = [];
        for (const u of cached) if (!(await caches.match(u))) out.push(`missing ${u}`);
        for (const u of gone) if (await caches.match(u)) out.push(`still there ${u}`);
        return out;
      },
      [cached, gone] as const,
    );
    if (wrong.length === 0) return;
    if (Date.now() > end) throw new Error(wrong.join('; '));
    await page.waitForTimeout(250);
  }
}

/** The build's files under assets/ that this page loaded, and the engine worker's script (which
 * the page's resource timings do not list). */
async function loadedAssets(page: Page, base: string, dir: string): Promise<string[]> {
  const loaded = await page.evaluate(() =>
    performance.getEntriesByType('resource').map((e) => e.name),
  );
  const worker = fs.readdirSync(path.join(dir, 'assets')).find((f) => /^worker-.*\.js$/.test(f));
  return [
    ...new Set([
      ...loaded.filter((u) => u.startsWith(`${base}assets/`)),
      `${base}assets/${worker}`,
    ]),
  ];
}

describe('offline', () => {
  let browser: Browser;
  const cleanup: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
    for (const c of cleanup.reverse()) await c();
  });

  it('never evicts one asset of a build for another: names and extensions are unique', () => {
    // sw.js evicts `name-OTHERHASH.ext` when it stores `name-HASH.ext`; two assets of one build
    // with the same name and extension would evict each other.
    const keys = fs
      .readdirSync(path.join(distDir, 'assets'))
      .map((f) => VITE_ASSET.exec(f))
      .map((m) => (m ? m[1] + m[2] : null));
    expect(keys).not.toContain(null);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('lists every file of the build under assets/ with its size, for the service worker', () => {
    const list = JSON.parse(
      fs.readFileSync(path.join(distDir, BUILD_ASSETS), 'utf8'),
    ) as BuildAssets;
    const files = fs.readdirSync(path.join(distDir, 'assets')).sort();
    expect(list.assets).toEqual(
      files.map((f) => ({
        file: `assets/${f}`,
        bytes: fs.statSync(path.join(distDir, 'assets', f)).size,
      })),
    );
    // The runtimes, too: the worker refreshes the one a visitor has used.
    expect(files.filter((f) => f.endsWith('.wasm')).length).toBeGreaterThan(0);
  });

  it('opens offline after one visit to a host that sends the headers, under /lab/models/', async () => {
    const dir = copyOfBuild();
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, 'models', 'tiny'));
    fs.copyFileSync(
      fixture('dinov2-tiny', 'model.onnx'),
      path.join(dir, 'models', 'tiny', 'model.onnx'),
    );
    const bytes = fs.statSync(fixture('dinov2-tiny', 'model.onnx')).size;
    fs.writeFileSync(
      path.join(dir, 'models', 'manifest.json'),
      JSON.stringify({
        models: [{ id: 'tiny', variants: [{ file: 'model.onnx', bytes, dataFiles: [] }] }],
      }),
    );
    const server = await serveStatic(dir, { isolation: true, mount: '/lab/models/dinov2/' });
    cleanup.push(() => server.close());
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}?res=448`);
    await page.getByRole('button', { name: 'Load tiny/model.onnx' }).waitFor();
    // Isolated by the host from the start: no reload, so nothing passed through the worker yet.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const assets = await loadedAssets(page, server.url, dir);
    await waitForCache(page, {
      cached: [server.url, `${server.url}models/manifest.json`, ...assets],
    });
    // A model loaded on this first visit: the runtime it ran on is kept for offline use too,
    // although the engine worker fetched it before the service worker controlled anything.
    const model = fixture('dinov2-tiny', 'model.onnx');
    await loadModelReady(page, [model]);
    const wasm = fs
      .readdirSync(path.join(dir, 'assets'))
      .find((f) => /^ort-wasm-simd-threaded-[\w-]{8}\.wasm$/.test(f))!;
    await waitForCache(page, { cached: [`${server.url}assets/${wasm}`] });

    await context.setOffline(true);
    server.down = true;
    try {
      await page.reload();
      await page.getByRole('button', { name: 'Try sample images' }).waitFor();
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      // The site's models are listed offline too (the manifest is cached; the models are not).
      await page.getByRole('button', { name: 'Load tiny/model.onnx' }).waitFor();
      // The model from disk runs on the cached runtime, and indexes a photo.
      await loadModelReady(page, [model]);
      await addImages(page, [fixture('chelsea.png')]);
      await page.getByRole('tab', { name: 'Collection' }).click();
      await page
        .getByRole('button', { name: 'Download features: chelsea.png' })
        .waitFor({ timeout: 60_000 });
      // Another query string is the same page.
      await page.goto(`${server.url}?view=pca`);
      await page.getByRole('button', { name: 'Try sample images' }).waitFor();
    } finally {
      await context.setOffline(false);
      server.down = false;
      await context.close();
    }
  });

  it('gives the newest deploy offline, and drops the old build', async () => {
    const dir = copyOfBuild();
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const server = await serveStatic(dir, { isolation: false, mount: '/dinov2/' });
    cleanup.push(() => server.close());
    const context = await browser.newContext();
    const page = await context.newPage();
    // Caches of an older version of this worker, and the app's model cache, which must stay.
    await page.goto(`${server.url}samples/chelsea.png`);
    await page.evaluate(async () => {
      await (await caches.open('dinov2-explorer-shell-v1')).put('old', new Response('old'));
      await (await caches.open('dinov2-explorer-models-v1')).put('model', new Response('m'));
    });

    // The first deploy, visited from two links (each once stored its own copy of the page).
    await page.goto(`${server.url}?res=448`);
    await page.waitForFunction(() => crossOriginIsolated === true, null, { timeout: 60_000 });
    await page.getByRole('status').waitFor();
    await page.goto(`${server.url}?view=pca`);
    await page.getByRole('status').waitFor();
    const oldAssets = await loadedAssets(page, server.url, dir);
    await waitForCache(page, { cached: [server.url, ...oldAssets] });

    // A redeploy: a new page and a new stylesheet (another hash); the rest is unchanged.
    const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    const css = /assets\/(index-[\w-]{8}\.css)/.exec(html)![1];
    const newCss = 'index-NEWbuild.css';
    fs.renameSync(path.join(dir, 'assets', css), path.join(dir, 'assets', newCss));
    fs.appendFileSync(path.join(dir, 'assets', newCss), '\n/* deploy 2 */\n');
    fs.writeFileSync(
      path.join(dir, 'index.html'),
      html.replace(css, newCss).replace('</head>', '<meta name="deploy" content="2"></head>'),
    );
    await page.goto(`${server.url}?backend=wasm`);
    await page.getByRole('status').waitFor();
    await waitForCache(page, {
      cached: [`${server.url}assets/${newCss}`],
      gone: [`${server.url}assets/${css}`],
    });

    await context.setOffline(true);
    server.down = true;
    try {
      await page.goto(`${server.url}?res=448`); // the link first visited on the old deploy
      await page.getByRole('button', { name: 'Try sample images' }).waitFor();
      expect(await page.locator('meta[name="deploy"]').count()).toBe(1);
      const cached = await page.evaluate(async () => ({
        names: (await caches.keys()).sort(),
        shell: (await (await caches.open('dinov2-explorer-shell-v2')).keys()).map((r) => r.url),
      }));
      expect(cached.names).toEqual(['dinov2-explorer-models-v1', 'dinov2-explorer-shell-v2']);
      // One copy of the page, whatever the query strings were; the old stylesheet is gone.
      const pages = cached.shell.filter((u) =>
        /^(index\.html)?(\?|$)/.test(u.slice(server.url.length)),
      );
      expect(pages).toEqual([server.url]);
      expect(cached.shell).not.toContain(`${server.url}assets/${css}`);
    } finally {
      await context.setOffline(false);
      server.down = false;
      await context.close();
    }
  });

  it('after a redeploy and one online visit, opens the 3D view and the runtime used offline', async () => {
    const dir = copyOfBuild();
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const server = await serveStatic(dir, { isolation: false, mount: '/apps/dinov2/' });
    cleanup.push(() => server.close());
    const context = await browser.newContext();
    const page = await context.newPage();
    const url = (f: string) => `${server.url}assets/${f}`;
    const asset = (re: RegExp) => fs.readdirSync(path.join(dir, 'assets')).find((f) => re.test(f))!;
    const model = fixture('dinov2-tiny', 'model.onnx');

    // The first deploy, used with the WASM backend (its runtime is cached), never with WebGPU.
    await page.goto(`${server.url}?backend=wasm`);
    await page.waitForFunction(() => crossOriginIsolated === true, null, { timeout: 60_000 });
    await page.getByRole('status').waitFor();
    await loadModelReady(page, [model]);
    const oldWasm = asset(/^ort-wasm-simd-threaded-[\w-]{8}\.wasm$/);
    const oldChunk = asset(/^Embedding3d-/);
    await waitForCache(page, { cached: [url(oldWasm)] });

    // A redeploy: the 3D view, its layout worker and both runtimes changed.
    const renamed = redeploy(dir, [/^Embedding3d-/, /^layout\.worker-/, /^ort-wasm-simd-threaded/]);
    const chunk = renamed.get(oldChunk)!;
    // Marks the new chunk, to tell it from the old one when it runs.
    fs.appendFileSync(path.join(dir, 'assets', chunk), '\nglobalThis.__deploy = 2;\n');
    const newName = (re: RegExp) => [...renamed.values()].find((f) => re.test(f))!;
    const asyncify = newName(/^ort-wasm-simd-threaded\.asyncify-/);
    const webgpuBundle = newName(/^ort\.webgpu\.bundle/);
    expect(webgpuBundle > asyncify).toBe(true); // the list is sorted by name

    // One online visit, without opening the 3D view or loading a model.
    await page.goto(`${server.url}?backend=wasm`);
    await page.getByRole('status').waitFor();
    expect(await page.locator(`script[src$="${newName(/^index-.*\.js$/)}"]`).count()).toBe(1);
    await waitForCache(page, {
      // The WebGPU bundle (`webgpuBundle`) can only come from the worker's pass over the build's
      // list (no WebGPU here), which takes one file at a time in the list's order, where the
      // bundle follows the WebGPU runtime: once it is in, the worker has passed that runtime.
      cached: [...renamed.values()].filter((f) => f !== asyncify).map(url),
      gone: [url(oldWasm), url(oldChunk)],
    });
    // The WebGPU runtime was never used: not downloaded.
    expect(await page.evaluate((u) => caches.match(u).then(Boolean), url(asyncify))).toBe(false);

    await context.setOffline(true);
    server.down = true;
    try {
      await page.reload();
      await page.getByRole('status').waitFor();
      await page.getByRole('tab', { name: '3D view' }).click();
      const view = page.getByRole('region', { name: '3D embedding' });
      const unavailable = page.getByText('The 3D view could not be loaded');
      await view.or(unavailable).waitFor();
      expect(await unavailable.count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as { __deploy?: number }).__deploy)).toBe(2);
      // And it works: the new runtime runs the model, and the view places the photos.
      await loadModelReady(page, [model]);
      await addImages(
        page,
        ['astronaut.png', 'chelsea.png', 'coffee.png'].map((n) => fixture(n)),
      );
      await page.waitForFunction(
        () => /^3 images/.test(document.querySelector('.e3d-legend')?.textContent ?? ''),
        null,
        { timeout: 60_000 },
      );
    } finally {
      await context.setOffline(false);
      server.down = false;
      await context.close();
    }
  });

  it('does not reload for isolation once the visitor has clicked', async () => {
    // A proxy that holds back sw.js until the visitor has clicked, so the worker takes over after.
    const upstream = await serveStatic(distDir, { isolation: false, mount: '/' });
    cleanup.push(() => upstream.close());
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const proxy = http.createServer((req, res) => {
      void (async () => {
        if ((req.url ?? '').endsWith('/sw.js')) await held;
        const up = http.get(new URL(req.url ?? '/', upstream.url), (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', () => res.destroy());
      })();
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => proxy.close(() => r())));
    const url = `http://localhost:${(proxy.address() as AddressInfo).port}/`;

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await page.getByRole('status').waitFor();
    await page.evaluate(() => ((window as unknown as { visit: number }).visit = 1));
    await page.getByRole('tab', { name: 'PCA maps' }).click();
    release();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await page.waitForTimeout(1000); // a reload, if any, would have started by now
    expect(await page.evaluate(() => (window as unknown as { visit?: number }).visit)).toBe(1);
    expect(await page.getByRole('tab', { name: 'PCA maps' }).getAttribute('aria-selected')).toBe(
      'true',
    );
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    await page.getByText('WASM runs single-threaded').waitFor();
    // The next visit is isolated from the start.
    await page.goto(url);
    await page.getByText('WASM threads on.').waitFor();
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await context.close();
  });
});
