/**
 * What the UI can do, as plain functions over the store and the engine worker: load a model, add
 * images, recompute when settings change, export. Results from superseded work are dropped by a
 * generation counter, so a change of model or settings never shows stale features.
 */
import { announce } from '../lib/announce';
import { focusWhenShown } from '../lib/focus';
import { EngineClient } from '../engine/client';
import type { ModelSource, PcaRequest, PcaResult, PreprocessSettings } from '../engine/protocol';
import { STORAGE_FULL } from '../lib/collection-db';
import { ExplorerError } from '../lib/errors';
import { cacheFetchedFiles } from '../lib/service-worker';
import {
  byRelativePath,
  isHiddenFile,
  isImageFile,
  isModelFile,
  isTensorFile,
  nameList,
  recipeSuffix,
  saveBlob,
  shownPaths,
} from '../lib/files';
import type { LinkModel } from '../lib/link-state';
import {
  fileStemOf,
  imageLabelsOf,
  patchImage,
  patchModel,
  dismissTopic,
  pushAlert,
  useApp,
  type ImageEntry,
  type SettingsState,
} from './app-store';
import {
  forgetAllImages,
  forgetImages,
  notSaved,
  readCollection,
  saveImages,
  saveLastModel,
  saveSettings,
  storedModelSource,
  storedOrder,
  useStorage,
  whenKeepingFiles,
} from './collection';
import { dequeue, enqueue, pauseIndexing, resetQueue, setIndexRunner } from './indexer';

let client: EngineClient | null = null;
let generation = 0;
let loadCall: number | null = null;
type SourceOf = { source: ModelSource; label: string; linkModel: LinkModel | null };
let lastSource: SourceOf | null = null;
/** The model a load in progress is for (null while none runs). */
let loadingSource: SourceOf | null = null;
const embedCalls = new Map<string, number>();
/** Images added in this session and not embedded yet: browser storage has nothing under their ids. */
const freshIds = new Set<string>();
/**
 * The PCA view's side of an embed (see pca.ts): the request that will follow an image's features
 * when the view will make one, and what to do with its answer when it comes with the features.
 */
interface PcaHooks {
  requestAfter(imageId: string): PcaRequest | undefined;
  withFeatures(req: PcaRequest, result: PcaResult): void;
}
let pcaHooks: PcaHooks = { requestAfter: () => undefined, withFeatures: () => undefined };

export function setPcaHooks(hooks: PcaHooks): void {
  pcaHooks = hooks;
}
/** One storage warning per indexing run is enough. */
let storeWarned = false;

export function engine(): EngineClient {
  if (!client) {
    client = new EngineClient();
    client.onNotice = (n) => {
      if (n.kind !== 'store-failed') return;
      // A full storage is said once for all the images it concerns (see collection.ts).
      if (n.message.startsWith(STORAGE_FULL)) {
        // Features of an image removed meanwhile are no loss to mention.
        if (useApp.getState().images.some((i) => i.id === n.imageId)) {
          notSaved('features', [{ id: n.imageId, name: n.fileName }]);
        }
      } else if (!storeWarned) {
        storeWarned = true;
        pushAlert({ kind: 'error', message: n.message, subject: n.fileName });
      }
    };
    void client.ready.then((r) => useApp.setState({ engine: r }));
  }
  return client;
}

