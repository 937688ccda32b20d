/**
 * The 3D view by keyboard alone, in the built app (WASM backend, WebGL on SwiftShader): Tab
 * reaches the canvas, whose description says what it shows and its keys; N and P step through the
 * points (named in a polite live region, hovered as by the pointer), Enter selects the one stepped
 * to, Escape leaves it; the arrow keys orbit (pan a 2D layout) and + and - zoom; in patch mode a
 * step names the patch and outlines it on the photo.
 */
import { decode } from 'fast-png';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { drawnShare, launch, tinyAppWith } from './harness';

const appUrl = inject('appUrl');
const names = ['astronaut.png', 'chelsea.png', 'coffee.png'];

const region = (page: Page) => page.getByRole('region', { name: '3D embedding' });
const legend = (page: Page) => region(page).locator('.e3d-legend');
const canvas = (page: Page) =>
  page.getByRole('application', { name: 'Embedding 3D view', exact: true });
/** The polite live region that names the point the keys stepped to. */
const announced = (page: Page) =>
  region(page).locator('.visually-hidden[aria-live="polite"]').textContent();

/** The view is open, shows the three images, and their thumbnails are drawn. */
async function shown(page: Page) {
  await page.waitForFunction(
    () => {
      const t = document.querySelector('.e3d-legend')?.textContent ?? '';
      return t.startsWith('3 images') && !/drawing thumbnails/.test(t);
    },
    null,
    { timeout: 60_000 },
  );
}

async function points(page: Page) {
  return page.evaluate(() => window.__explorer3d!.points());
}

/** The largest distance between two points on screen (CSS px). */
function spread(pts: { x: number; y: number }[]): number {
  let d = 0;
  for (const a of pts) for (const b of pts) d = Math.max(d, Math.hypot(a.x - b.x, a.y - b.y));
  return d;
}

/** The largest move of a point on screen between two readings (CSS px). */
function moved(a: { x: number; y: number }[], b: { x: number; y: number }[]): number {
  return Math.max(...a.map((p, i) => Math.hypot(p.x - b[i].x, p.y - b[i].y)));
}

