/**
 * Loads onnxruntime-web (the native WebGPU build) lazily, into its own chunk: a static import in
 * an entry chunk breaks multi-threaded WASM, which locates its threads from import.meta.url.
 */
export type Ort = typeof import('onnxruntime-web/webgpu');

let ortPromise: Promise<Ort> | null = null;

export function wasmThreads(): number {
  // Threads need SharedArrayBuffer, which needs cross-origin isolation.
  if (!globalThis.crossOriginIsolated) return 1;
  return Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 8));
}

export function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-web/webgpu').then((ort) => {
    ort.env.wasm.numThreads = wasmThreads();
    ort.env.logLevel = 'error';
    return ort;
  });
  return ortPromise;
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
