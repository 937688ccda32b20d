/**
 * What indexing costs the page: each image that finishes draws its own card again, not every
 * card (that was N² work over a run of N images, seconds of the page's time at 600 images).
 * Counted with a stand-in for React's developer-tools hook, which React calls on every commit:
 * a card's <li> whose props object changed was rendered again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addImages, fixture, launch, loadModelReady } from './harness';

const appUrl = inject('appUrl');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-render-'));
const N = 16;

declare global {
  interface Window {
    __cardRenders?: number;
  }
}

describe('indexing', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders the card of each image that finishes, not the whole grid', async () => {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      const seen = new WeakMap<object, unknown>();
      window.__cardRenders = 0;
      type Fiber = {
        type: unknown;
        memoizedProps: { className?: string } | null;
        stateNode: object;
        child: Fiber | null;
        sibling: Fiber | null;
      };
      (window as unknown as Record<string, unknown>).__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
        supportsFiber: true,
        renderers: new Map(),
        inject: () => 1,
        checkDCE: () => undefined,
        onScheduleFiberRoot: () => undefined,
        onCommitFiberUnmount: () => undefined,
        onPostCommitFiberRoot: () => undefined,
        onCommitFiberRoot: (_: number, root: { current: Fiber }) => {
          const stack: Fiber[] = [root.current];
          while (stack.length > 0) {
            const f = stack.pop()!;
            if (f.type === 'li' && f.memoizedProps?.className === 'card') {
              if (seen.get(f.stateNode) !== f.memoizedProps) window.__cardRenders!++;
              seen.set(f.stateNode, f.memoizedProps);
            }
            if (f.sibling) stack.push(f.sibling);
            if (f.child) stack.push(f.child);
          }
        },
      };
    });
    const page = await context.newPage();
    await page.goto(appUrl + '?backend=wasm&preprocess=dense&res=224');
    await loadModelReady(page, [fixture('dinov2-tiny', 'model.onnx')]);
    const files = Array.from({ length: N }, (_, i) => {
      const f = path.join(tmp, `shot-${String(i).padStart(2, '0')}.png`);
      fs.copyFileSync(fixture('chelsea.png'), f);
      return f;
    });
    await addImages(page, files);
    await page.getByText(`${N} of ${N} images have features`).waitFor({ timeout: 120_000 });
    const renders = await page.evaluate(() => window.__cardRenders!);
    // Each card: shown, computing, done, and a few more as the run's state changes (its start,
    // its end). The whole grid per finish would be over N * N / 2.
    expect(renders).toBeGreaterThanOrEqual(N);
    expect(renders).toBeLessThanOrEqual(6 * N);
    await context.close();
  });
});
