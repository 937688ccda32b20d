/**
 * The 3D view in the built app (WASM backend, WebGL on SwiftShader): it draws the fixture photos,
 * counts them, selects an image on click, opens the image asked for in Attention each time, shows
 * its patches, and opening and closing it 20 times leaves no WebGL resource behind (counted by
 * wrapping the WebGL API itself, not by the app). A narrowed stage keeps every point in view.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decode, encode } from 'fast-png';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  addImages,
  drawnShare,
  fixture,
  launch,
  loadModelReady,
  openApp,
  tinyAppWith,
} from './harness';

const appUrl = inject('appUrl');
const names = ['astronaut.png', 'chelsea.png', 'coffee.png'];

/**
 * Live WebGL objects per kind (created minus deleted, in contexts not lost: a lost context's
 * objects are freed by the browser), and live contexts.
 */
function countWebGl() {
  type Ctx = WebGLRenderingContext | WebGL2RenderingContext;
  const made = new Map<object, { kind: string; ctx: Ctx }>();
  const contexts: Ctx[] = [];
  const pairs: [string, string, string][] = [
    ['createBuffer', 'deleteBuffer', 'buffers'],
    ['createTexture', 'deleteTexture', 'textures'],
    ['createProgram', 'deleteProgram', 'programs'],
    ['createVertexArray', 'deleteVertexArray', 'vertexArrays'],
    ['createFramebuffer', 'deleteFramebuffer', 'framebuffers'],
  ];
  for (const proto of [WebGLRenderingContext.prototype, WebGL2RenderingContext.prototype]) {
    const p = proto as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const [create, del, kind] of pairs) {
      const c = p[create];
      const d = p[del];
      if (!c || !d) continue;
      p[create] = function (this: Ctx, ...a: unknown[]) {
        const o = c.apply(this, a);
        if (o && typeof o === 'object') made.set(o, { kind, ctx: this });
        return o;
      };
      p[del] = function (this: Ctx, ...a: unknown[]) {
        if (a[0] && typeof a[0] === 'object') made.delete(a[0]);
        return d.apply(this, a);
      };
    }
  }
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (
    this: HTMLCanvasElement,
    type: string,
    ...rest: unknown[]
  ) {
    const ctx = (getContext as (...a: unknown[]) => unknown).call(this, type, ...rest);
    if ((type === 'webgl' || type === 'webgl2') && ctx && !contexts.includes(ctx as Ctx)) {
      contexts.push(ctx as Ctx);
    }
    return ctx;
  } as typeof getContext;
  (window as unknown as { __glLive: () => Record<string, number> }).__glLive = () => {
    const live: Record<string, number> = { contexts: 0 };
    for (const [, , kind] of pairs) live[kind] = 0;
    for (const { kind, ctx } of made.values()) if (!ctx.isContextLost()) live[kind]++;
    live.contexts = contexts.filter((c) => !c.isContextLost()).length;
    return live;
  };
}

const region = (page: Page) => page.getByRole('region', { name: '3D embedding' });
const legend = (page: Page) => region(page).locator('.e3d-legend');

/** The view is open, shows the images (three unless told), and their thumbnails are drawn. */
async function shown(page: Page, count = 3) {
  await page.waitForFunction(
    (n) => {
      const t = document.querySelector('.e3d-legend')?.textContent ?? '';
      return t.startsWith(`${n} images`) && !/drawing thumbnails/.test(t);
    },
    count,
    { timeout: 60_000 },
  );
}

async function glLive(page: Page) {
  return page.evaluate(() =>
    (window as unknown as { __glLive: () => Record<string, number> }).__glLive(),
  );
}

async function points(page: Page) {
  return page.evaluate(() => window.__explorer3d!.points());
}

