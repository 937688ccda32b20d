/**
 * Keeping the collection across visits: image bytes, the settings that shape features, and the
 * last model (a URL, or local files when the user agreed to keep them). Features themselves are
 * stored by the engine worker. Every storage failure becomes a message; the session goes on.
 */
import { create } from 'zustand';
import {
  clearCollection,
  deleteImages,
  deleteMeta,
  deleteOrphanFeatures,
  getMeta,
  isQuotaError,
  listImages,
  putImages,
  putMeta,
  STORAGE_FULL,
  type StoredImage,
  type StoredModel,
} from '../lib/collection-db';
import { nameList } from '../lib/files';
import type { LinkModel } from '../lib/link-state';
import type { ModelSource } from '../engine/protocol';
import { pushAlert, useApp, type ImageEntry, type SettingsState } from './app-store';

export interface StorageState {
  /** Bytes this origin uses and may use, from navigator.storage.estimate(). */
  usage: number | null;
  quota: number | null;
  /** The user's consent to keep picked model files in browser storage. */
  keepModelFiles: boolean;
  /** False when IndexedDB cannot be opened (e.g. some private modes). */
  available: boolean;
  /** Images added and not stored yet: a reload now would lose them. */
  saving: number;
  /**
   * The model of the last visit, by name, when its files were not kept: the stored features are
   * its, and come back once it is picked again.
   */
  previousModel: string | null;
}

export const useStorage = create<StorageState>()(() => ({
  usage: null,
  quota: null,
  keepModelFiles: false,
  available: true,
  saving: 0,
  previousModel: null,
}));

let order = Date.now();
/** Each stored image's place in the collection's order (an undone removal is put back there). */
const orders = new Map<string, number>();

export function storedOrder(id: string): number | undefined {
  return orders.get(id);
}
/**
 * Removals win over saves still running (saveImages writes a batch at a time, and a removal can
 * come between two writes): the ids removed in this session, and how many times everything was.
 */
const removedIds = new Set<string>();
let clears = 0;

/**
 * Asks the browser how much storage is used, at most once per ESTIMATE_EVERY_MS (a call within
 * that time is answered at its end): it is asked as each image is indexed, and with hundreds
 * of images the asking itself took a second of the page's time.
 */
export function refreshStorageEstimate(): Promise<void> {
  const wait = lastEstimateAt + ESTIMATE_EVERY_MS - performance.now();
  if (wait <= 0) {
    lastEstimateAt = performance.now();
    return estimateNow();
  }
  estimateLater ??= setTimeout(() => {
    estimateLater = null;
    lastEstimateAt = performance.now();
    void estimateNow();
  }, wait);
  return Promise.resolve();
}

const ESTIMATE_EVERY_MS = 1000;
let lastEstimateAt = -Infinity;
let estimateLater: ReturnType<typeof setTimeout> | null = null;

async function estimateNow(): Promise<void> {
  try {
    const e = await navigator.storage?.estimate?.();
    if (e) useStorage.setState({ usage: e.usage ?? null, quota: e.quota ?? null });
  } catch {
    // Not available here: the panel shows nothing.
  }
}

function storageFailed(what: string, e: unknown): void {
  pushAlert({
    kind: 'error',
    subject: what,
    message: isQuotaError(e)
      ? `Browser storage is full, so "${what}" was not saved for your next visit (it works in this session). Everything saved before is intact; free space by removing images or cached models.`
      : `"${what}" could not be saved for your next visit (${(e as Error)?.message ?? e}). It works in this session.`,
  });
}

/**
 * Images per storage transaction, and bytes: a batch is written at once (all or nothing), so a
 * large pick is stored in a fraction of the transactions, and one image over a full storage
 * costs one batch, which is then retried an image at a time.
 */
const BATCH_IMAGES = 16;
const BATCH_BYTES = 32 * 1024 * 1024;

function batches(images: StoredImage[]): StoredImage[][] {
  const out: StoredImage[][] = [];
  let bytes = Infinity;
  for (const im of images) {
    if (bytes + im.blob.size > BATCH_BYTES || out.at(-1)!.length >= BATCH_IMAGES) {
      out.push([]);
      bytes = 0;
    }
    out.at(-1)!.push(im);
    bytes += im.blob.size;
  }
  return out;
}

function changeSaving(by: number): void {
  useStorage.setState((s) => ({ saving: Math.max(0, s.saving + by) }));
}

/** Saves under way (setFolders waits for them: a record written after it would lose its folder). */
const saving = new Set<Promise<void>>();

/** `at`: the stored order of a single image put back (an undone removal), else the next ones. */
export function saveImages(entries: ImageEntry[], at?: number): Promise<void> {
  const p = writeImages(entries, at).finally(() => saving.delete(p));
  saving.add(p);
  return p;
}

/**
 * Gives images their folder (an imported index records where each came from; images picked as
 * loose files have none of their own): on screen at once, and in storage once their records are.
 */