export async function loadModel(
  source: ModelSource,
  label: string,
  linkModel: LinkModel | null = source.kind === 'url' ? { kind: 'url', url: source.url } : null,
): Promise<boolean> {
  const e = engine();
  if (loadCall !== null) e.cancel(loadCall);
  loadingSource = { source, label, linkModel };
  const { backend, block } = useApp.getState().settings;
  const call = e.call(
    { type: 'loadModel', source, backend, block },
    {
      onProgress: (p) => {
        if (p.stage === 'download') {
          patchModel({
            stage: `Downloading ${label}`,
            download: {
              callId: call.id,
              label,
              loaded: p.loaded,
              total: p.total,
              bytesPerSecond: p.bytesPerSecond,
            },
          });
        } else {
          patchModel({ stage: p.message, download: null });
        }
      },
    },
  );
  loadCall = call.id;
  patchModel({ loading: label, stage: `Loading ${label}`, download: null });
  try {
    const r = await call.promise;
    if (loadCall !== call.id) return false;
    lastSource = { source, label, linkModel };
    useApp.setState({ linkModel });
    void saveLastModel(source, label, linkModel);
    patchModel({
      status: 'ready',
      loading: null,
      stage: null,
      download: null,
      info: r.info,
      report: r.backend,
      source: r.source,
      fromCache: r.fromCache,
      modelKey: r.modelKey,
      block: r.block,
    });
    // A block this model does not have (a notice says so) is not asked of the next one either.
    if (r.block !== useApp.getState().settings.block) {
      const settings = { ...useApp.getState().settings, block: r.block };
      useApp.setState({ settings });
      saveSettings(settings);
    }
    // Earlier attempts' errors are moot now (they piled up above a ready model).
    dismissTopic('model');
    for (const n of r.backend.notices) pushAlert({ kind: 'notice', message: n });
    recomputeAll();
    // The runtime this model runs on, for the offline copy of the app (see cacheFetchedFiles).
    void e.call({ type: 'fetchedFiles' }).promise.then(
      (f) => cacheFetchedFiles(f.urls),
      () => {},
    );
    return true;
  } catch (err) {
    if (loadCall !== call.id) return false;
    patchModel({ loading: null, stage: null, download: null });
    // A block asked for by a reload that did not happen: the setting goes back to the block of
    // the model still loaded, so the select, the link and the next load tell the truth.
    const { model: kept, settings } = useApp.getState();
    if (kept.status === 'ready' && settings.block !== kept.block) {
      const back = { ...settings, block: kept.block };
      useApp.setState({ settings: back });
      saveSettings(back);
    }
    const ex = err as ExplorerError;
    if (ex.code === 'download-cancelled' || ex.code === 'cancelled') {
      pushAlert({ kind: 'notice', message: `Loading ${label} was cancelled.`, topic: 'model' });
    } else {
      pushAlert({
        kind: 'error',
        message: ex.message,
        subject: ex.subject ?? label,
        topic: 'model',
      });
    }
    return false;
  } finally {
    if (loadCall === call.id) {
      loadCall = null;
      loadingSource = null;
    }
  }
}

export function cancelModelLoad(): void {
  if (loadCall !== null) engine().cancel(loadCall);
}

/**
 * Reloads the model with the current backend and block (after the user changes one): the model
 * being loaded, if one is (a setting changed meanwhile is for it), else the loaded one.
 */
function reloadModel(): void {
  const m = loadingSource ?? lastSource;
  if (m) void loadModel(m.source, m.label, m.linkModel);
}

/**
 * Adds images by address (they must allow cross-origin reads); each failure names its URL.
 * True when every address gave an image. `typed`: the addresses came from the Image URL field,
 * so one already in the collection is said, not skipped quietly.
 */
export async function addImageUrls(urls: string[], typed = false): Promise<boolean> {
  // An image already in the collection by the same address is not added twice (links, restores).
  const known = new Set(useApp.getState().images.map((i) => i.sourceUrl));
  const again = urls.filter((u) => known.has(u));
  if (typed && again.length > 0) {
    pushAlert({
      kind: 'notice',
      subject: again[0],
      message: `${nameList(again)} ${again.length > 1 ? 'are' : 'is'} already in the collection.`,
    });
  }
  urls = urls.filter((u) => !known.has(u));
  const results = await Promise.allSettled(
    urls.map(async (url) => {
      const res = await fetch(url, { mode: 'cors', credentials: 'omit' });
      if (!res.ok) throw new Error(`the server answered ${res.status}`);
      const blob = await res.blob();
      // A site answering a wrong address with its own page (a single-page app) is no image.
      if (blob.type.startsWith('text/html')) throw new Error('the address gave a web page');
      const name = decodeURIComponent(new URL(url).pathname.split('/').pop() || 'image');
      return { file: new File([blob], name, { type: blob.type }), url };
    }),
  );
  const ok: { file: File; url: string }[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') ok.push(r.value);
    else {
      pushAlert({
        kind: 'error',
        subject: urls[i],
        message: `Could not add the image ${urls[i]} (${(r.reason as Error).message}). Check the address; its server must allow cross-origin requests.`,
      });
    }
  });
  if (ok.length > 0)
    addImages(
      ok.map((o) => o.file),
      ok.map((o) => o.url),
    );
  return ok.length === urls.length && (!typed || again.length === 0);
}

