/**
 * The service worker's offline cache (public/sw.js): the app opens offline after one visit on a
 * host that sends the isolation headers (no isolation reload there) under a path that contains
 * "models/"; after a redeploy an offline visit gets the newest page and the old build's assets are
 * gone; and the one-time isolation reload never throws away what the visitor already did.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixture, launch } from './harness';
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

    await context.setOffline(true);
    server.down = true;
    try {
      await page.reload();
      await page.getByRole('button', { name: 'Try sample images' }).waitFor();
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      // The site's models are listed offline too (the manifest is cached; the models are not).
      await page.getByRole('button', { name: 'Load tiny/model.onnx' }).waitFor();
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
