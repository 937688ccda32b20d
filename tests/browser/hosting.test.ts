/**
 * The static build on a host that cannot set headers, under a sub-path: the service worker makes
 * the page cross-origin isolated and caches the shell (offline reload), share links round-trip,
 * a link naming a model asks first, and hostile links change nothing.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixture, launch, waitForStatus } from './harness';
import { serveStatic, type StaticServer } from './static-server';

const distDir = inject('distDir');

describe('hosted under a sub-path without isolation headers', () => {
  let server: StaticServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    server = await serveStatic(distDir, { isolation: false, mount: '/dinov2-explorer/' });
    browser = await launch({ webgpu: false });
    context = await browser.newContext();
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads, then becomes cross-origin isolated once the service worker takes over', async () => {
    await page.goto(server.url);
    await page.getByRole('status').waitFor();
    await page.waitForFunction(() => crossOriginIsolated === true, null, { timeout: 60_000 });
    await page.getByRole('status').waitFor();
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await page.getByText('WASM threads on.').waitFor();
  });

  it('makes a share link that reopens the same settings and view', async () => {
    await page.getByLabel('Backend').selectOption('wasm');
    await page.getByLabel('Preprocessing').selectOption('dense');
    await page.getByLabel('Resolution').selectOption('448');
    await page.getByRole('tab', { name: 'PCA maps' }).click();
    await page.getByLabel('Joint PCA').uncheck();
    await page.getByLabel('Foreground only').check();
    await page.getByRole('button', { name: 'Share' }).click();
    const link = await page.getByLabel('Share link').inputValue();
    expect(link.startsWith(server.url)).toBe(true);
    expect(await page.getByText('images never leave this device').count()).toBe(0); // no images yet

    const other = await context.newPage();
    await other.goto(link);
    await other.getByRole('status').waitFor();
    expect(await other.getByLabel('Backend').inputValue()).toBe('wasm');
    expect(await other.getByLabel('Resolution').inputValue()).toBe('448');
    expect(await other.getByRole('tab', { name: 'PCA maps' }).getAttribute('aria-selected')).toBe(
      'true',
    );
    expect(await other.getByLabel('Joint PCA').isChecked()).toBe(false);
    expect(await other.getByLabel('Foreground only').isChecked()).toBe(true);
    // The search view's settings travel too (shown once a model is loaded, on both sides), and
    // the panel names what does not.
    const tiny = fixture('dinov2-tiny', 'model.onnx');
    await page.getByLabel('Model file', { exact: true }).setInputFiles([tiny]);
    await waitForStatus(page, /ready/);
    // A click elsewhere (the tab) closed the panel, and so does focus that leaves it (it would
    // cover what focus went to): change the settings, then open it again.
    await page.getByRole('tab', { name: 'Search' }).click();
    expect(await page.getByLabel('Share link').count()).toBe(0);
    await page.getByLabel('Descriptor').selectOption('mean');
    // Typed over as a person does: the emptied box stays empty (not the minimum) until "30".
    const results = page.getByLabel('Number of results');
    await results.focus();
    await results.press('Control+a');
    await results.press('Backspace');
    expect(await results.inputValue()).toBe('');
    await results.pressSequentially('30');
    await results.press('Enter');
    expect(await results.inputValue()).toBe('30');
    await page.getByRole('button', { name: 'Share' }).click();
    const searchLink = await page.getByLabel('Share link').inputValue();
    expect(new URL(searchLink).searchParams.get('k')).toBe('30');
    expect(await page.getByText('the query image, a selected region').count()).toBe(1);
    await page.keyboard.press('Escape');
    expect(await page.getByLabel('Share link').count()).toBe(0);
    await other.goto(searchLink);
    await other.getByLabel('Model file', { exact: true }).setInputFiles([tiny]);
    await waitForStatus(other, /ready/);
    expect(await other.getByRole('tab', { name: 'Search' }).getAttribute('aria-selected')).toBe(
      'true',
    );
    expect(await other.getByLabel('Descriptor').inputValue()).toBe('mean');
    expect(await other.getByLabel('Number of results').inputValue()).toBe('30');
    await other.close();
  });

  it('carries images added by URL in the share link, and never local ones', async () => {
    await page.goto(server.url);
    await page.getByLabel('Image URL').fill(`${server.url}samples/chelsea.png`);
    await page.getByRole('button', { name: 'Add image' }).click();
    await page.getByRole('img', { name: 'chelsea.png' }).waitFor();
    // The same address again is said, not skipped quietly; a page is not an image. Either way
    // the address stays in the field to be mended.
    const field = page.getByLabel('Image URL');
    await field.fill(`${server.url}samples/chelsea.png`);
    await page.getByRole('button', { name: 'Add image' }).click();
    await page.getByRole('note').filter({ hasText: 'is already in the collection' }).waitFor();
    expect(await field.inputValue()).toBe(`${server.url}samples/chelsea.png`);
    await field.fill(server.url); // the app's own page
    await page.getByRole('button', { name: 'Add image' }).click();
    await page.getByRole('alert').filter({ hasText: 'the address gave a web page' }).waitFor();
    expect(await field.inputValue()).toBe(server.url);
    await field.fill('');
    await page.getByLabel('Images', { exact: true }).setInputFiles([fixture('coffee.png')]);
    await page.getByRole('img', { name: 'coffee.png' }).waitFor();
    await page.getByRole('button', { name: 'Share' }).click();
    const link = await page.getByLabel('Share link').inputValue();
    // The site's own file is named relative to the app, so the link works on any of its hosts.
    expect(new URL(link).searchParams.getAll('img')).toEqual(['./samples/chelsea.png']);
    expect(await page.getByText('1 local image: images never leave this device').count()).toBe(1);
    // Nothing is said of a clicked patch or an enlarged map where there is none.
    expect(await page.getByText(/clicked patch|shown large/).count()).toBe(0);
    // The recipient: another browser, with nothing stored from this one.
    const recipient = await browser.newContext();
    const other = await recipient.newPage();
    await other.goto(link);
    await other.getByRole('img', { name: 'chelsea.png' }).waitFor();
    expect(await other.getByRole('img', { name: 'coffee.png' }).count()).toBe(0);
    await recipient.close();
  });

  it('asks before downloading a model a link names', async () => {
    await page.goto(`${server.url}?model=catalog:dinov2-small:fp16`);
    const dialog = page.getByRole('dialog', { name: 'Load the model from this link?' });
    await dialog.waitFor();
    const text = (await dialog.textContent()) ?? '';
    expect(text).toContain('huggingface.co');
    expect(text).toContain('44.4 MB');
    await page.getByRole('button', { name: 'Not now' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByRole('status').textContent()).toContain('No model loaded');
  });

  it('shows a hostile link as notices and changes nothing else', async () => {
    // A first visit (nothing stored), so every setting must keep its default.
    const visitor = await browser.newContext();
    const page = await visitor.newPage();
    const hostile =
      '?backend=%3Cimg%20src%3Dx%20onerror%3D%22window.__pwned%3D1%22%3E&res=1e308&model=javascript:window.__pwned=1' +
      '&view=%3Cscript%3Ewindow.__pwned%3D1%3C%2Fscript%3E&layer=-1&keep=9&%3Cb%3Ex%3C%2Fb%3E=1';
    await page.goto(server.url + hostile);
    // A first visit reloads once when the service worker takes over (for isolation), back to the
    // address it arrived with (the app has rewritten the bar by then); read the page after that.
    await page.waitForFunction(() => crossOriginIsolated === true, null, { timeout: 60_000 });
    await page.getByRole('status').waitFor();
    const notes = await page.getByRole('note').allTextContents();
    expect(notes.length).toBeGreaterThanOrEqual(6);
    expect(notes.join(' ')).toContain('<img src=x');
    expect(
      await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    expect(await page.locator('img[src="x"], b').count()).toBe(0);
    expect(await page.getByLabel('Backend').inputValue()).toBe('auto');
    expect(await page.getByRole('tab', { name: 'Collection' }).getAttribute('aria-selected')).toBe(
      'true',
    );
    expect(await page.getByRole('dialog').count()).toBe(0);
    await visitor.close();
  });

  it('reloads offline from the service worker cache', async () => {
    await page.goto(server.url);
    await page.getByRole('status').waitFor();
    await context.setOffline(true);
    server.down = true;
    try {
      await page.reload();
      await page.getByRole('status').waitFor();
      await page.getByRole('button', { name: 'Try sample images' }).waitFor();
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    } finally {
      await context.setOffline(false);
      server.down = false;
    }
  });
});
