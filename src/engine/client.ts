/**
 * The UI's handle on the engine worker: one method per request, promises for results, a callback
 * for progress, and `cancel`. Nothing here imports onnxruntime-web; the worker does.
 */
import { deserializeError, ExplorerError } from '../lib/errors';
import type {
  EngineNotice,
  FromWorker,
  Progress,
  RequestBody,
  ResultFor,
  ToWorker,
} from './protocol';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: (p: Progress) => void;
}

export interface Call<T> {
  id: number;
  promise: Promise<T>;
}

export class EngineClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  readonly ready: Promise<{ webgpu: boolean; crossOriginIsolated: boolean }>;
  /** Called for reports that answer no request (e.g. features that could not be stored). */
  onNotice: (n: EngineNotice) => void = () => {};

  constructor() {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), {
      type: 'module',
      name: 'dinov2-engine',
    });
    let markReady: (v: { webgpu: boolean; crossOriginIsolated: boolean }) => void = () => {};
    this.ready = new Promise((r) => (markReady = r));
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      const msg = ev.data;
      if (msg.type === 'ready') {
        markReady({ webgpu: msg.webgpu, crossOriginIsolated: msg.crossOriginIsolated });
        return;
      }
      if (msg.type === 'notice') {
        this.onNotice(msg.notice);
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      if (msg.type === 'progress') {
        p.onProgress?.(msg.progress);
      } else if (msg.type === 'result') {
        this.pending.delete(msg.id);
        p.resolve(msg.result);
      } else {
        this.pending.delete(msg.id);
        p.reject(deserializeError(msg.error));
      }
    };
    this.worker.onerror = (ev) => {
      // A worker-level failure (e.g. the script failed to load) fails every pending call.
      const err = new ExplorerError(
        'internal',
        `The engine stopped: ${ev.message || 'unknown error'}. Reload the page.`,
      );
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  call<B extends RequestBody>(
    body: B,
    opts: { onProgress?: (p: Progress) => void; transfer?: Transferable[] } = {},
  ): Call<ResultFor<B['type']>> {
    const id = this.nextId++;
    const promise = new Promise<ResultFor<B['type']>>((resolve, reject) => {
      this.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        onProgress: opts.onProgress,
      });
    });
    const msg: ToWorker = { ...body, id };
    this.worker.postMessage(msg, opts.transfer ?? []);
    return { id, promise };
  }

  cancel(id: number): void {
    const msg: ToWorker = { type: 'cancel', id };
    this.worker.postMessage(msg);
  }

  dispose(): void {
    this.worker.terminate();
    for (const p of this.pending.values()) {
      p.reject(new ExplorerError('cancelled', 'The engine was closed.'));
    }
    this.pending.clear();
  }
}
