/**
 * Features in browser storage: the worker saves each collection image's tokens (float32,
 * bit-exact) under its model key and preprocessing, and reuses them on the next visit instead of
 * running the model again. A storage failure never fails the embedding: it is reported instead.
 */
import {
  featureKey,
  getFeatures,
  getFirstFeatures,
  isQuotaError,
  putFeatures,
  STORAGE_FULL,
  type StoredFeatureRecord,
} from '../lib/collection-db';
import { makeStored, type StoredFeatures } from './embed';
import type { Backend, EmbedRequest, EmbedResult, ImageNotes } from './protocol';
import { isTensorFile } from '../lib/files';

/**
 * The preprocessing that determines the input (tensor inputs are taken as they are). The colour
 * transparent pixels are laid on is part of it only for an image that has some: an opaque one's
 * features are kept under `opaque` and found whatever that setting is, so changing it does not
 * cost a recompute on the next visit.
 */
export function prepKey(req: EmbedRequest, opaque: boolean): string {
  if (isTensorFile({ name: req.fileName })) return 'tensor';
  const p = req.preprocess;
  const background = opaque ? 'opaque' : p.background;
  return p.mode === 'classifier'
    ? `classifier:${background}`
    : `dense:${p.resolution}:${background}`;
}

export async function loadStored(
  modelKey: string,
  req: EmbedRequest,
  backend: Backend,
): Promise<{ stored: StoredFeatures; result: EmbedResult } | null> {
  // Whether the image is opaque is known only once decoded: try both (the second also finds an
  // opaque image's features saved before they were kept under `opaque`).
  let hit: { key: string; rec: StoredFeatureRecord } | undefined;
  try {
    hit = await getFirstFeatures(
      [true, false].map((opaque) => featureKey(modelKey, prepKey(req, opaque), req.imageId)),
    );
  } catch {
    return null; // storage unavailable (private mode, blocked): just compute
  }
  if (!hit) return null;
  const { key, rec } = hit;
  const stored = makeStored(new Float32Array(rec.tokens), {
    tokenCount: rec.tokenCount,
    dim: rec.dim,
    registers: rec.registers,
    rows: rec.rows,
    cols: rec.cols,
    inputHeight: rec.inputHeight,
    inputWidth: rec.inputWidth,
    source: { file: req.file, fileName: req.fileName, preprocess: req.preprocess },
  });
  stored.storeKey = key;
  const result: EmbedResult = {
    imageId: req.imageId,
    notes: rec.notes as ImageNotes,
    inputWidth: rec.inputWidth,
    inputHeight: rec.inputHeight,
    resized: rec.resized,
    rows: rec.rows,
    cols: rec.cols,
    tokens: rec.tokenCount,
    dim: rec.dim,
    registers: rec.registers,
    backend,
    timings: { decodeMs: 0, preprocessMs: 0, inferenceMs: 0 },
    sizedSession: false,
    graphReplay: false,
    fromStore: true,
  };
  return { stored, result };
}

/** A saved image's exact tokens, read back (null when they are gone). */
export async function loadExact(storeKey: string): Promise<Float32Array | null> {
  const rec = await getFeatures(storeKey);
  return rec ? new Float32Array(rec.tokens) : null;
}

/**
 * Saves features (which must still hold their exact tokens); returns why it could not, or
 * undefined when saved. Sets `stored.storeKey` either way, before the first await.
 */
export async function saveStored(
  modelKey: string,
  req: EmbedRequest,
  stored: StoredFeatures,
  result: EmbedResult,
): Promise<string | undefined> {
  const opaque = !result.notes.hadAlpha && !result.notes.alphaUnknown;
  const key = featureKey(modelKey, prepKey(req, opaque), req.imageId);
  stored.storeKey = key;
  try {
    if (!stored.exact) throw new Error('no exact tokens to save');
    await putFeatures({
      key,
      imageId: req.imageId,
      modelKey,
      tokens: stored.exact.slice().buffer as ArrayBuffer,
      tokenCount: stored.tokenCount,
      dim: stored.dim,
      registers: stored.registers,
      rows: stored.rows,
      cols: stored.cols,
      inputWidth: stored.inputWidth,
      inputHeight: stored.inputHeight,
      resized: result.resized,
      notes: result.notes,
    });
    return undefined;
  } catch (e) {
    return isQuotaError(e)
      ? `${STORAGE_FULL}, so the features of "${req.fileName}" were not saved; they work ` +
          'in this session only. Free space by removing images (or cached models) you no longer need.'
      : `The features of "${req.fileName}" could not be saved in browser storage (${(e as Error).message}); they work in this session only.`;
  }
}

/**
 * The feature saves still running, per image, so that forgetting an image (removed from the
 * collection) always wins over a save of it: the UI deletes the image's records when it is removed,
 * but a save that began before the worker heard of the removal can write after that delete. So
 * the worker deletes the records of forgotten images itself, once their saves have ended. A save
 * that would begin after the forget does not begin (the caller checks that the features are still
 * there, and the forget has dropped them).
 */
export class PendingSaves {
  private readonly running = new Map<string, Set<Promise<unknown>>>();

  /** Runs a save of an image's features; registered before its first await. */
  track<T>(imageId: string, save: () => Promise<T>): Promise<T> {
    const p = save();
    const set = this.running.get(imageId) ?? new Set();
    set.add(p);
    this.running.set(imageId, set);
    const done = () => {
      set.delete(p);
      if (set.size === 0 && this.running.get(imageId) === set) this.running.delete(imageId);
    };
    p.then(done, done);
    return p;
  }

  /** The images with a save running now. */
  imageIds(): string[] {
    return [...this.running.keys()];
  }

  /** Waits for the saves of these images (running now) to end, then deletes what they stored. */
  async forget(imageIds: string[], remove: (ids: string[]) => Promise<void>): Promise<void> {
    const saves = imageIds.flatMap((id) => [...(this.running.get(id) ?? [])]);
    await Promise.allSettled(saves);
    if (imageIds.length > 0) await remove(imageIds).catch(() => undefined);
  }
}