export async function setFolders(folders: Map<string, string>): Promise<void> {
  if (folders.size === 0) return;
  useApp.setState((s) => ({
    images: s.images.map((im) => (folders.has(im.id) ? { ...im, folder: folders.get(im.id) } : im)),
  }));
  if (!useStorage.getState().available) return;
  await Promise.all([...saving]);
  const stored = (await listImages()).filter((r) => folders.has(r.id));
  await putImages(stored.map((r) => ({ ...r, folder: folders.get(r.id) }))).catch((e: unknown) =>
    storageFailed(stored[0]?.name ?? 'the collection', e),
  );
}

async function writeImages(entries: ImageEntry[], at?: number): Promise<void> {
  if (!useStorage.getState().available || entries.length === 0) return;
  const clearsAtStart = clears;
  const removed = (id: string) => removedIds.has(id) || clears !== clearsAtStart;
  // Orders are taken now, in the pick's order: another pick saved meanwhile comes after it.
  const records = entries.map((en): StoredImage => ({
    id: en.id,
    name: en.name,
    blob: en.file,
    lastModified: en.file.lastModified,
    order: at !== undefined && entries.length === 1 ? at : order++,
    ...(en.folder ? { folder: en.folder } : {}),
    ...(en.sourceUrl ? { sourceUrl: en.sourceUrl } : {}),
  }));
  for (const r of records) orders.set(r.id, r.order);
  let unsaved = entries.length;
  changeSaving(unsaved);
  try {
    for (const batch of batches(records)) {
      const todo = batch.filter((r) => !removed(r.id));
      const full = await writeBatch(todo);
      // Removed while it was written: the removal's delete may have run first, so delete again.
      const late = todo.filter((r) => removed(r.id)).map((r) => r.id);
      if (late.length > 0) await deleteImages(late).catch(() => undefined);
      if (full !== null) {
        // The rest would fail the same way: one message names them all.
        const at = records.indexOf(todo[full]);
        notSaved(
          'image',
          records.slice(at).filter((x) => !removed(x.id)),
        );
        break;
      }
      unsaved -= batch.length;
      changeSaving(-batch.length);
    }
  } finally {
    changeSaving(-unsaved);
  }
  void refreshStorageEstimate();
}

/**
 * Writes a batch in one transaction; if that fails, an image at a time, so that a full storage
 * keeps all it can and other failures name their image. Returns the index of the first image a
 * full storage refused (the rest are not tried), or null.
 */
async function writeBatch(images: StoredImage[]): Promise<number | null> {
  if (images.length > 1) {
    try {
      await putImages(images);
      return null;
    } catch {
      // Retried one by one below: the error is then known per image.
    }
  }
  for (const [i, im] of images.entries()) {
    try {
      await putImages([im]);
    } catch (e) {
      if (isQuotaError(e)) return i;
      storageFailed(im.name, e);
    }
  }
  return null;
}

/**
 * While images are still being stored, leaving or reloading the page would lose them: the browser
 * asks first (its own wording; pages cannot set it). Installed once, at start.
 */
export function guardUnsavedImages(): void {
  addEventListener('beforeunload', (e) => {
    if (useStorage.getState().saving === 0) return;
    e.preventDefault();
    // Older engines ask only when this is set (to anything that reads as a non-empty string).
    e.returnValue = true;
  });
}

/**
 * What a full storage kept from the next visit, said in one message (replaced as more comes): the
 * images not stored (they will be gone), and those stored whose features were not (they will be
 * computed again). A dismissed message starts a new count.
 */
const unsaved = { images: new Map<string, string>(), features: new Map<string, string>() };
let unsavedAlert: number | null = null;

