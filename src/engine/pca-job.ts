/**
 * PCA maps for a set of images, computed in the worker from the features it keeps; only the
 * per-patch colours (and masks) go back to the UI, transferred.
 */
import { computePcaMapsAsync, type FitRequest } from '../features/pca-map';
import { fitPca, type Pca } from '../features/pca';
import type { CovarianceFitter } from './covariance';
import { patchTokens, tokenLayout } from '../features/tokens';
import type { StoredFeatures } from './embed';
import type { TokenMemory } from './token-memory';
import type { PcaMap, PcaRequest, PcaResult } from './protocol';

/** The fits in JavaScript, for when no session can do the covariance product. */
const fitHere = (q: FitRequest): Promise<Pca> =>
  Promise.resolve(
    fitPca(q.data, q.n, q.dim, q.k, { seed: q.seed, rows: q.rows, within: q.within }),
  );

export async function computePca(
  req: PcaRequest,
  features: ReadonlyMap<string, StoredFeatures>,
  memory: TokenMemory,
  fitter: CovarianceFitter | null = null,
): Promise<{ result: PcaResult; transfer: Transferable[] }> {
  const t0 = performance.now();
  const sessionFitsBefore = fitter?.sessionFits ?? 0;
  const gpuFitsBefore = fitter?.gpuFits ?? 0;
  const present = req.imageIds.filter((id) => features.has(id));
  const inputs = [];
  for (const id of present) {
    const f = features.get(id)!;
    const layout = tokenLayout(f.tokenCount, f.rows, f.cols, f.registers);
    // Exact tokens: the maps are the PyTorch references' to rounding.
    inputs.push({
      patches: patchTokens(await memory.exact(f), layout, f.dim),
      rows: f.rows,
      cols: f.cols,
      dim: f.dim,
      // The GPU kernel keeps these rows under this key (forgotten with the features).
      key: f,
    });
  }
  if (inputs.length === 0) {
    return {
      result: {
        maps: [],
        explained: [],
        perImageExplained: [],
        invertUsed: false,
        ms: 0,
        covariance: 'javascript',
      },
      transfer: [],
    };
  }
  const dim = inputs[0].dim;
  const out = await computePcaMapsAsync(inputs, dim, req, fitter?.fit ?? fitHere);
  const maps: PcaMap[] = out.maps.map((m, i) => ({
    imageId: present[i],
    rows: m.rows,
    cols: m.cols,
    colours: ownBuffer(m.colours),
    mask: m.mask && ownBuffer(m.mask),
    inverted: m.inverted,
    foregroundFallback: m.foregroundFallback,
  }));
  const transfer: Transferable[] = [];
  for (const m of maps) {
    transfer.push(m.colours.buffer as ArrayBuffer);
    if (m.mask) transfer.push(m.mask.buffer as ArrayBuffer);
  }
  return {
    result: {
      maps,
      explained: out.explained,
      perImageExplained: out.perImageExplained,
      invertUsed: out.invertUsed,
      ms: performance.now() - t0,
      covariance: covarianceReport(fitter, sessionFitsBefore, gpuFitsBefore),
    },
    transfer,
  };
}

/**
 * Up to this many multiply-adds in the first fit's product, a PCA request is answered with the
 * features it follows (EmbedResult.pca): ViT-S at 224 px, one image (256 x 256 x 384, 25 M) or
 * two (512 x 384 x 384, 75 M); a few ms each.
 */
const WITH_FEATURES_MAX_WORK = 1e8;

/**
 * Whether `req` is small enough to compute before answering the embed it follows. Then the map
 * comes with the features in one message and one UI update, and the PCA does not compete with
 * the UI's render of the features for the CPU (a few ms on two cores). A larger one would hold
 * back the features it follows; it is started after answering instead (PcaAhead).
 */
export function sentWithFeatures(
  req: PcaRequest,
  features: ReadonlyMap<string, StoredFeatures>,
): boolean {
  let rows = 0;
  let dim = 0;
  for (const id of req.imageIds) {
    const f = features.get(id);
    if (!f) continue;
    rows += f.rows * f.cols;
    dim = f.dim;
  }
  const work = rows < dim ? rows * rows * dim : rows * dim * dim;
  return rows > 0 && work <= WITH_FEATURES_MAX_WORK;
}

/** Where this request's products ran: the GPU when any fit did, else a session, else here. */
function covarianceReport(
  fitter: CovarianceFitter | null,
  sessionBefore: number,
  gpuBefore: number,
): PcaResult['covariance'] {
  if (!fitter) return 'javascript';
  if (fitter.gpuFits > gpuBefore) return 'gpu';
  return fitter.sessionFits > sessionBefore ? 'session' : 'javascript';
}

/** A copy unless the array owns its whole buffer, so each can be transferred on its own. */
function ownBuffer<T extends Float32Array | Uint8Array>(a: T): T {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : (a.slice() as T);
}

type PcaAnswer = { result: PcaResult; transfer: Transferable[] };

/**
 * The PCA request the UI is about to make, started as soon as new features are in (see
 * EmbedRequest.pcaNext). A request with the same images and settings, over the same features,
 * takes the answer (once: its buffers are transferred); anything else is computed as usual.
 */
export class PcaAhead {
  private pending: {
    key: string;
    used: (StoredFeatures | undefined)[];
    answer: Promise<PcaAnswer>;
  } | null = null;
  /** Work waiting for the early answer to be handed over (see afterHandover). */
  private waiting: (() => void)[] = [];

  /**
   * Runs `fn` in a later task once the early answer has been handed to its request (or dropped),
   * and at the latest `maxMs` from now: work nothing waits for (the storage write) then stays off
   * the map's path. Without a pending answer it runs in the next task.
   */
  afterHandover(fn: () => void, maxMs = 250): void {
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      setTimeout(fn);
    };
    if (!this.pending) return run();
    this.waiting.push(run);
    setTimeout(run, maxMs);
  }

  private handedOver(): void {
    const w = this.waiting;
    this.waiting = [];
    for (const run of w) run();
  }

  start(
    req: PcaRequest,
    features: ReadonlyMap<string, StoredFeatures>,
    compute: () => Promise<PcaAnswer>,
  ): void {
    const answer = compute();
    answer.catch(() => undefined); // reported to the request that takes it, if any
    this.pending = { key: pcaKey(req), used: req.imageIds.map((id) => features.get(id)), answer };
  }

  /** The answer started for this request over these very features, or null. */
  take(req: PcaRequest, features: ReadonlyMap<string, StoredFeatures>): Promise<PcaAnswer> | null {
    const p = this.pending;
    if (!p || p.key !== pcaKey(req)) return null;
    this.pending = null;
    const same = req.imageIds.every((id, i) => features.get(id) === p.used[i]);
    if (!same) {
      this.handedOver();
      return null;
    }
    const answer = p.answer.then((a) => ({ ...a, result: { ...a.result, startedEarly: true } }));
    // The waiting work runs in a task after this answer is posted (a microtask on it).
    void answer.finally(() => this.handedOver()).catch(() => undefined);
    return answer;
  }

  clear(): void {
    this.pending = null;
    this.handedOver();
  }
}

function pcaKey(r: PcaRequest): string {
  return JSON.stringify([r.imageIds, r.joint, r.foregroundOnly, r.threshold, r.invert]);
}