describe('3D view', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
    page = await openApp(browser, appUrl, '?backend=wasm&preprocess=dense&res=224');
    await page.addInitScript(countWebGl);
    await page.reload();
    await page.getByRole('status').waitFor();
    await loadModelReady(page, [fixture('dinov2-tiny', 'model.onnx')]);
    await addImages(
      page,
      names.map((n) => fixture(n)),
    );
    await page.getByRole('tab', { name: '3D view' }).click();
    await shown(page);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws the photos and counts them', async () => {
    expect(await legend(page).textContent()).toMatch(
      /^3 images · PCA .*explained variance PC1 \d+\.\d%, PC2 \d+\.\d%, PC3 \d+\.\d%/,
    );
    const canvas = page.getByRole('application', { name: 'Embedding 3D view', exact: true });
    await page.evaluate(() => window.__explorer3d!.render());
    const png = decode(await canvas.screenshot());
    const bg = [0x10, 0x12, 0x17];
    const ch = png.channels;
    let drawn = 0;
    const colours = new Set<number>();
    for (let i = 0; i < png.width * png.height; i++) {
      const [r, g, b] = [png.data[i * ch], png.data[i * ch + 1], png.data[i * ch + 2]];
      if (Math.abs(r - bg[0]) + Math.abs(g - bg[1]) + Math.abs(b - bg[2]) > 30) {
        drawn++;
        colours.add((r >> 4) * 256 + (g >> 4) * 16 + (b >> 4));
      }
    }
    // Three thumbnails of ~56 px: thousands of pixels, many colours (photos, not flat dots).
    expect(drawn).toBeGreaterThan(3000);
    expect(colours.size).toBeGreaterThan(50);
    const pts = await points(page);
    expect(pts).toHaveLength(3);
    expect(new Set(pts.map((p) => p.imageId)).size).toBe(3);
  });

  it('says when k-means was asked for more clusters than there are images', async () => {
    const k = page.getByLabel('Clusters');
    await k.fill('10');
    await k.press('Enter');
    await page.getByText('(k = 10 asked: 3 clusters, one per image at most)').waitFor();
    await k.fill('3');
    await k.press('Enter');
    await page.getByText(/^\(k = \d+ asked/).waitFor({ state: 'detached' });
  });

  it('shows a name on hover and selects the image on click, with its neighbours', async () => {
    const box = (await page
      .getByRole('application', { name: 'Embedding 3D view', exact: true })
      .boundingBox())!;
    const [p] = await points(page);
    await page.mouse.move(box.x + p.x, box.y + p.y);
    const tip = page.locator('.e3d-tooltip');
    await tip.waitFor({ state: 'visible' });
    const name = (await tip.textContent())!.trim();
    expect(names).toContain(name);
    await page.mouse.click(box.x + p.x, box.y + p.y);
    const side = page.getByRole('complementary', { name: 'Selected image' });
    await expect.poll(() => side.locator('p').first().textContent()).toBe(`Selected: ${name}`);
    expect(await side.locator('.e3d-neighbours li').count()).toBe(2);
    // Opening it in another view keeps the selection and switches the tab.
    await side.getByRole('button', { name: 'Open in PCA maps' }).click();
    expect(await page.getByRole('tab', { name: 'PCA maps' }).getAttribute('aria-selected')).toBe(
      'true',
    );
    await page.getByRole('tab', { name: '3D view' }).click();
    await shown(page);
    await expect
      .poll(() => page.getByRole('complementary', { name: 'Selected image' }).textContent())
      .toContain(`Selected: ${name}`);
  });

  it('opens the image asked for in Attention every time', async () => {
    const attentionImage = () =>
      page
        .getByLabel('Attention image')
        .evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text);
    const openInAttention = async (name: string) => {
      await page.getByLabel('Select image by name').selectOption({ label: name });
      const side = page.getByRole('complementary', { name: 'Selected image' });
      await expect.poll(() => side.locator('p').first().textContent()).toBe(`Selected: ${name}`);
      await side.getByRole('button', { name: 'Open in Attention' }).click();
      await expect
        .poll(() => page.getByRole('tab', { name: 'Attention' }).getAttribute('aria-selected'))
        .toBe('true');
    };
    await openInAttention('coffee.png');
    await expect.poll(attentionImage).toBe('coffee.png');
    // Another image picked in the attention view; the 3D selection stays coffee.png.
    await page.getByLabel('Attention image').selectOption({ label: 'chelsea.png' });
    await expect.poll(attentionImage).toBe('chelsea.png');
    await page.getByRole('tab', { name: '3D view' }).click();
    await shown(page);
    // Opening the same selected image again shows it, not the one last picked in Attention.
    await openInAttention('coffee.png');
    await expect.poll(attentionImage).toBe('coffee.png');
    await page
      .getByRole('img', { name: 'Attention map: coffee.png' })
      .waitFor({ timeout: 120_000 });
    await page.getByRole('tab', { name: '3D view' }).click();
    await shown(page);
  });

  it('shows the patches of the selected image as a cloud beside its photo', async () => {
    await page.getByLabel('Points').selectOption('patches');
    await expect
      .poll(() => legend(page).textContent(), { timeout: 30_000 })
      .toMatch(/^\d+ patches from 1 image · joint PCA/);
    const n = Number((await legend(page).textContent())!.match(/^(\d+)/)![1]);
    expect((await points(page)).length).toBe(n);
    await page.getByRole('img', { name: /^Patches of .*: drag to select a region$/ }).waitFor();
    await page.getByLabel('Points').selectOption('images');
    await shown(page);
  });

  it('brushes the patch photo by keyboard as by dragging: its points light up, Escape clears', async () => {
    // The pointer rests off the cloud: a hovered point would outline its patch on the photo.
    await page.mouse.move(0, 0);
    await page.getByLabel('Points').selectOption('patches');
    await expect
      .poll(() => legend(page).textContent(), { timeout: 30_000 })
      .toMatch(/^\d+ patches from 1 image/);
    const photo = page.getByRole('img', { name: /^Patches of .*: drag to select a region$/ });
    expect(await photo.getAttribute('tabindex')).toBe('0');
    expect(await photo.getAttribute('aria-description')).toMatch(/Enter/);
    /** Pixels of the photo's overlay drawn on (cursor, brush), out of all. */
    const marked = () => drawnShare(photo);
    /** How far the cloud's pixels are from the background, summed: dimmed points count little. */
    const cloud = async () => {
      await page.evaluate(() => window.__explorer3d!.render());
      const png = decode(
        await page
          .getByRole('application', { name: 'Embedding 3D view', exact: true })
          .screenshot(),
      );
      const bg = [0x10, 0x12, 0x17];
      let sum = 0;
      for (let i = 0; i < png.width * png.height; i++)
        for (let k = 0; k < 3; k++) sum += Math.abs(png.data[i * png.channels + k] - bg[k]);
      return sum;
    };
    expect(await marked()).toBe(0);
    const lit = await cloud();
    await photo.focus();
    await page.keyboard.press('ArrowRight'); // shows the cursor (if focus did not)
    const cursor = await marked();
    expect(cursor).toBeGreaterThan(0);
    expect(cursor).toBeLessThan(0.05);
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Enter');
    // The brush darkens the photo outside the box, and the cloud dims all but the box's points.
    await expect.poll(marked).toBeGreaterThan(0.8);
    await expect.poll(cloud).toBeLessThan(lit * 0.6);
    await page.keyboard.press('Escape');
    await expect.poll(marked).toBe(0);
    await expect.poll(cloud).toBeGreaterThan(lit * 0.9);
    expect(await photo.evaluate((c) => c === document.activeElement)).toBe(true);
    await page.getByLabel('Points').selectOption('images');
    await shown(page);
  });

  it('fits a 400 px window: the tabs wrap, the selection goes under a full-width view', async () => {
    const wide = page.viewportSize()!;
    await page.setViewportSize({ width: 400, height: 800 });
    try {
      await shown(page);
      const tabsRight = await page.$$eval('[role=tab]', (ts) =>
        Math.max(...ts.map((t) => t.getBoundingClientRect().right)),
      );
      expect(tabsRight).toBeLessThanOrEqual(400);
      const stage = (await page
        .getByRole('application', { name: 'Embedding 3D view', exact: true })
        .boundingBox())!;
      const side = (await page
        .getByRole('complementary', { name: 'Selected image' })
        .boundingBox())!;
      expect(stage.width).toBeGreaterThan(300);
      expect(side.y).toBeGreaterThanOrEqual(stage.y + stage.height);
      expect(side.x + side.width).toBeLessThanOrEqual(400);
    } finally {
      await page.setViewportSize(wide);
    }
  });

  it('frees every WebGL resource when closed, 20 times over', async () => {
    await page.getByRole('tab', { name: 'Collection' }).click();
    const closed = await glLive(page);
    expect(closed).toEqual({
      contexts: 0,
      buffers: 0,
      textures: 0,
      programs: 0,
      vertexArrays: 0,
      framebuffers: 0,
    });
    for (let i = 0; i < 20; i++) {
      await page.getByRole('tab', { name: '3D view' }).click();
      await shown(page);
      await page.getByRole('tab', { name: 'Collection' }).click();
    }
    expect(await glLive(page)).toEqual(closed);
    expect(await page.evaluate(() => window.__explorer3d!.stats())).toMatchObject({ scenes: 0 });
  });
});

