/**
 * The persistent collection, in IndexedDB (through `idb`): the images (their original bytes), each
 * image's features per model and preprocessing, and the last model. The UI thread stores images
 * and the model; the engine worker stores and reads features, so they never cross threads.
 *
 * Writes are single transactions: a quota error aborts only that write, and everything stored
 * before stays intact. Callers turn quota errors into a message and keep working in memory.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export interface StoredImage {
  id: string;
  name: string;
  /** The original file's bytes and type. */
  blob: Blob;
  /** The original file's modification time, so a restored file is known as the same file. */
  lastModified?: number;
  folder?: string;
  sourceUrl?: string;
  /** Insertion order, so a reload shows the collection as it was. */
  order: number;
}

export interface StoredFeatureRecord {
  /** `${modelKey}|${prepKey}|${imageId}`. */
  key: string;
  imageId: string;
  modelKey: string;
  /** [tokenCount, dim] float32, bit-exact as the model returned it. */
  tokens: ArrayBuffer;
  tokenCount: number;
  dim: number;
  registers: number;
  rows: number;
  cols: number;
  inputWidth: number;
  inputHeight: number;
  resized: boolean;
  /** ImageNotes of the decode (JSON-safe). */
  notes: unknown;
}

/** The model to bring back on the next visit. Files are kept only with the user's consent. */
export type StoredModel =
  | { kind: 'url'; url: string; label: string; link: unknown }
  | { kind: 'files'; files: File[]; label: string }
  // Picked files the user did not agree to keep: only their name, to say which model to pick.
  | { kind: 'name'; label: string };

interface Schema extends DBSchema {
  images: { key: string; value: StoredImage };
  features: { key: string; value: StoredFeatureRecord; indexes: { imageId: string } };
  meta: { key: string; value: unknown };
}

const DB_NAME = 'dinov2-explorer';
let dbPromise: Promise<IDBPDatabase<Schema>> | null = null;

export function collectionDb(): Promise<IDBPDatabase<Schema>> {
  dbPromise ??= openDB<Schema>(DB_NAME, 1, {
    upgrade(db) {
      db.createObjectStore('images', { keyPath: 'id' });
      db.createObjectStore('features', { keyPath: 'key' }).createIndex('imageId', 'imageId');
      db.createObjectStore('meta');
    },
  });
  return dbPromise;
}

export function featureKey(modelKey: string, prepKey: string, imageId: string): string {
  return `${modelKey}|${prepKey}|${imageId}`;
}

/** True when an error means the browser's storage quota is exhausted. */
export function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: string } | null)?.name;
  return name === 'QuotaExceededError' || /quota/i.test(String((e as Error)?.message ?? ''));
}

/**
 * How a message about a full storage begins, in both threads: the UI gathers the worker's notices
 * that start so into its one message about what was not saved (see collection.ts).
 */
export const STORAGE_FULL = 'Browser storage is full';

/**
 * Stores several images in one transaction: all of them or, on any failure (a full storage), none.
 * Fewer transactions write a large batch sooner, so less of it is at stake if the page closes.
 */
export async function putImages(images: StoredImage[]): Promise<void> {
  const tx = (await collectionDb()).transaction('images', 'readwrite');
  for (const im of images) void tx.store.put(im).catch(() => undefined);
  await tx.done;
}

export async function listImages(): Promise<StoredImage[]> {
  const all = await (await collectionDb()).getAll('images');
  return all.sort((a, b) => a.order - b.order);
}

/** Deletes images and every feature record of them, in one transaction. */
export async function deleteImages(ids: string[]): Promise<void> {
  const db = await collectionDb();
  const tx = db.transaction(['images', 'features'], 'readwrite');
  const feats = tx.objectStore('features');
  for (const id of ids) {
    void tx.objectStore('images').delete(id);
    for (const key of await feats.index('imageId').getAllKeys(id)) void feats.delete(key);
  }
  await tx.done;
}

export async function clearCollection(): Promise<void> {
  const db = await collectionDb();
  const tx = db.transaction(['images', 'features'], 'readwrite');
  void tx.objectStore('images').clear();
  void tx.objectStore('features').clear();
  await tx.done;
}

/**
 * Deletes feature records whose image is not stored: an image that did not fit (storage full)
 * while its features, smaller and written later, did; or a page closed between the two writes.
 * Nothing reads them (their image is gone after a reload), so they only take space. Returns how
 * many were deleted.
 */
export async function deleteOrphanFeatures(): Promise<number> {
  const db = await collectionDb();
  const tx = db.transaction(['images', 'features'], 'readwrite');
  const ids = new Set(await tx.objectStore('images').getAllKeys());
  const feats = tx.objectStore('features');
  let deleted = 0;
  for (let c = await feats.index('imageId').openKeyCursor(); c; c = await c.continue()) {
    if (ids.has(c.key)) continue;
    void feats.delete(c.primaryKey);
    deleted++;
  }
  await tx.done;
  return deleted;
}

/** Deletes every feature record of these images (the images themselves stay). */
export async function deleteFeaturesOf(imageIds: string[]): Promise<void> {
  const db = await collectionDb();
  const tx = db.transaction('features', 'readwrite');
  for (const id of imageIds) {
    for (const key of await tx.store.index('imageId').getAllKeys(id)) void tx.store.delete(key);
  }
  await tx.done;
}

export async function putFeatures(rec: StoredFeatureRecord): Promise<void> {
  await (await collectionDb()).put('features', rec);
}

export async function getFeatures(key: string): Promise<StoredFeatureRecord | undefined> {
  return (await collectionDb()).get('features', key);
}

/** The first of `keys` that has a record, read in one transaction (both reads at once). */
export async function getFirstFeatures(
  keys: string[],
): Promise<{ key: string; rec: StoredFeatureRecord } | undefined> {
  const tx = (await collectionDb()).transaction('features');
  const recs = await Promise.all(keys.map((k) => tx.store.get(k)));
  const k = recs.findIndex((r) => r !== undefined);
  return k < 0 ? undefined : { key: keys[k], rec: recs[k]! };
}

export async function putMeta(key: string, value: unknown): Promise<void> {
  await (await collectionDb()).put('meta', value, key);
}

export async function getMeta<T>(key: string): Promise<T | undefined> {
  return (await (await collectionDb()).get('meta', key)) as T | undefined;
}

export async function deleteMeta(key: string): Promise<void> {
  await (await collectionDb()).delete('meta', key);
}