describe('3D view by keyboard', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
    page = await tinyAppWith(browser, appUrl, names);
    await page.getByRole('tab', { name: '3D view' }).click();
    await shown(page);
    await page.mouse.move(0, 0); // the pointer rests off the cloud: no hover of its own
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('reaches the canvas by Tab, with a focus ring and a description of what it shows and its keys', async () => {
    await page.getByLabel('Select image by name').focus();
    await page.keyboard.press('Tab');
    expect(await canvas(page).evaluate((c) => c === document.activeElement)).toBe(true);
    expect(await canvas(page).getAttribute('tabindex')).toBe('0');
    expect(await canvas(page).evaluate((c) => getComputedStyle(c).outlineStyle)).toBe('solid');
    const description = await canvas(page).getAttribute('aria-description');
    expect(description).toMatch(/^3 images as points in 3D, laid out by PCA\. Arrow keys orbit/);
    expect(description).toMatch(/\+ and - zoom/);
    expect(description).toMatch(/N and P step through the points/);
    expect(description).toMatch(/Enter picks the point as a click does/);
    expect(description).toMatch(/Escape leaves it/);
  });

  it('steps through the images with N and P, names them, Enter selects one, Escape clears', async () => {
    await canvas(page).focus();
    const tip = page.locator('.e3d-tooltip');
    await page.keyboard.press('n');
    await expect.poll(() => announced(page)).toMatch(/, 1 of 3$/);
    const first = (await announced(page))!.replace(/, 1 of 3$/, '');
    expect(names).toContain(first);
    // Highlighted as a hover would: the tooltip names it.
    await tip.waitFor({ state: 'visible' });
    expect((await tip.textContent())!.trim()).toBe(first);
    await page.keyboard.press('n');
    await expect.poll(() => announced(page)).toMatch(/, 2 of 3$/);
    const second = (await announced(page))!.replace(/, 2 of 3$/, '');
    expect(names).toContain(second);
    expect(second).not.toBe(first);
    expect((await tip.textContent())!.trim()).toBe(second);
    await page.keyboard.press('p');
    await expect.poll(() => announced(page)).toBe(`${first}, 1 of 3`);

    await page.keyboard.press('Enter');
    const side = page.getByRole('complementary', { name: 'Selected image' });
    await expect.poll(() => side.locator('p').first().textContent()).toBe(`Selected: ${first}`);
    expect(
      await page
        .getByLabel('Select image by name')
        .evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text),
    ).toBe(first);
    expect(await canvas(page).evaluate((c) => c === document.activeElement)).toBe(true);
    await expect
      .poll(() => canvas(page).getAttribute('aria-description'))
      .toMatch(new RegExp(`^3 images as points in 3D, laid out by PCA; ${first} selected\\.`));

    await page.keyboard.press('Escape');
    await expect.poll(() => announced(page)).toBe('');
    await tip.waitFor({ state: 'hidden' });
    // The selection stays; stepping starts again from it.
    expect(await side.locator('p').first().textContent()).toBe(`Selected: ${first}`);
    await page.keyboard.press('n');
    await expect.poll(() => announced(page)).toBe(`${first}, 1 of 3`);
    await page.keyboard.press('Escape');
    await expect.poll(() => announced(page)).toBe('');
  });

  it('orbits with the arrow keys and zooms with + and -', async () => {
    await canvas(page).focus();
    const shot = async () => {
      await page.evaluate(() => window.__explorer3d!.render());
      return Buffer.from(decode(await canvas(page).screenshot()).data);
    };
    const start = await points(page);
    const picture = await shot();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(async () => moved(await points(page), start)).toBeGreaterThan(3);
    expect((await shot()).equals(picture)).toBe(false);
    await page.keyboard.press('ArrowRight');
    await expect.poll(async () => moved(await points(page), start)).toBeLessThan(0.5);
    await page.keyboard.press('ArrowUp');
    await expect.poll(async () => moved(await points(page), start)).toBeGreaterThan(3);
    await page.keyboard.press('ArrowDown');
    await expect.poll(async () => moved(await points(page), start)).toBeLessThan(0.5);

    const wide = spread(start);
    await page.keyboard.press('+');
    await expect.poll(async () => spread(await points(page))).toBeGreaterThan(wide * 1.1);
    await page.keyboard.press('-');
    await page.keyboard.press('-');
    await expect.poll(async () => spread(await points(page))).toBeLessThan(wide * 0.9);
    await page.getByRole('button', { name: 'Reset view', exact: true }).click();
    await expect.poll(async () => moved(await points(page), start)).toBeLessThan(0.5);
  });

  it('pans a 2D layout with the arrow keys', async () => {
    const dims = page.getByLabel('Dimensions');
    const in3d = await points(page);
    await dims.selectOption('2');
    try {
      await expect.poll(async () => moved(await points(page), in3d)).toBeGreaterThan(1);
      await expect
        .poll(() => canvas(page).getAttribute('aria-description'))
        .toMatch(/^3 images as points in 2D, laid out by PCA.*Arrow keys pan/);
      await canvas(page).focus();
      const flat = await points(page);
      await page.keyboard.press('ArrowLeft');
      await expect.poll(async () => moved(await points(page), flat)).toBeGreaterThan(10);
      // A pan moves every point alike, sideways only.
      const after = await points(page);
      const dx = after.map((p, i) => p.x - flat[i].x);
      const dy = after.map((p, i) => p.y - flat[i].y);
      expect(Math.max(...dx) - Math.min(...dx)).toBeLessThan(0.5);
      expect(Math.max(...dy.map(Math.abs))).toBeLessThan(0.5);
    } finally {
      await dims.selectOption('3');
    }
    await expect
      .poll(() => canvas(page).getAttribute('aria-description'))
      .toMatch(/^3 images as points in 3D/);
  });

  it('names a patch in patch mode and outlines it on the photo; Escape clears', async () => {
    await page.getByLabel('Points').selectOption('patches');
    await expect
      .poll(() => legend(page).textContent(), { timeout: 30_000 })
      .toMatch(/^\d+ patches from 1 image/);
    const n = Number((await legend(page).textContent())!.match(/^(\d+)/)![1]);
    await expect
      .poll(() => canvas(page).getAttribute('aria-description'))
      .toMatch(new RegExp(`^${n} patches of 1 image as points in 3D`));
    expect(
      await page.getByText(/Hover or tap a point \(or focus the cloud and press N/).count(),
    ).toBe(1);
    const photo = page.getByRole('img', { name: /^Patches of .*: drag to select a region$/ });
    /** Pixels of the photo's overlay drawn on (the hovered patch's outline), out of all. */
    const marked = () => drawnShare(photo);
    expect(await marked()).toBe(0);
    await canvas(page).focus();
    await page.keyboard.press('n');
    await expect
      .poll(() => announced(page))
      .toMatch(new RegExp(`^(${names.join('|')}) · patch row \\d+, column \\d+, 1 of ${n}$`));
    await expect.poll(marked).toBeGreaterThan(0);
    expect(await marked()).toBeLessThan(0.2);
    await page.keyboard.press('p');
    await expect
      .poll(() => announced(page))
      .toMatch(new RegExp(`· patch row \\d+, column \\d+, ${n} of ${n}$`));
    await page.keyboard.press('Escape');
    await expect.poll(() => announced(page)).toBe('');
    await expect.poll(marked).toBe(0);
    await page.getByLabel('Points').selectOption('images');
    await shown(page);
  });
});