export function addImages(
  files: File[],
  sourceUrls?: string[],
  opts: {
    index?: boolean;
    /** An undone removal: back where it was (its place on screen and its order in storage). */
    restore?: { at: number; folder?: string; order?: number };
  } = {},
): ImageEntry[] {
  const usable = (f: File) => isImageFile(f) || isTensorFile(f);
  const images = files.filter(usable);
  const rejected = files.filter((f) => !usable(f));
  if (rejected.length > 0) {
    const many = rejected.length > 1;
    // A model picked here belongs in Model file: say so rather than only what Images takes.
    const models = rejected.some(isModelFile)
      ? ` A model (.onnx, .onnx_data) goes in Model file, or drop it on the page.`
      : '';
    pushAlert({
      kind: 'error',
      subject: rejected[0].name,
      message: `${nameList(rejected.map((f) => f.name))} ${many ? 'are not images' : 'is not an image'}. Add PNG, JPEG, WebP, GIF, BMP or AVIF files (or a model input saved as .npy).${models}`,
    });
  }
  // The same file picked again (same folder, name, size and date) is not a second image: two
  // identical cards with identical buttons would only confuse. A renamed copy is added.
  const shown = shownPaths(images);
  const { restore } = opts;
  // An undone removal's folder is the one its card had (an imported index may have given it).
  const folderFor = (f: File) => (restore ? restore.folder : folderOf(f).folder);
  const { fresh: keep, message } = sameFiles(
    useApp.getState().images.map((e) => sameFileKey(e.file, e.folder)),
    images.map((f, k) => ({ key: sameFileKey(f, folderFor(f)), name: shown[k] })),
  );
  const fresh = keep.map((i) => images[i]);
  if (message) pushAlert({ kind: 'notice', subject: message.subject, message: message.text });
  if (fresh.length === 0) return [];
  const entries: ImageEntry[] = fresh.map((file) => ({
    id: crypto.randomUUID(),
    name: file.name,
    file,
    url: URL.createObjectURL(file),
    status: 'queued',
    ...(folderFor(file) ? { folder: folderFor(file) } : {}),
    ...(sourceUrls ? { sourceUrl: sourceUrls[files.indexOf(file)] } : {}),
  }));
  for (const e of entries) freshIds.add(e.id);
  useApp.setState((s) => {
    const at = Math.min(restore?.at ?? s.images.length, s.images.length);
    return { images: [...s.images.slice(0, at), ...entries, ...s.images.slice(at)] };
  });
  void saveImages(entries, restore?.order);
  if (opts.index !== false && useApp.getState().model.status === 'ready') {
    enqueue(entries.map((e) => e.id));
  }
  return entries;
}

/**
 * The files of a picked folder: its images and model inputs (.npy) are added; the rest (notes,
 * sidecar files) is skipped without an error each, but counted in one notice.
 */
export function addFolderFiles(files: File[]): void {
  const usable = (f: File) => isImageFile(f) || isTensorFile(f);
  // Hidden files (.DS_Store, macOS's ._photo.jpg beside each photo, .gitkeep) are nobody's
  // pictures: left out without a word.
  // The cards follow the folder's order as a file manager shows it, not the disk's.
  files = files.filter((f) => !isHiddenFile(f)).sort(byRelativePath);
  const shown = shownPaths(files);
  const skipped = shown.filter((_, k) => !usable(files[k]));
  if (skipped.length > 0) {
    pushAlert({
      kind: 'notice',
      subject: skipped[0],
      message: `Skipped ${skipped.length} file${skipped.length > 1 ? 's' : ''} of the folder that ${skipped.length > 1 ? 'are' : 'is'} neither an image nor a model input (.npy): ${nameList(skipped)}.`,
    });
  }
  addImages(files.filter(usable));
}

