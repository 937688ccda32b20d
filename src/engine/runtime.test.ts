import { afterEach, describe, expect, it, vi } from 'vitest';

// The runtime's chunk fails to load, as a dynamic import does offline or after a redeploy.
vi.mock('onnxruntime-web/wasm', () => {
  throw new Error('Failed to fetch dynamically imported module');
});

describe('loadOrt when the runtime cannot be fetched', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('says offline, and what to do, instead of the browser message', async () => {
    vi.stubGlobal('navigator', { onLine: false, hardwareConcurrency: 2 });
    const { loadOrt } = await import('./runtime');
    const e = await loadOrt('wasm').catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'network-offline' });
    expect((e as Error).message).toMatch(/offline copy of the app.*Connect to the internet/);
  });

  it('online: asks for a reload, and a second load tries again', async () => {
    vi.stubGlobal('navigator', { onLine: true, hardwareConcurrency: 2 });
    const { loadOrt } = await import('./runtime');
    const a = loadOrt('wasm');
    await expect(a).rejects.toMatchObject({ code: 'backend-unavailable' });
    await expect(a).rejects.toThrow(/Reload the page/);
    // The failed promise is not kept.
    const b = loadOrt('wasm');
    expect(b).not.toBe(a);
    await expect(b).rejects.toMatchObject({ code: 'backend-unavailable' });
  });
});