/** Small PNGs, each its own pattern (so each has its own features), in a temporary folder. */
function patternPngs(count: number): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e3d-narrow-'));
  return Array.from({ length: count }, (_, k) => {
    const size = 64;
    const data = new Uint8Array(size * size * 3);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const i = (y * size + x) * 3;
        data[i] = (x * (k + 3) * 4) & 255;
        data[i + 1] = (y * (7 - k) * 5) & 255;
        data[i + 2] = ((x ^ y) * (k + 1) * 9) & 255;
      }
    }
    const file = path.join(dir, `pattern-${k}.png`);
    fs.writeFileSync(file, encode({ width: size, height: size, data, channels: 3, depth: 8 }));
    return file;
  });
}

function largestDiff(a: number[], b: number[]): number {
  return a.length === b.length ? Math.max(...a.map((v, i) => Math.abs(v - b[i]))) : Infinity;
}

describe('3D view in a narrowed stage', () => {
  let browser: Browser;
  let page: Page;
  const canvas = () => page.getByRole('application', { name: 'Embedding 3D view', exact: true });

  /** Points whose centre the camera puts outside the canvas. */
  async function outside() {
    const box = (await canvas().boundingBox())!;
    return (await points(page)).filter(
      (p) => !(p.x >= 0 && p.x <= box.width && p.y >= 0 && p.y <= box.height),
    );
  }

  /**
   * Pixels drawn (not background) on the canvas's outermost 2 px, a sprite cut by the edge; not
   * within 12 px of a corner, where the stage's rounded border shows the page.
   */
  async function edgePixels() {
    await page.mouse.move(0, 0); // no hover tooltip over the canvas
    await page.evaluate(() => window.__explorer3d!.render());
    const png = decode(await canvas().screenshot());
    const [w, h] = [png.width, png.height];
    const bg = [0x10, 0x12, 0x17];
    let n = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (x > 1 && y > 1 && x < w - 2 && y < h - 2) continue;
        if ((x < 12 || x >= w - 12) && (y < 12 || y >= h - 12)) continue;
        const i = (y * w + x) * png.channels;
        let d = 0;
        for (let k = 0; k < 3; k++) d += Math.abs(png.data[i + k] - bg[k]);
        if (d > 30) n++;
      }
    }
    return n;
  }

  /** Every point is inside the canvas with its whole thumbnail. */
  async function allInView() {
    await expect.poll(outside).toEqual([]);
    expect(await edgePixels()).toBe(0);
  }

  /** Zooms in with the wheel over the canvas, as a user would: some points leave the stage. */
  async function zoomIn() {
    const box = (await canvas().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -1500);
    await expect.poll(async () => (await outside()).length).toBeGreaterThan(0);
  }

  /**
   * Each point's offset from the canvas's centre in canvas heights: what a camera left alone keeps
   * when the stage is resized (the vertical field of view is fixed).
   */
  async function offsets() {
    const box = (await canvas().boundingBox())!;
    return (await points(page)).flatMap((p) => [
      (p.x - box.width / 2) / box.height,
      (p.y - box.height / 2) / box.height,
    ]);
  }

  async function resetView() {
    await page.getByRole('button', { name: 'Reset view', exact: true }).click();
    await allInView();
  }

  beforeAll(async () => {
    browser = await launch({ webgpu: false });
    page = await openApp(browser, appUrl, '?backend=wasm&preprocess=dense&res=224');
    await loadModelReady(page, [fixture('dinov2-tiny', 'model.onnx')]);
    await addImages(page, [...names.map((n) => fixture(n)), ...patternPngs(6)]);
    await page.getByRole('tab', { name: '3D view' }).click();
    await page.getByLabel('Layout').selectOption('umap');
    await shown(page, 9);
    await page.waitForFunction(
      () => document.querySelector('.e3d-legend')?.textContent?.includes(' · UMAP ('),
      null,
      { timeout: 60_000 },
    );
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('fits every point when the selection panel narrows the stage, and after Reset view', async () => {
    const before = (await canvas().boundingBox())!.width;
    await page.getByLabel('Select image by name').selectOption({ label: 'coffee.png' });
    await page.getByRole('complementary', { name: 'Selected image' }).waitFor();
    await expect.poll(async () => (await canvas().boundingBox())!.width).toBeLessThan(before);
    await allInView();
    await zoomIn();
    await resetView();
  });

  it('keeps a zoomed view on resize, and Reset view fits the narrower stage', async () => {
    const wide = page.viewportSize()!;
    try {
      for (const width of [800, 400, 320]) {
        await zoomIn();
        await page.mouse.move(0, 0);
        const zoomed = await offsets();
        const was = (await canvas().boundingBox())!.width;
        await page.setViewportSize({ width, height: wide.height });
        await expect.poll(async () => (await canvas().boundingBox())!.width).not.toBe(was);
        // The camera stayed. Polled: the scene learns the new size from a ResizeObserver.
        await expect.poll(async () => largestDiff(await offsets(), zoomed)).toBeLessThan(1e-3);
        await resetView();
      }
      // Left alone after Reset view, the camera follows the stage as it widens again.
      await page.setViewportSize(wide);
      await allInView();
    } finally {
      await page.setViewportSize(wide);
    }
  });

  it('fits a flat (2D) layout in a narrow stage, and after Reset view', async () => {
    const wide = page.viewportSize()!;
    const dims = page.getByLabel('Dimensions');
    try {
      await page.setViewportSize({ width: 400, height: wide.height });
      await allInView();
      const in3d = JSON.stringify(await points(page));
      await dims.selectOption('2');
      await expect
        .poll(async () => {
          const pts = await points(page);
          return pts.length === 9 && JSON.stringify(pts) !== in3d;
        })
        .toBe(true);
      await allInView();
      await zoomIn();
      await resetView();
    } finally {
      await dims.selectOption('3');
      await page.setViewportSize(wide);
    }
  });
});

describe('3D view while images are indexed', () => {
  let browser: Browser;
  afterAll(async () => {
    await browser?.close();
  });

  it('keeps the last layout on screen while the next one is computed', async () => {
    browser = await launch({ webgpu: false });
    const page = await tinyAppWith(browser, appUrl, ['chelsea.png', 'coffee.png']);
    await page.getByRole('tab', { name: '3D view' }).click();
    await shown(page, 2);
    // Every text the legend shows from here on.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { legendSeen: string[] }).legendSeen = seen;
      const el = document.querySelector('.e3d-legend')!;
      new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    await addImages(page, [fixture('astronaut.png')]);
    await shown(page, 3);
    const seen = await page.evaluate(
      () => (window as unknown as { legendSeen: string[] }).legendSeen,
    );
    // The two images stay placed until the three are: the stage never goes blank between.
    expect(seen.filter((t) => /Computing the layout/.test(t))).toEqual([]);
    expect(seen.some((t) => t.startsWith('3 images'))).toBe(true);
  });
});