/** What makes two picks the same file: its folder, name, size and modification time. */
export function sameFileKey(
  file: Pick<File, 'name' | 'size' | 'lastModified'>,
  folder: string | undefined,
): string {
  return `${folder ?? ''}/${file.name}:${file.size}:${file.lastModified}`;
}

/**
 * Which picks to add (their indexes), given the keys already in the collection, and the notice for
 * the rest: files already in the collection, and files picked more than once in this pick (added
 * once). Each file is said once, by `name` (its path in a picked folder: see shownPaths).
 */
export function sameFiles(
  have: Iterable<string>,
  picks: { key: string; name: string }[],
): { fresh: number[]; message: { subject: string; text: string } | null } {
  const before = new Set(have);
  const seen = new Map<string, number>();
  const fresh: number[] = [];
  // By file, not by name: every file already there is counted, each once.
  const already = new Map<string, string>();
  picks.forEach((p, i) => {
    if (before.has(p.key)) already.set(p.key, p.name);
    else if (!seen.has(p.key)) fresh.push(i);
    seen.set(p.key, (seen.get(p.key) ?? 0) + 1);
  });
  const twice = new Map<string, number>();
  for (const p of picks) {
    const n = seen.get(p.key) ?? 0;
    if (n > 1 && !before.has(p.key)) twice.set(p.name, Math.max(n, twice.get(p.name) ?? 0));
  }
  const parts: string[] = [];
  if (already.size > 0) {
    const names = [...already.values()];
    const many = names.length > 1;
    parts.push(
      `${nameList(names)} ${many ? 'are' : 'is'} already in the collection (the same file), so ${many ? 'they were' : 'it was'} not added again.`,
    );
  }
  if (twice.size > 0) {
    const names = [...twice.keys()];
    if (names.length === 1) {
      const n = twice.get(names[0])!;
      parts.push(`${nameList(names)} was picked ${n === 2 ? 'twice' : `${n} times`}; added once.`);
    } else {
      parts.push(`${nameList(names)} were picked more than once; each was added once.`);
    }
  }
  const subject = [...already.values(), ...twice.keys()][0];
  return { fresh, message: parts.length > 0 ? { subject, text: parts.join(' ') } : null };
}

/** A file picked or dropped inside a folder keeps that folder, for colouring by folder. */
function folderOf(file: File): { folder?: string } {
  const rel = file.webkitRelativePath || '';
  const cut = rel.lastIndexOf('/');
  return cut > 0 ? { folder: rel.slice(0, cut) } : {};
}

/** The photos shipped in public/samples (scikit-image samples, public domain / CC0). */
export const SAMPLE_IMAGES = ['astronaut.png', 'chelsea.png', 'coffee.png'];

export async function addSampleImages(): Promise<void> {
  // Added by address, so a share link made afterwards carries them too.
  await addImageUrls(
    SAMPLE_IMAGES.map((name) => new URL(`samples/${name}`, document.baseURI).href),
  );
}

export function removeImage(id: string): void {
  const at = useApp.getState().images.findIndex((i) => i.id === id);
  if (at < 0) return;
  const entry = useApp.getState().images[at];
  const order = storedOrder(id);
  // As the card named it (`cats/001.png` where names repeat).
  const shown = imageLabelsOf(useApp.getState().images).get(id) ?? entry.name;
  const call = embedCalls.get(id);
  if (call !== undefined) engine().cancel(call);
  dequeue(id);
  URL.revokeObjectURL(entry.url);
  useApp.setState((s) => ({
    images: s.images.filter((i) => i.id !== id),
    selectedImageId: s.selectedImageId === id ? null : s.selectedImageId,
  }));
  void engine().call({ type: 'forget', imageIds: [id] }).promise;
  void forgetImages([id]);
  // One click next to Find similar: it can be undone (the file is still here; its features are
  // computed again). Only the last removal: a notice per removed image would pile up.
  dismissTopic('removed');
  pushAlert({
    kind: 'notice',
    subject: shown,
    // (An image removed before it was indexed had no features to remove.)
    message:
      entry.status === 'done' ? `Removed ${shown} and its stored features.` : `Removed ${shown}.`,
    topic: 'removed',
    action: {
      label: 'Undo',
      run: () => {
        // Back in its place, with its folder (an imported index may have given it one its file
        // does not carry), and in the same place after a reload.
        const [back] = addImages([entry.file], entry.sourceUrl ? [entry.sourceUrl] : undefined, {
          restore: { at, folder: entry.folder, order },
        });
        // Focus goes to the image that came back (the Undo button is gone), not to the page.
        if (back) {
          const label = imageLabelsOf(useApp.getState().images).get(back.id) ?? back.name;
          focusWhenShown(`[aria-label="Remove ${CSS.escape(label)}"]`, 10, '[aria-label="Images"]');
        }
      },
    },
  });
}

