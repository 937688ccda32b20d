/**
 * The app by keyboard alone, in the built app (WASM): the view tabs follow the WAI-ARIA tabs
 * pattern, every control is reachable, patches are picked with arrow keys and Enter (search,
 * region, attention), the 3D view selects by name, and focus never falls to <body> when the
 * focused control goes away (Clear region, a Share panel Tab leaves). Also: settings that change
 * a shown result redo it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixture, launch, openApp, storedImageNames, tinyAppWith } from './harness';

const appUrl = inject('appUrl');
const names = ['astronaut.png', 'chelsea.png', 'coffee.png'];

/** What has focus: its role and accessible name, or BODY. */
async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return 'BODY';
    const name = el.getAttribute('aria-label') ?? el.textContent?.trim() ?? '';
    return `${el.getAttribute('role') ?? el.tagName.toLowerCase()}: ${name}`;
  });
}

/**
 * What the page's live region said last (a keyboard cursor's patch, say), without the no-break
 * space it alternates to make the same words again a change.
 */
function said(page: Page): Promise<string> {
  return page.evaluate(() =>
    (document.querySelector('[data-announcer]')?.textContent ?? '').replace(/\u00a0$/, ''),
  );
}

describe('keyboard', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
    page = await tinyAppWith(browser, appUrl, names);
    await page.getByText('3 of 3 images have features').waitFor({ timeout: 180_000 });
    // The end of the run is said (the status line goes back to the model's).
    await page.waitForFunction(
      () =>
        document.querySelector('[data-announcer]')?.textContent?.replace(/\u00a0$/, '') ===
        'Features ready for 3 images.',
    );
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('skips to the views, and moves between tabs with the arrow keys, Home and End', async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('a: Skip to the views');
    await page.keyboard.press('Enter');
    expect(await focused(page)).toBe('tab: Collection');
    // One Tab stop for the whole tab list: the selected tab.
    const stops = await page.$$eval('[role=tab]', (ts) =>
      ts.map((t) => (t as HTMLElement).tabIndex),
    );
    expect(stops).toEqual([0, -1, -1, -1, -1]);
    await page.keyboard.press('ArrowRight');
    expect(await focused(page)).toBe('tab: PCA maps');
    expect(await page.getByRole('tab', { name: 'PCA maps' }).getAttribute('aria-selected')).toBe(
      'true',
    );
    await page.keyboard.press('End');
    expect(await focused(page)).toBe('tab: 3D view');
    await page.keyboard.press('ArrowRight'); // wraps
    expect(await focused(page)).toBe('tab: Collection');
    await page.keyboard.press('ArrowLeft');
    expect(await focused(page)).toBe('tab: 3D view');
    await page.keyboard.press('Home');
    expect(await focused(page)).toBe('tab: Collection');
  });

  it('reaches Import index by Tab, as a button', async () => {
    await page.getByRole('button', { name: 'Export index' }).focus();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('button: Import index');
  });

  it('keeps focus on the page when Find similar opens the search', async () => {
    await page.getByRole('button', { name: 'Find similar: chelsea.png' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('img', { name: 'Query: chelsea.png' }).waitFor();
    await page.waitForFunction(() => document.activeElement !== document.body);
    expect(await focused(page)).toBe('tab: Search');
    // The ranking is said when it arrives: how many, and the first with its score.
    await expect
      .poll(() => said(page))
      .toMatch(
        /^2 images ranked by similarity to chelsea\.png; first (coffee|astronaut)\.png, cosine -?\d\.\d{3}\.$/,
      );
  });

  it('picks a patch of the query by keyboard: similarity on the cursor, Enter selects it', async () => {
    const query = page.getByRole('img', { name: 'Query: chelsea.png' });
    expect(await query.getAttribute('tabindex')).toBe('0');
    await query.focus();
    // Focus puts the cursor on a patch: its similarity maps are computed, as on hover.
    await page
      .getByText(/patch similarity/i)
      .first()
      .waitFor({ timeout: 60_000 });
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.getByText('1 patch selected', { exact: true }).waitFor();
    // Shift+arrows span a box from the cursor; Enter selects it.
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowDown');
    expect(await said(page)).toMatch(/^Box of 4 patches: rows \d+ to \d+, columns \d+ to \d+$/);
    await page.keyboard.press('Enter');
    await page.getByText(/^\d+ patches selected$/).waitFor();
    const text = await page.getByText(/^\d+ patches selected$/).textContent();
    expect(Number(text!.split(' ')[0])).toBeGreaterThanOrEqual(4);
    // Escape drops the cursor without leaving the canvas.
    await page.keyboard.press('Escape');
    expect(await focused(page)).toBe('img: Query: chelsea.png');
    // One patch searched: the heading counts it as one.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    await page.getByText('1 patch selected', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Search region' }).focus();
    await page.keyboard.press('Enter');
    await page
      .getByRole('heading', { name: /^Best matches of the region \(1 patch\) ·/ })
      .waitFor();
    // Clear region disables itself: focus goes back to the query, not to the page.
    await page.getByRole('button', { name: 'Clear region' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toBe('img: Query: chelsea.png');
  });

  it('redoes the correspondences when their settings change, and says what was used', async () => {
    const section = page.getByRole('region', { name: 'Correspondences' });
    await section.getByLabel('Image A').selectOption({ label: 'chelsea.png' });
    await section.getByLabel('Image B').selectOption({ label: 'coffee.png' });
    await section.getByRole('button', { name: 'Find correspondences' }).click();
    await section.getByText(/the strongest \d+ are drawn/).waitFor({ timeout: 60_000 });
    const pairs = section.getByLabel('Pairs to draw');
    await pairs.fill('5');
    await pairs.press('Enter');
    // Enter commits without throwing focus away.
    expect(await focused(page)).toBe('input: Pairs to draw');
    await section.getByText(/the strongest 5 are drawn/).waitFor({ timeout: 60_000 });
    await section.getByRole('checkbox', { name: 'Foreground only' }).check();
    await section
      .getByText(
        /on the foreground \(each image's own first PCA component above 0\.5\); the strongest/,
      )
      .waitFor({ timeout: 60_000 });
  });

  it('rounds a count typed with a fraction', async () => {
    const k = page.getByLabel('Number of results');
    await k.fill('2.5');
    await k.press('Enter');
    expect(await k.inputValue()).toBe('3');
  });

  it('picks an attention patch by keyboard', async () => {
    await page.getByRole('tab', { name: 'Attention' }).click();
    const map = page.getByRole('img', { name: /^Attention map: / });
    await map.waitFor({ timeout: 120_000 });
    await map.focus();
    await page.keyboard.press('ArrowUp');
    // A screen reader hears where the cursor is before Enter picks it: that very patch.
    await expect.poll(() => said(page)).toMatch(/^Row \d+, column \d+ of \d+ by \d+ patches$/);
    const [, row, col] = /^Row (\d+), column (\d+)/.exec(await said(page))!;
    await page.keyboard.press('Enter');
    await page
      .getByText(`attention of patch (row ${row}, column ${col})`, { exact: false })
      .waitFor({ timeout: 60_000 });
    expect(await focused(page)).toMatch(/^img: Attention map: /);
  });

  it('keeps a clicked attention patch when Enter follows the click', async () => {
    const map = page.getByRole('img', { name: /^Attention map: / });
    await map.click({ position: { x: 3, y: 3 } });
    const first = page.getByText('attention of patch (row 1, column 1)', { exact: false });
    await first.waitFor({ timeout: 60_000 });
    // A click leaves no keyboard cursor (the earlier one goes): Enter shows one on the clicked
    // patch and picks nothing; the arrow moves on from there, and Enter picks its neighbour.
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.getByText('attention of patch (row 1, column 2)', { exact: false }).waitFor();
  });

  it('draws no box on the attention map: Shift+arrows move the cursor as the arrows do', async () => {
    // Attention picks one patch (a click, Enter): a box drawn by Shift+arrows would be a lie.
    const map = page.getByRole('img', { name: /^Attention map: / });
    const idle = () =>
      page.waitForFunction(
        () =>
          document.querySelector('[aria-label="Attention"]')?.getAttribute('aria-busy') === 'false',
        null,
        { timeout: 60_000 },
      );
    await map.click({ position: { x: 3, y: 3 } });
    await page.getByText('attention of patch (row 1, column 1)', { exact: false }).waitFor();
    await idle();
    expect(await map.getAttribute('aria-description')).not.toMatch(/box/i);
    const drawn = () => map.evaluate((c: HTMLCanvasElement) => c.toDataURL());
    await page.keyboard.press('ArrowRight'); // shows the cursor on the clicked patch
    const start = await drawn();
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowDown');
    const shifted = await drawn();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowUp');
    expect(await drawn()).toBe(start);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    const plain = await drawn();
    expect(shifted).not.toBe(start);
    expect(shifted).toBe(plain);
    await page.keyboard.press('Enter');
    await page.getByText('attention of patch (row 2, column 2)', { exact: false }).waitFor();
    await idle();
    // The search query, where a box ranks a region, keeps it (and says so).
    await page.getByRole('tab', { name: 'Search' }).click();
    expect(
      await page.getByRole('img', { name: /^Query: / }).getAttribute('aria-description'),
    ).toMatch(/Shift\+arrows span a box/);
  });

  it('leaves the enlarged PCA map with Escape, focus back on its map', async () => {
    await page.getByRole('tab', { name: 'PCA maps' }).click();
    const enlarge = page.getByRole('button', { name: 'Enlarge PCA map of chelsea.png' });
    await enlarge.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Back to all maps' }).waitFor();
    // Enlarged, the map fills the list's width or the height from the list's top (the view
    // scrolled to its top) to the window's bottom, its aspect ratio kept.
    const fit = await page.$eval('.map-large .map-canvas', (c) => {
      const box = c.getBoundingClientRect();
      const list = c.closest('.map-large')!.getBoundingClientRect();
      const top = list.top + (c.closest('.main')?.scrollTop ?? 0);
      const canvas = c as HTMLCanvasElement;
      const ar = canvas.width / canvas.height;
      return {
        width: box.width,
        want: Math.min(list.width, (window.innerHeight - top - 8) * ar),
        bottom: top + box.height,
        window: window.innerHeight,
        ar: box.width / box.height,
        canvasAr: ar,
      };
    });
    expect(fit.width).toBeGreaterThan(fit.want - 2);
    expect(fit.bottom).toBeLessThanOrEqual(fit.window);
    expect(fit.ar).toBeCloseTo(fit.canvasAr, 1);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Enlarge PCA map of coffee.png' }).waitFor();
    expect(await focused(page)).toBe('button: Enlarge PCA map of chelsea.png');
    // Escape in the Share panel closes the panel only: the map stays enlarged.
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Share' }).click();
    // The panel says the enlarged map stays behind.
    await page.getByText('which map is shown large').waitFor();
    await page.getByLabel('Share link').focus();
    await page.keyboard.press('Escape');
    expect(await focused(page)).toBe('button: Share');
    expect(await page.getByRole('button', { name: 'Back to all maps' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Back to all maps' }).click();
    // The Back button too leaves focus on the map it showed.
    await page.getByRole('button', { name: 'Enlarge PCA map of coffee.png' }).click();
    await page.getByRole('button', { name: 'Back to all maps' }).click();
    await page.waitForFunction(() => document.activeElement !== document.body);
    expect(await focused(page)).toBe('button: Enlarge PCA map of coffee.png');
  });

  it('selects an image of the 3D view by name, and opens its PCA map large', async () => {
    await page.getByRole('tab', { name: '3D view' }).click();
    const pick = page.getByLabel('Select image by name');
    await pick.waitFor({ timeout: 120_000 });
    await pick.selectOption({ label: 'coffee.png' });
    const panel = page.getByRole('complementary', { name: 'Selected image' });
    await panel.getByText('coffee.png', { exact: true }).waitFor();
    await panel.getByRole('button', { name: 'Open in PCA maps' }).click();
    await page.getByRole('button', { name: 'Back to all maps' }).waitFor();
    expect(await page.getByRole('img', { name: /^PCA map: / }).count()).toBe(1);
    await page.getByRole('img', { name: 'PCA map: coffee.png' }).waitFor();
    await page.getByRole('button', { name: 'Back to all maps' }).click();
  });

  it('keeps focus in the view when Clear selection, Show its patches or Back to CLS go away', async () => {
    const press = async (name: string) => {
      await page.getByRole('button', { name }).focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.activeElement !== document.body);
    };
    await page.getByRole('tab', { name: '3D view' }).click();
    const pick = page.getByLabel('Select image by name');
    await pick.selectOption({ label: 'chelsea.png' });
    await press('Clear selection');
    expect(await focused(page)).toBe('select: Select image by name');
    await pick.selectOption({ label: 'chelsea.png' });
    await press('Show its patches');
    expect(await focused(page)).toBe('select: Points');
    await page.getByLabel('Points').selectOption('images');

    await page.getByRole('tab', { name: 'Attention' }).click();
    const map = page.getByRole('img', { name: /^Attention map: / });
    await map.click({ position: { x: 3, y: 3 } });
    await page.getByRole('button', { name: 'Back to CLS' }).waitFor({ timeout: 60_000 });
    await press('Back to CLS');
    expect(await focused(page)).toMatch(/^img: Attention map: /);
    // In a low window the main map keeps to the window's height (its aspect ratio kept): seen
    // whole once scrolled to, if the controls above leave it less than half the window.
    const wide = page.viewportSize()!;
    await page.setViewportSize({ width: 1280, height: 500 });
    try {
      const fit = await map.evaluate((c) => {
        const box = c.getBoundingClientRect();
        const canvas = c as HTMLCanvasElement;
        return {
          height: box.height,
          most: window.innerHeight - 16,
          ar: box.width / box.height,
          want: canvas.width / canvas.height,
        };
      });
      expect(fit.height).toBeLessThanOrEqual(fit.most + 1);
      expect(fit.ar).toBeCloseTo(fit.want, 1);
    } finally {
      await page.setViewportSize(wide);
    }
  });

  it('moves focus to the next card when a card is removed, and past a dismissed alert', async () => {
    await page.getByRole('tab', { name: 'Collection' }).click();
    await page.getByRole('button', { name: 'Remove astronaut.png' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('2 of 2 images have features').waitFor();
    expect(await focused(page)).toBe('button: Remove chelsea.png');
    // The removal is said, and can be undone: the image comes back, its features computed again.
    await page.getByRole('note').filter({ hasText: 'Removed astronaut.png' }).waitFor();
    await page.getByRole('button', { name: 'Undo: astronaut.png' }).focus();
    await page.keyboard.press('Enter');
    // Focus goes to the image that came back, not on to the next control (the model picker).
    await expect.poll(() => focused(page)).toBe('button: Remove astronaut.png');
    await page.getByText('3 of 3 images have features').waitFor({ timeout: 120_000 });
    expect(await page.getByRole('button', { name: 'Undo: astronaut.png' }).count()).toBe(0);
    // Back in its place, on screen and for the next visit.
    const cards = await page
      .getByRole('button', { name: /^Remove \S+\.png$/ })
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    expect(cards).toEqual(['Remove astronaut.png', 'Remove chelsea.png', 'Remove coffee.png']);
    await expect
      .poll(() => storedImageNames(page))
      .toEqual(['astronaut.png', 'chelsea.png', 'coffee.png']);
    // A removal's Undo is gone once all are removed: it would bring back one of them.
    await page.getByRole('button', { name: 'Remove coffee.png' }).click();
    await page.getByRole('button', { name: 'Undo: coffee.png' }).waitFor();

    await page
      .getByLabel('Images', { exact: true })
      .setInputFiles(fixture('dinov2-tiny', 'model.onnx'));
    const dismiss = page.getByRole('button', { name: 'Dismiss' }).last();
    await dismiss.waitFor();
    // Named by what it dismisses.
    expect(await dismiss.getAttribute('aria-label')).toMatch(/^Dismiss the (error|notice) about /);
    await dismiss.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement !== document.body);
    expect(await focused(page)).not.toBe('BODY');
    // Remove all asks first, with focus on the safe answer; Escape keeps the images.
    await page.getByRole('button', { name: /^Remove all/ }).focus();
    await page.keyboard.press('Enter');
    await page.getByText(/^Remove all \d+ images and their stored features\?/).waitFor();
    expect(await focused(page)).toBe('button: Keep them');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: /^Remove all/ }).waitFor();
    await page.waitForFunction(() => document.activeElement?.textContent?.startsWith('Remove all'));
    expect(await page.getByRole('button', { name: 'Remove them' }).count()).toBe(0);
    // Confirmed, it goes with the images: focus stays on the row of buttons.
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.textContent === 'Keep them');
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe('button: Remove them');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: /^Remove all/ }).waitFor({ state: 'detached' });
    expect(await focused(page)).toBe('button: Try sample images');
    expect(await page.getByRole('button', { name: /^Undo/ }).count()).toBe(0);
  });
});

describe('a link that names a model', () => {
  let browser: Browser;
  afterAll(async () => {
    await browser?.close();
  });

  it('keeps the model in the address while asking, takes focus, and Escape says Not now', async () => {
    browser = await launch({ webgpu: false });
    // A file that exists (any will do, nothing is downloaded): for a missing one the dialog
    // says so instead of asking (model-messages.test.ts).
    const model = `${new URL(appUrl).origin}/samples/chelsea.png`;
    const page = await openApp(
      browser,
      appUrl,
      `?backend=wasm&view=pca&model=${encodeURIComponent(model)}`,
    );
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await page.waitForFunction(() => document.activeElement?.textContent === 'Download model');
    // A reload (or a copied address) must still name the model the user has not answered.
    // (The site's own files are named relative to the app.)
    const named = new URL(page.url()).searchParams.get('model');
    expect(named && new URL(named, page.url()).href).toBe(model);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await focused(page)).not.toBe('BODY');
    await page.getByText('The model named in the link was not downloaded.').waitFor();
    expect(new URL(page.url()).searchParams.get('model')).toBeNull();
  });

  it('says the size of a linked model file, from a HEAD request', async () => {
    // Any file the server sizes will do: the dialog downloads nothing before the user agrees.
    const file = `${new URL(appUrl).origin}/samples/chelsea.png`;
    const bytes = fs.statSync(
      path.resolve(import.meta.dirname, '../../public/samples/chelsea.png'),
    ).size;
    const page = await openApp(browser, appUrl, `?backend=wasm&model=${encodeURIComponent(file)}`);
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`(${(bytes / 1024).toFixed(0)} KB, more if its weights`).waitFor();
    await dialog.getByRole('button', { name: 'Not now' }).click();
  });

  it('carries the PCA display settings in the share link', async () => {
    const page = await openApp(browser, appUrl, '?backend=wasm&view=pca');
    await page.getByLabel('Map opacity').fill('0.4');
    await page.getByLabel('Upsampling').selectOption('smooth');
    await page.getByLabel('Channel').selectOption({ index: 2 });
    await page.getByRole('button', { name: 'Share' }).click();
    const link = new URL(await page.getByLabel('Share link').inputValue());
    expect(link.searchParams.get('popac')).toBe('0.4');
    expect(link.searchParams.get('psmooth')).toBe('1');
    expect(link.searchParams.get('chan')).toBe('2');
    // Escape closes the panel and gives focus back to Share.
    await page.getByLabel('Share link').focus();
    await page.keyboard.press('Escape');
    expect(await focused(page)).toBe('button: Share');
    // Tab past its last control closes it too: it would cover what focus moved to.
    await page.keyboard.press('Enter');
    const panel = page.getByRole('group', { name: 'Share this view' });
    await panel.waitFor();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('input: Share link');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('button: Copy');
    await page.keyboard.press('Tab');
    await panel.waitFor({ state: 'detached' });
    // The link reopens them.
    const other = await openApp(browser, appUrl, link.search);
    expect(await other.getByLabel('Map opacity').inputValue()).toBe('0.4');
    expect(await other.getByLabel('Upsampling').inputValue()).toBe('smooth');
  });
});
