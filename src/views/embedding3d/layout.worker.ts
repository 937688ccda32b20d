/// <reference lib="webworker" />
/**
 * Layout jobs of the 3D view, off the main thread: PCA or UMAP placement, and k-means. One job per
 * worker; the view terminates the worker when the job is superseded.
 */
import { UMAP } from 'umap-js';
import { kmeans, pcaLayout, umapNeighbours } from '../../features/layout3d';
import { mulberry32 } from '../../features/pca-eigen';
import type { LayoutJob, LayoutMessage } from './layout-client';

declare const self: DedicatedWorkerGlobalScope;

function post(msg: LayoutMessage, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

self.onmessage = (ev: MessageEvent<LayoutJob>) => {
  try {
    run(ev.data);
  } catch (e) {
    post({ type: 'error', message: (e as Error).message });
  }
};

function run(job: LayoutJob): void {
  const { data, n, dim } = job;
  if (job.kind === 'kmeans') {
    const r = kmeans(data, n, dim, job.k, { seed: job.seed });
    post({ type: 'labels', labels: r.labels }, [r.labels.buffer]);
    return;
  }
  // UMAP needs a neighbour graph: with fewer than 4 rows PCA is used (and the view says so).
  if (job.kind === 'pca' || n < 4) {
    const r = pcaLayout(data, n, dim, job.dims, { maxFitRows: 5000 });
    post({ type: 'layout', coords: r.coords, explained: r.explained, method: 'pca' }, [
      r.coords.buffer,
    ]);
    return;
  }
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(data.subarray(i * dim, (i + 1) * dim)));
  const umap = new UMAP({
    nComponents: job.dims,
    nNeighbors: umapNeighbours(job.nNeighbors, n),
    minDist: job.minDist,
    random: mulberry32(job.seed),
  });
  post({ type: 'progress', fraction: 0, message: 'UMAP: neighbour graph' });
  const epochs = umap.initializeFit(rows);
  const every = Math.max(1, Math.floor(epochs / 50));
  for (let e = 0; e < epochs; e++) {
    umap.step();
    if (e % every === 0) {
      post({
        type: 'progress',
        fraction: (e + 1) / epochs,
        message: `UMAP: epoch ${e + 1} of ${epochs}`,
      });
    }
  }
  const emb = umap.getEmbedding();
  const coords = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < job.dims; c++) coords[i * 3 + c] = emb[i][c];
  post({ type: 'layout', coords, explained: [], method: 'umap' }, [coords.buffer]);
}
