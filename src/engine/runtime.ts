/**
 * Loads onnxruntime-web lazily, each build into its own chunk: a static import in an entry chunk
 * breaks multi-threaded WASM, which locates its threads from import.meta.url.
 *
 * Two builds, by backend. WebGPU needs the native WebGPU build, whose WebAssembly is compiled with
 * asyncify; for WASM sessions the plain WASM build is faster, as asyncify instruments all the code
 * (same model, side by side in Chromium on the 2-core VM: fastest run 6-8% quicker with 1 thread,
 * 7% with 2). The APIs are the same. A page that uses both keeps both heaps.
 */
import { ExplorerError } from '../lib/errors';

export type Ort = typeof import('onnxruntime-web/webgpu');

const ortPromises = new Map<'wasm' | 'webgpu', Promise<Ort>>();

export function wasmThreads(): number {
  // Threads need SharedArrayBuffer, which needs cross-origin isolation.
  if (!globalThis.crossOriginIsolated) return 1;
  return Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 8));
}

/** The onnxruntime-web build for sessions on `backend` (see above). */
export function loadOrt(backend: 'wasm' | 'webgpu'): Promise<Ort> {
  let p = ortPromises.get(backend);
  if (!p) {
    const load: Promise<Ort> =
      backend === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm');
    p = load.then(
      (ort) => {
        ort.env.wasm.numThreads = wasmThreads();
        ort.env.logLevel = 'error';
        return ort;
      },
      (e: unknown) => {
        // Not kept: a later load (back online, or after a reload) tries again.
        ortPromises.delete(backend);
        throw runtimeMissing(e);
      },
    );
    ortPromises.set(backend, p);
  }
  return p;
}

/**
 * The runtime's chunk did not load: offline with an offline copy saved before the runtime was
 * fetched, or a site updated since this page loaded (its old chunk is gone). The browser's own
 * message ("Failed to fetch dynamically imported module") says neither.
 */
export function runtimeMissing(e: unknown): ExplorerError {
  const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
  return new ExplorerError(
    offline ? 'network-offline' : 'backend-unavailable',
    offline
      ? "You are offline and the model runtime (onnxruntime-web) is not in this browser's " +
          'offline copy of the app: it is saved the first time a model loads online. Connect ' +
          'to the internet and load the model again.'
      : `The model runtime (onnxruntime-web) could not be loaded (${e instanceof Error ? e.message : String(e)}). ` +
          'Reload the page: if the site was updated since it was opened, the reload fetches the ' +
          'new version.',
  );
}

export interface WebGpuSupport {
  available: boolean;
  shaderF16: boolean;
  /** Why WebGPU cannot be used, for the status line. */
  reason?: string;
  adapter?: string;
}

let gpuPromise: Promise<WebGpuSupport> | null = null;

export function webGpuSupport(): Promise<WebGpuSupport> {
  gpuPromise ??= (async () => {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    if (!gpu) return { available: false, shaderF16: false, reason: 'this browser has no WebGPU' };
    try {
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) {
        return { available: false, shaderF16: false, reason: 'no WebGPU adapter was found' };
      }
      const info = adapter.info;
      return {
        available: true,
        shaderF16: adapter.features.has('shader-f16'),
        adapter: [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' '),
      };
    } catch (e) {
      return { available: false, shaderF16: false, reason: `WebGPU failed: ${String(e)}` };
    }
  })();
  return gpuPromise;
}