export function notSaved(
  what: 'image' | 'features',
  entries: { id: string; name: string }[],
): void {
  const alerts = useApp.getState().alerts;
  if (!alerts.some((a) => a.id === unsavedAlert)) {
    unsaved.images.clear();
    unsaved.features.clear();
  }
  const before = unsaved.images.size + unsaved.features.size;
  for (const en of entries) {
    if (what === 'image') {
      unsaved.images.set(en.id, en.name);
      unsaved.features.delete(en.id);
    } else if (!unsaved.images.has(en.id)) unsaved.features.set(en.id, en.name);
  }
  // Nothing new (the features of an image already counted): the message stands as it is.
  if (unsaved.images.size + unsaved.features.size === before && what === 'features') return;
  const images = [...unsaved.images.values()];
  const feats = [...unsaved.features.values()];
  if (images.length + feats.length === 0) return;
  const count = (n: number) => `${n} image${n === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (images.length > 0)
    parts.push(
      `${count(images.length)} (${nameList(images)}), with ${images.length === 1 ? 'its' : 'their'} features`,
    );
  if (feats.length > 0)
    parts.push(
      `the features of ${count(feats.length)} (${nameList(feats)}), which will be computed again`,
    );
  const message =
    `${STORAGE_FULL}. Not saved for your next visit: ${parts.join('; and ')}. ` +
    'Everything works in this session, and what was saved before is intact. To keep them, free ' +
    'space by removing images or cached models you no longer need' +
    (images.length > 0 ? ', then add those images again.' : '.');
  // Replaced, not edited: a new alert is read out (the alerts region announces additions).
  useApp.setState((s) => ({ alerts: s.alerts.filter((a) => a.id !== unsavedAlert) }));
  pushAlert({ kind: 'error', subject: images[0] ?? feats[0], message });
  unsavedAlert = useApp.getState().alerts.at(-1)?.id ?? null;
}

export async function forgetImages(ids: string[]): Promise<void> {
  for (const id of ids) removedIds.add(id);
  try {
    await deleteImages(ids);
  } catch {
    // Nothing stored, or storage unavailable: nothing to undo.
  }
  void refreshStorageEstimate();
}

export async function forgetAllImages(): Promise<void> {
  clears++;
  try {
    await clearCollection();
  } catch {
    // As above.
  }
  void refreshStorageEstimate();
}

export function saveSettings(s: SettingsState): void {
  void putMeta('settings', s).catch(() => undefined);
}

/** Remembers the model for the next visit (files only with consent). */
export async function saveLastModel(
  source: ModelSource,
  label: string,
  link: LinkModel | null,
): Promise<void> {
  try {
    if (source.kind === 'url') {
      await putMeta('lastModel', { kind: 'url', url: source.url, label, link } as StoredModel);
    } else if (useStorage.getState().keepModelFiles) {
      await putMeta('lastModel', { kind: 'files', files: source.files, label } as StoredModel);
    } else {
      await putMeta('lastModel', { kind: 'name', label } as StoredModel);
    }
  } catch (e) {
    storageFailed(label, e);
    await deleteMeta('lastModel').catch(() => undefined);
  }
  void refreshStorageEstimate();
}

export function setKeepModelFiles(keep: boolean): void {
  useStorage.setState({ keepModelFiles: keep });
  void putMeta('keepModelFiles', keep).catch(() => undefined);
  if (keep) onKeepFiles?.();
  else {
    // Withdrawn consent: drop a stored model file at once.
    void getMeta<StoredModel>('lastModel')
      .then((m) =>
        m?.kind === 'files'
          ? putMeta('lastModel', { kind: 'name', label: m.label } as StoredModel)
          : undefined,
      )
      .then(refreshStorageEstimate)
      .catch(() => undefined);
  }
}

let onKeepFiles: (() => void) | null = null;
/** What to do when the user agrees to keep model files (save the model already loaded). */
export function whenKeepingFiles(fn: () => void): void {
  onKeepFiles = fn;
}

export interface Restored {
  images: ImageEntry[];
  settings: Partial<SettingsState> | null;
  model: StoredModel | null;
}

/** Reads what the last visit left; never throws (storage may be unavailable). */
export async function readCollection(): Promise<Restored> {
  try {
    const [images, settings, model, keep] = await Promise.all([
      listImages(),
      getMeta<SettingsState>('settings'),
      getMeta<StoredModel>('lastModel'),
      getMeta<boolean>('keepModelFiles'),
    ]);
    useStorage.setState({ keepModelFiles: keep === true });
    // Before any image of this visit is added (their features come after their image record).
    void deleteOrphanFeatures()
      .then((n) => (n > 0 ? refreshStorageEstimate() : undefined))
      .catch(() => undefined);
    for (const im of images) orders.set(im.id, im.order);
    return {
      images: images.map((im) => {
        const file = restoredFile(im);
        return {
          id: im.id,
          name: im.name,
          file,
          url: URL.createObjectURL(file),
          status: 'queued' as const,
          ...(im.folder ? { folder: im.folder } : {}),
          ...(im.sourceUrl ? { sourceUrl: im.sourceUrl } : {}),
        };
      }),
      settings: settings ?? null,
      model: model ?? null,
    };
  } catch {
    useStorage.setState({ available: false });
    pushAlert({
      kind: 'notice',
      message:
        'Browser storage is not available here, so the collection will not be kept after you close the page.',
    });
    return { images: [], settings: null, model: null };
  } finally {
    void refreshStorageEstimate();
  }
}

/**
 * A stored image as the File it was: same name, bytes, type and modification time, so picking that
 * file again is recognised as the same file. Older records lack `lastModified`; their blob, when
 * stored as a File, still carries it.
 */
export function restoredFile(im: Pick<StoredImage, 'blob' | 'name' | 'lastModified'>): File {
  const lastModified =
    im.lastModified ?? (im.blob instanceof File ? im.blob.lastModified : undefined);
  return new File([im.blob], im.name, {
    type: im.blob.type,
    ...(lastModified !== undefined ? { lastModified } : {}),
  });
}

/** Names the stored model's source for loadModel. */
export function storedModelSource(m: StoredModel): {
  source: ModelSource;
  label: string;
  link: LinkModel | null;
} | null {
  if (m.kind === 'name') return null;
  if (m.kind === 'url') {
    return {
      source: { kind: 'url', url: m.url },
      label: m.label,
      link: m.link as LinkModel | null,
    };
  }
  return { source: { kind: 'files', files: m.files }, label: m.label, link: null };
}