export function clearImages(): void {
  const ids = useApp.getState().images.map((i) => i.id);
  for (const id of ids) {
    const entry = useApp.getState().images.find((i) => i.id === id)!;
    const call = embedCalls.get(id);
    if (call !== undefined) engine().cancel(call);
    URL.revokeObjectURL(entry.url);
  }
  resetQueue();
  // A fresh start: a pause of the run just emptied does not hold back the next images.
  pauseIndexing(false);
  embedCalls.clear();
  useApp.setState({ images: [], selectedImageId: null });
  void engine().call({ type: 'forget', imageIds: [] }).promise;
  void forgetAllImages();
  // The last single removal's Undo would bring back one image of all those removed.
  dismissTopic('removed');
  if (ids.length > 0)
    announce(
      ids.length === 1
        ? 'Removed the image and its stored features.'
        : `Removed all ${ids.length} images and their stored features.`,
    );
}

function preprocessSettings(): PreprocessSettings {
  const s = useApp.getState().settings;
  return { mode: s.preprocess, resolution: s.resolution, background: s.background };
}

/** Indexes one collection image (the indexer calls this when it is the image's turn). */
function embed(id: string): Promise<'done' | 'failed' | 'cancelled'> {
  const entry = useApp.getState().images.find((i) => i.id === id);
  if (!entry) return Promise.resolve('cancelled');
  const gen = generation;
  const pcaNext = pcaHooks.requestAfter(entry.id);
  const call = engine().call({
    type: 'embed',
    imageId: entry.id,
    file: entry.file,
    fileName: entry.name,
    preprocess: preprocessSettings(),
    // Only its first embedding: after that, features may have been saved under this id.
    fresh: freshIds.delete(entry.id),
    pcaNext,
  });
  embedCalls.set(entry.id, call.id);
  return call.promise.then(
    (result) => {
      if (gen !== generation) return 'cancelled';
      embedCalls.delete(entry.id);
      // Removed while the worker was answering: not done, and not in the run any more.
      if (!useApp.getState().images.some((i) => i.id === entry.id)) return 'cancelled';
      const { pca, ...features } = result;
      patchImage(entry.id, { status: 'done', result: features });
      // In the same task: React draws the features and their map in one update.
      if (pca && pcaNext) pcaHooks.withFeatures(pcaNext, pca);
      return 'done';
    },
    (err: ExplorerError) => {
      if (gen !== generation || err.code === 'cancelled') return 'cancelled';
      embedCalls.delete(entry.id);
      if (err.code === 'bad-image') {
        // The file is unusable: drop it from the collection and say why.
        URL.revokeObjectURL(entry.url);
        useApp.setState((s) => ({ images: s.images.filter((i) => i.id !== entry.id) }));
        void forgetImages([entry.id]);
      } else {
        patchImage(entry.id, { status: 'error' });
      }
      pushAlert({ kind: 'error', message: err.message, subject: err.subject ?? entry.name });
      return 'failed';
    },
  );
}
setIndexRunner(embed);
whenKeepingFiles(() => {
  if (lastSource) void saveLastModel(lastSource.source, lastSource.label, lastSource.linkModel);
});

