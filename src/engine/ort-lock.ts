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
