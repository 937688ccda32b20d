/**
 * One onnxruntime-web call at a time in this worker. Sessions are created, run and released from
 * several places (the model, its sized sessions, attention, the PCA's products) and requests are
 * not all queued together (a PCA must not wait behind forty images being indexed); interleaving
 * those calls on one WebGPU device can hang. Each call holds the lock only while it runs, so a PCA
 * waits for at most one inference.
 */
let tail: Promise<unknown> = Promise.resolve();

export function withOrt<T>(call: () => Promise<T>): Promise<T> {
  const next = tail.then(call, call);
  tail = next.catch(() => undefined);
  return next;
}

/** withOrtWithin gave up: the lock was not free in time. */
export class OrtBusy extends Error {
  constructor() {
    super('onnxruntime is busy');
    this.name = 'OrtBusy';
  }
}

/**
 * withOrt, unless the lock is not free within `ms`: then OrtBusy, and `call` never runs. For work
 * that has another way to be done (a product JavaScript can compute) rather than waiting behind a
 * model run: on SwiftShader a ViT-S run takes ~110 s, and a PCA waited that long behind one.
 */
export function withOrtWithin<T>(ms: number, call: () => Promise<T>): Promise<T> {
  let state: 'waiting' | 'running' | 'gave up' = 'waiting';
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (state !== 'waiting') return;
      state = 'gave up';
      reject(new OrtBusy());
    }, ms);
    void withOrt(async () => {
      if (state === 'gave up') return;
      state = 'running';
      clearTimeout(timer);
      await call().then(resolve, reject);
    });
  });
}