/** Indexes the collection images that have no features (after a cancelled run). */
export function indexRemaining(): void {
  if (useApp.getState().model.status !== 'ready') return;
  enqueue(
    useApp
      .getState()
      .images.filter((i) => i.status === 'queued')
      .map((i) => i.id),
  );
}

/**
 * Recomputes every image's features (new model or new preprocessing), or, with `keep`, all but
 * those it accepts (their features are still right).
 */
export function recomputeAll(keep?: (im: ImageEntry) => boolean): void {
  generation++;
  const e = engine();
  for (const id of embedCalls.values()) e.cancel(id);
  embedCalls.clear();
  resetQueue();
  storeWarned = false;
  const redo = (i: ImageEntry) => !keep?.(i);
  useApp.setState((s) => ({
    images: s.images.map((i) =>
      redo(i) ? { ...i, status: 'queued' as const, result: undefined } : i,
    ),
  }));
  if (useApp.getState().model.status !== 'ready') return;
  enqueue(
    useApp
      .getState()
      .images.filter(redo)
      .map((i) => i.id),
  );
}

export function updateSettings(p: Partial<SettingsState>): void {
  const before = useApp.getState().settings;
  const after = { ...before, ...p };
  useApp.setState({ settings: after });
  saveSettings(after);
  if (after.backend !== before.backend || after.block !== before.block) reloadModel();
  else if (after.preprocess !== before.preprocess || after.resolution !== before.resolution) {
    recomputeAll();
  } else if (after.background !== before.background) {
    // Only images with transparent pixels change: an opaque one's features stay as they are.
    recomputeAll(
      (im) =>
        im.status === 'done' &&
        im.result?.notes.hadAlpha === false &&
        !im.result.notes.alphaUnknown,
    );
  }
}

export async function download(imageId: string, what: 'features' | 'input'): Promise<void> {
  const entry = useApp.getState().images.find((i) => i.id === imageId);
  if (!entry) return;
  try {
    const r = await engine().call({ type: 'export', imageId, what }).promise;
    const base = fileStemOf(entry);
    // Named by the preprocessing that made them: the worker's record of it, not the settings,
    // which may have changed meanwhile.
    const s = useApp.getState().settings;
    const { mode, resolution } = r.preprocess ?? { mode: s.preprocess, resolution: s.resolution };
    // The input is the same whichever block the features come from; imported features keep the
    // block of the index they came from.
    const from = entry.result?.importedFrom;
    const block = what !== 'features' ? null : from ? from.block : useApp.getState().model.block;
    const recipe = recipeSuffix(entry, mode, resolution, block);
    const name = `${base}.${what === 'features' ? 'features' : 'input'}${recipe}.npy`;
    saveBlob(new Blob([r.bytes], { type: 'application/octet-stream' }), name);
  } catch (err) {
    const ex = err as ExplorerError;
    pushAlert({ kind: 'error', message: ex.message, subject: entry.name });
  }
}

/**
 * Brings back what the last visit left: settings, the collection and the model (unless a link
 * names another). Link images come after, so an image already kept is not added twice.
 */
export async function restoreSession(
  linkImages: string[] | undefined,
  linkSettings: Partial<SettingsState>,
): Promise<void> {
  const r = await readCollection();
  if (r.settings) {
    // What the link says wins over what was stored.
    useApp.setState((s) => ({ settings: { ...s.settings, ...r.settings, ...linkSettings } }));
  }
  if (r.images.length > 0) {
    const known = new Set(useApp.getState().images.map((i) => i.id));
    const fresh = r.images.filter((i) => !known.has(i.id));
    useApp.setState((s) => ({ images: [...fresh, ...s.images] }));
    if (useApp.getState().model.status === 'ready') enqueue(fresh.map((i) => i.id));
  }
  const app = useApp.getState();
  const m = r.model && storedModelSource(r.model);
  if (m && !app.pendingLinkModel && app.model.status === 'none' && !app.model.loading) {
    void loadModel(m.source, m.label, m.link);
  } else if (r.model?.kind === 'name') {
    useStorage.setState({ previousModel: r.model.label });
  }
  if (linkImages && linkImages.length > 0) await addImageUrls(linkImages);
}
