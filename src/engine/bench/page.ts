/**
 * The benchmark page's entry, driven by `npm run bench` through playwright. Model paths (a bare
 * onnxruntime-web run, transformers.js) each live in their own dedicated worker (as the app runs
 * its engine): `open` loads the model once, `step` runs one timed repeat, `close` ends the worker,
 * so the runner can interleave repeats of every path under the same machine load. `features`
 * times the app's feature stages on synthetic data, in a worker too.
 */
import { webGpuSupport, type WebGpuSupport } from '../runtime';
import type { FeaturesConfig, SteppedJob, WorkerReply } from './bench-protocol';

function newWorker(kind: SteppedJob['kind'] | 'features'): Worker {
  switch (kind) {
    case 'bare':
      return new Worker(new URL('./bare-worker.ts', import.meta.url), { type: 'module' });
    case 'tjs':
      return new Worker(new URL('./tjs-worker.ts', import.meta.url), { type: 'module' });
    case 'features':
      return new Worker(new URL('./features-worker.ts', import.meta.url), { type: 'module' });
  }
}

function ask(worker: Worker, msg: unknown): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    worker.onmessage = (ev: MessageEvent<WorkerReply<unknown>>) => {
      if (ev.data.ok) resolve(ev.data.result);
      else reject(new Error(ev.data.error));
    };
    worker.onerror = (ev) => reject(new Error(`worker failed: ${ev.message}`));
    worker.postMessage(msg);
  });
}

const open = new Map<string, Worker>();

declare global {
  interface Window {
    benchPage?: {
      open(name: string, job: SteppedJob): Promise<unknown>;
      step(name: string): Promise<unknown>;
      close(name: string): void;
      features(cfg: FeaturesConfig): Promise<unknown>;
      gpu(): Promise<WebGpuSupport>;
      crossOriginIsolated: boolean;
    };
  }
}

window.benchPage = {
  async open(name, job) {
    const w = newWorker(job.kind);
    open.set(name, w);
    return ask(w, { op: 'init', cfg: job });
  },
  step(name) {
    const w = open.get(name);
    if (!w) return Promise.reject(new Error(`${name} is not open`));
    return ask(w, { op: 'step' });
  },
  close(name) {
    open.get(name)?.terminate();
    open.delete(name);
  },
  async features(cfg) {
    const w = newWorker('features');
    try {
      return await ask(w, cfg);
    } finally {
      w.terminate();
    }
  },
  gpu: webGpuSupport,
  crossOriginIsolated,
};
