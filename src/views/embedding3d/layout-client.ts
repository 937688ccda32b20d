/** Runs one layout job (PCA, UMAP or k-means) in a worker of its own, with progress and cancel. */

export type LayoutJob = { data: Float32Array; n: number; dim: number } & (
  | { kind: 'pca'; dims: 2 | 3 }
  | { kind: 'umap'; dims: 2 | 3; nNeighbors: number; minDist: number; seed: number }
  | { kind: 'kmeans'; k: number; seed: number }
);

export type LayoutMessage =
  | { type: 'progress'; fraction: number; message: string }
  | { type: 'layout'; coords: Float32Array; explained: number[]; method: 'pca' | 'umap' }
  | { type: 'labels'; labels: Int32Array }
  | { type: 'error'; message: string };

export interface LayoutRun<T> {
  promise: Promise<T>;
  /** Stops the worker; the promise then never settles. */
  cancel: () => void;
}

export function runLayout(
  job: LayoutJob,
  onProgress?: (fraction: number, message: string) => void,
): LayoutRun<Extract<LayoutMessage, { type: 'layout' } | { type: 'labels' }>> {
  const worker = new Worker(new URL('./layout.worker.ts', import.meta.url), {
    type: 'module',
    name: 'embedding-layout',
  });
  const promise = new Promise<Extract<LayoutMessage, { type: 'layout' } | { type: 'labels' }>>(
    (resolve, reject) => {
      worker.onmessage = (ev: MessageEvent<LayoutMessage>) => {
        const m = ev.data;
        if (m.type === 'progress') {
          onProgress?.(m.fraction, m.message);
          return;
        }
        worker.terminate();
        if (m.type === 'error') reject(new Error(m.message));
        else resolve(m);
      };
      worker.onerror = (ev) => {
        worker.terminate();
        reject(new Error(ev.message || 'The layout worker failed.'));
      };
    },
  );
  // The data is copied (not transferred): the view keeps its descriptors.
  worker.postMessage(job);
  return { promise, cancel: () => worker.terminate() };
}
