/**
 * A finger has no hover: what the mouse shows by pointing, a tap must show, and keep shown once
 * the finger lifts (it "leaves" as it lifts). Only pictures that take input hold the page still.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { drawnShare, launch, tinyAppWith } from './harness';

const appUrl = inject('appUrl');

describe('by touch', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
    page = await tinyAppWith(browser, appUrl, ['astronaut.png', 'chelsea.png', 'coffee.png'], {
      hasTouch: true,
    });
    for (const n of ['astronaut.png', 'chelsea.png', 'coffee.png'])
      await page.getByRole('button', { name: `Find similar: ${n}` }).waitFor({ timeout: 120_000 });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("shows a tapped patch's similarity in Search, and keeps it after the finger lifts", async () => {
    await page.getByRole('button', { name: 'Find similar: chelsea.png' }).tap();
    await page.getByRole('img', { name: 'Result: coffee.png' }).waitFor();
    const query = page.getByRole('img', { name: 'Query: chelsea.png' });
    const touchAction = (name: string) =>
      page.getByRole('img', { name }).evaluate((c) => getComputedStyle(c).touchAction);
    // The query takes drags (a region); the results take none, so a swipe on them scrolls.
    expect(await touchAction('Query: chelsea.png')).toBe('none');
    expect(await touchAction('Result: coffee.png')).toBe('auto');
    await query.scrollIntoViewIfNeeded();
    const box = (await query.boundingBox())!;
    await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
    const timing = page.getByLabel('Similarity timing');
    await expect.poll(() => timing.textContent()).toMatch(/^Patch similarity: .* ms on the/);
    // Still shown a while after the lift (a mouse leaving would clear it).
    await page.getByRole('tab', { name: 'Search' }).focus();
    expect(await timing.textContent()).toMatch(/on the/);
  });

  it("shows a tapped point's patch on the photo in the 3D view's patch mode", async () => {
    await page.getByRole('tab', { name: '3D view' }).tap();
    await page.getByLabel('Points').selectOption('patches');
    await page.getByText(/^\d+ patches from 1 image/).waitFor({ timeout: 60_000 });
    const stage = page.getByRole('application', { name: 'Embedding 3D view', exact: true });
    await stage.scrollIntoViewIfNeeded();
    const box = (await stage.boundingBox())!;
    const [p] = await page.evaluate(() => window.__explorer3d!.points());
    await page.touchscreen.tap(box.x + p.x, box.y + p.y);
    await page.locator('.e3d-tooltip').waitFor({ state: 'visible' });
    const photo = page.getByRole('img', { name: /^Patches of .*: drag to select a region$/ });
    /** Pixels drawn on the photo's overlay (the marked patch). */
    const marked = () => drawnShare(photo);
    await expect.poll(marked).toBeGreaterThan(0);
    // With a second image's patches in the cloud, a tap on one of them switches the photo to
    // that image and marks the patch there.
    const boxes = page.getByRole('checkbox');
    const unchecked = await boxes.evaluateAll((els) =>
      els.map(
        (e) =>
          !(e as HTMLInputElement).checked &&
          /\.png$/.test((e as HTMLInputElement).labels?.[0]?.textContent?.trim() ?? ''),
      ),
    );
    const pick = unchecked.indexOf(true);
    expect(pick).toBeGreaterThanOrEqual(0);
    await boxes.nth(pick).tap();
    await page.getByText(/^\d+ patches from 2 images/).waitFor({ timeout: 60_000 });
    const photoSelect = page.getByLabel('Photo', { exact: true });
    const before = await photoSelect.inputValue();
    const pts = await page.evaluate(() => window.__explorer3d!.points());
    // The other image's point farthest from any of the shown image's: nothing else under it.
    const mine = pts.filter((q) => q.imageId === before);
    const gap = (q: { x: number; y: number }) =>
      Math.min(...mine.map((m) => Math.hypot(m.x - q.x, m.y - q.y)));
    const far = pts
      .filter((q) => q.imageId && q.imageId !== before)
      .reduce((a, b) => (gap(b) > gap(a) ? b : a));
    const now = (await stage.boundingBox())!;
    await page.touchscreen.tap(now.x + far.x, now.y + far.y);
    await expect.poll(() => photoSelect.inputValue()).toBe(far.imageId);
    await expect.poll(marked).toBeGreaterThan(0);
  });

  it('on a phone, shows a removal where the user is, and opens a view at its top', async () => {
    const wide = page.viewportSize()!;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.getByRole('tab', { name: 'Collection' }).tap();
      // The last card is far down the page, below the side panel and the other cards.
      const remove = page.getByRole('button', { name: 'Remove coffee.png' });
      await remove.scrollIntoViewIfNeeded();
      await remove.tap();
      const notice = page.getByRole('note').filter({ hasText: 'Removed coffee.png' });
      await notice.waitFor();
      const box = (await notice.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(844);
      await page.getByRole('button', { name: 'Undo: coffee.png' }).tap();
      const find = page.getByRole('button', { name: 'Find similar: coffee.png' });
      await find.waitFor({ timeout: 120_000 });
      await find.scrollIntoViewIfNeeded();
      await find.tap();
      await page.getByRole('img', { name: 'Query: coffee.png' }).waitFor();
      const tabs = (await page.getByRole('tablist', { name: 'Views' }).boundingBox())!;
      expect(tabs.y).toBeGreaterThanOrEqual(0);
      expect(tabs.y).toBeLessThanOrEqual(844 / 2);
    } finally {
      await page.setViewportSize(wide);
    }
  });
});
