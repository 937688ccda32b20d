/**
 * The side panel's selects show their text in full: a select cannot wrap, so an option wider than
 * its select is cut off. Checked for every option (the catalogue's variants for every model), at a
 * desktop width and a phone's. And the images' panel stays in the first screen on a desktop.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixture, launch, loadModelReady } from './harness';

const appUrl = inject('appUrl');

/** `select: "option"` for each option of the side panel's selects that is wider than its select. */
async function cutOptions(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const select of document.querySelectorAll<HTMLSelectElement>('.side select')) {
      const width = select.getBoundingClientRect().width;
      for (const option of select.options) {
        // A select is as wide as its widest option: one holding only this option, unconstrained,
        // is as wide as this option needs, with the select's own font, padding and arrow.
        const probe = select.cloneNode(false) as HTMLSelectElement;
        probe.style.cssText =
          'position:absolute;visibility:hidden;width:auto;max-width:none;flex:none';
        probe.append(option.cloneNode(true));
        document.body.append(probe);
        const need = probe.getBoundingClientRect().width;
        probe.remove();
        if (need > width + 0.5) out.push(`${select.getAttribute('aria-label')}: "${option.text}"`);
      }
    }
    return out;
  });
}

describe('side panel', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const width of [1280, 400, 320]) {
    it(`shows every option of its selects in full at ${width} px`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      await page.goto(appUrl);
      await page.getByRole('status').waitFor();
      const catalogue = page.getByLabel('Catalogue model', { exact: true });
      const models = await catalogue.evaluate((s: HTMLSelectElement) =>
        [...s.options].map((o) => o.value),
      );
      expect(models.length).toBeGreaterThan(1);
      const cut: string[] = [];
      for (const model of models) {
        await catalogue.selectOption(model);
        cut.push(...(await cutOptions(page)));
      }
      expect([...new Set(cut)]).toEqual([]);
      await context.close();
    });
  }

  it("keeps the images' controls in the first screen once a model is loaded", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(appUrl + '?backend=wasm');
    await loadModelReady(page, [fixture('dinov2-tiny', 'model.onnx')]);
    // The model's details are open on a wide screen: they come after the images' panel, where
    // indexing progress and its Pause and Cancel are.
    expect(
      await page
        .getByRole('region', { name: 'Model details' })
        .locator('details')
        .getAttribute('open'),
    ).not.toBeNull();
    const images = await page.getByRole('button', { name: 'Add folder' }).boundingBox();
    expect(images!.y + images!.height).toBeLessThan(900);
    await context.close();
  });
});
