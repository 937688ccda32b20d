/**
 * The side panel's indexing box in the real app: its text stays on one line beside a narrow
 * panel's buttons (they go below it), and a cancel shows at once, before the images already in
 * the worker finish. At resolution 518 each image takes a while, so a run of many stays going.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addImages, fixture, launch, removeAll, waitForStatus } from './harness';

const appUrl = inject('appUrl');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-indexing-'));

/** `n` copies of one photo under new names (the app adds a file it already has only once). */
function copies(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const f = path.join(tmp, `${prefix}-${String(i).padStart(2, '0')}.png`);
    fs.copyFileSync(fixture('astronaut.png'), f);
    return f;
  });
}

interface BoxLayout {
  text: string;
  /** Line boxes the count's text takes. */
  lines: number;
  /** Every button starts below the text (none sits beside it, squeezing it). */
  buttonsBelow: boolean;
  /** The bar's width over the box's. */
  barShare: number;
}

/**
 * Measures the indexing box as drawn, in the page (one task: the run cannot move on meanwhile).
 * With `resume`, first resumes a paused run, measures it running (with its time left) and pauses
 * it again, all before the worker can answer.
 */
function measureBox(page: Page, resume = false): Promise<BoxLayout> {
  return page.evaluate(async (resume) => {
    const box = document.querySelector<HTMLElement>('[role=group][aria-label=Indexing]')!;
    const button = (name: string) =>
      [...box.querySelectorAll('button')].find((b) => b.textContent === name)!;
    // The element holding the count's text itself (whatever its tag).
    const countText = () =>
      [...box.querySelectorAll('*')].find(
        (e) => e.children.length === 0 && /^(Indexing|Paused)/.test(e.textContent ?? ''),
      )!;
    if (resume) {
      button('Resume indexing').click();
      while (!/ left$/.test(countText().textContent ?? ''))
        await new Promise((r) => requestAnimationFrame(r));
    }
    const text = countText();
    const range = document.createRange();
    range.selectNodeContents(text);
    const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    const bottom = text.getBoundingClientRect().bottom;
    const layout = {
      text: text.textContent ?? '',
      lines: tops.size,
      buttonsBelow: [...box.querySelectorAll('button')].every(
        (b) => b.getBoundingClientRect().top >= bottom,
      ),
      barShare:
        box.querySelector('progress')!.getBoundingClientRect().width /
        box.getBoundingClientRect().width,
    };
    if (resume) button('Pause indexing').click();
    return layout;
  }, resume);
}

describe('indexing progress', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => console.error('[page error]', e.message));
    await page.goto(`${appUrl}?backend=wasm&preprocess=dense&res=518`);
    await page.getByRole('status').waitFor();
    await page
      .getByLabel('Model file', { exact: true })
      .setInputFiles([fixture('dinov2-tiny', 'model.onnx')]);
    await waitForStatus(page, /ready/);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('keeps the count on one line, its buttons below it, at 1280 and 400 px', async () => {
    await addImages(page, copies('layout', 60));
    await page.getByRole('button', { name: 'Pause indexing' }).click();
    const box = page.getByLabel('Indexing', { exact: true });
    // Paused, once the images already in the worker are done: a run with a time estimate.
    await box.getByText(/^Paused: [1-9]\d* of 60 images$/).waitFor({ timeout: 120_000 });
    await page.getByText('computing features…').first().waitFor({ state: 'detached' });
    try {
      for (const width of [1280, 400]) {
        await page.setViewportSize({ width, height: 800 });
        for (const resume of [false, true]) {
          const layout = await measureBox(page, resume);
          expect(layout.text).toMatch(resume ? /^Indexing .* left$/ : /^Paused: /);
          expect(layout, `${width} px: ${layout.text}`).toMatchObject({
            lines: 1,
            buttonsBelow: true,
          });
          expect(layout.barShare).toBeGreaterThan(0.9);
        }
      }
      // The 3D view places the images with features, and says how many others wait.
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.getByRole('tab', { name: '3D view' }).click();
      const legend = page.locator('.e3d-legend');
      const shape = /^(\d+) images? \((\d+) more without features yet\) · PCA/;
      await expect.poll(() => legend.textContent(), { timeout: 60_000 }).toMatch(shape);
      const [, placed, waiting] = shape.exec((await legend.textContent()) ?? '')!;
      expect(Number(placed) + Number(waiting)).toBe(60);
      await page.getByRole('tab', { name: 'Collection' }).click();
    } finally {
      // The next test starts from an empty collection at the usual width, whatever happened.
      await page.setViewportSize({ width: 1280, height: 800 });
      await removeAll(page);
    }
  });

  it('shows a cancel at once: waiting images are not indexed, and Pause is gone', async () => {
    await addImages(page, copies('cancel', 30));
    await page.getByRole('button', { name: 'Cancel indexing' }).waitFor();
    // Indexing, not "computing": images may come from this browser's storage.
    await page
      .getByRole('status')
      .filter({ hasText: /· indexing \d+ images?$/ })
      .waitFor();
    // Clicked and read in the page, before the worker can finish the images it holds.
    const seen = await page.evaluate(async () => {
      const button = (name: string) =>
        [...document.querySelectorAll('button')].find((b) => b.textContent === name);
      button('Cancel indexing')!.click();
      await new Promise((r) => requestAnimationFrame(r));
      const cards = [...document.querySelectorAll('.card small')].map((s) => s.textContent);
      return {
        computing: cards.filter((t) => t === 'computing features…').length,
        notIndexed: cards.filter((t) => t === 'not indexed').length,
        // Done cards: their Find similar button (its visible text is short, the name is in the
        // accessible name).
        done: [...document.querySelectorAll('button')].filter((b) =>
          b.getAttribute('aria-label')?.startsWith('Find similar: '),
        ).length,
        pause: Boolean(button('Pause indexing') ?? button('Resume indexing')),
        cancel: Boolean(button('Cancel indexing')),
        box: document.querySelector('[role=group][aria-label=Indexing]')?.textContent ?? null,
        status: document.querySelector('[role=status]')?.textContent ?? '',
      };
    });
    // At most the two images in the worker still compute; every other waiting one says so.
    expect(seen.computing).toBeLessThanOrEqual(2);
    expect(seen.notIndexed).toBeGreaterThan(0);
    expect(seen.computing + seen.notIndexed + seen.done).toBe(30);
    expect(seen).toMatchObject({ pause: false, cancel: false });
    expect(seen.status).not.toMatch(/· indexing \d/);
    // The box says what still happens (or is gone, if those images were done already).
    if (seen.box !== null) {
      expect(seen.box).toMatch(/^Cancelled: finishing [12] images? in progress$/);
    }
    // Once they are done, the count left says the same as the cards.
    await page.getByLabel('Indexing', { exact: true }).waitFor({ state: 'detached' });
    const left = await page.getByText('not indexed', { exact: true }).count();
    await page.getByText(`${left} images are not indexed.`, { exact: true }).waitFor();
    expect(left).toBe(seen.notIndexed);
  });
});
