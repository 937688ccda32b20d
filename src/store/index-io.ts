/**
 * Exporting and importing the collection's index: every image's tokens as one float32 `.npy`
 * ([sum of tokens, dim]) and a JSON manifest that says which rows belong to which file, the model
 * and the preprocessing, so Python can continue from it (and this app can take it back).
 */
import { CLASSIFIER_CROP, IMAGENET_MEAN, IMAGENET_STD } from '../engine/preprocess/preprocess';
import type { ExplorerError } from '../lib/errors';
import { isImageFile, isTensorFile, nameList, saveBlob } from '../lib/files';
import { decodeNpy, readNpyHeader, type NpyHeader } from '../lib/npy';
import { sha256Hex } from '../lib/sha256';
import { countOf } from '../lib/words';
import { version as APP_VERSION } from '../../package.json';
import { dismissTopic, patchImage, pushAlert, useApp } from './app-store';
import { setFolders } from './collection';
import { addImages, engine, indexRemaining, recomputeAll } from './controller';
import {
  importSummary,
  matchEntries,
  mismatchedModel,
  sameWeights,
  type EntryMatch,
} from './import-summary';

export const INDEX_FORMAT = 'dinov2-explorer-index';
export const INDEX_JSON = 'collection.index.json';
export const INDEX_NPY = 'collection.features.npy';

export interface IndexManifest {
  format: typeof INDEX_FORMAT;
  version: 1;
  created: string;
  model: {
    file: string;
    source: string | null;
    key: string | null;
    dim: number;
    registers: number | null;
    patch_size: number;
    /**
     * The block whose tokens these are (1-based), through the final norm; absent or null: the
     * model's output (its last block).
     */
    block?: number | null;
    /**
     * The model's files with their SHA-256, as `sha256sum` gives them (absent when the features
     * were imported from another model's index, whose files this browser never had).
     */
    files?: { file: string; bytes: number; sha256: string }[];
  };
  preprocessing: {
    mode: 'dense' | 'classifier';
    resolution: number;
    background: 'white' | 'black';
    mean: number[];
    std: number[];
    /** The resampling and cropping, in words (a reader reproducing the inputs needs them). */
    resize?: string;
  };
  /** What made the features: this app's version and the onnxruntime-web that ran the model. */
  software?: { app: string; onnxruntime_web: string };
  features: { file: string; dtype: 'float32'; shape: [number, number]; layout: string };
  images: {
    name: string;
    folder?: string;
    source_url?: string;
    /** The image file's size and SHA-256 (hex), which tell apart images of the same name. */
    bytes?: number;
    sha256?: string;
    token_start: number;
    token_count: number;
    rows: number;
    cols: number;
    registers: number;
    input_width: number;
    input_height: number;
    original_width: number;
    original_height: number;
    /** Whether the image had transparent pixels (laid on `background`); absent: not known. */
    had_alpha?: boolean;
  }[];
}

/** The SHA-256 of a file's bytes, in hex. */
async function sha256(blob: Blob): Promise<string> {
  return sha256Hex(await blob.arrayBuffer());
}

export async function exportCollectionIndex(): Promise<void> {
  const app = useApp.getState();
  const info = app.model.info;
  const done = app.images.filter((i) => i.status === 'done' && i.result);
  if (!info || done.length === 0) return;
  // One index holds one model's features, and names it: features imported from another model's
  // index are exported under that model, and never mixed with the loaded model's.
  const foreign = done.filter((i) => i.result!.importedFrom);
  const made = foreign[0]?.result!.importedFrom ?? null;
  // Models told apart by their fingerprint (most exports share the name model.onnx).
  const models = new Set(foreign.map((i) => modelIdentity(i.result!.importedFrom!)));
  const local = done.length - foreign.length;
  if (made && (local > 0 || models.size > 1)) {
    const from =
      models.size > 1
        ? `the indexes of ${models.size} other models`
        : made.file === info.fileName && sameWeights(made.key, app.model.modelKey)
          ? (made.block ?? null) !== app.model.block
            ? `the index of ${made.file}'s ${made.block === null ? 'output' : `block ${made.block}`}`
            : `the index of ${made.file} on ${made.key?.split(':')[1] ?? 'another backend'}`
          : made.file === info.fileName
            ? `the index of another ${made.file}${made.key ? ` (${made.key})` : ''}`
            : `${made.file}'s index`;
    dismissTopic('export');
    pushAlert({
      kind: 'error',
      subject: INDEX_JSON,
      topic: 'export',
      action: { label: `Recompute with ${info.fileName}`, run: recomputeImported },
      message:
        `The collection mixes features of several models: ${countOf(foreign.length, 'image')} ` +
        `(${nameList(foreign.map((i) => i.name))}) imported from ${from}` +
        (local > 0 ? `, and ${countOf(local, 'image')} computed with ${info.fileName}` : '') +
        ". An index holds one model's features, so nothing was exported. Recompute them with " +
        'the loaded model first.',
    });
    return;
  }
  try {
    const r = await engine().call({ type: 'exportIndex', imageIds: done.map((i) => i.id) }).promise;
    const byId = new Map(done.map((i) => [i.id, i]));
    const total = r.entries.reduce((n, e) => n + e.tokenCount, 0);
    // One file at a time: a thousand photos read at once would hold them all in memory.
    const digests: string[] = [];
    for (const e of r.entries) digests.push(await sha256(byId.get(e.imageId)!.file));
    const manifest: IndexManifest = {
      format: INDEX_FORMAT,
      version: 1,
      created: new Date().toISOString(),
      model: {
        file: made?.file ?? info.fileName,
        source: made ? made.source : app.model.source,
        key: made ? made.key : app.model.modelKey,
        dim: r.dim,
        registers: made ? made.registers : info.registerTokens,
        patch_size: made ? made.patchSize : info.patchSize,
        block: made ? (made.block ?? null) : app.model.block,
        ...(made ? {} : { files: r.modelFiles }),
      },
      preprocessing: {
        mode: app.settings.preprocess,
        resolution:
          app.settings.preprocess === 'classifier' ? CLASSIFIER_CROP : app.settings.resolution,
        background: app.settings.background,
        mean: [...IMAGENET_MEAN],
        std: [...IMAGENET_STD],
        resize:
          app.settings.preprocess === 'classifier'
            ? `shortest edge ${Math.round((CLASSIFIER_CROP * 256) / 224)}, bicubic with ` +
              "antialiasing (torchvision's uint8 resize, as BitImageProcessorFast), centre crop " +
              `${CLASSIFIER_CROP}x${CLASSIFIER_CROP}, /255, then mean and std`
            : `short side ${app.settings.resolution} and long side in proportion, each snapped ` +
              'to the nearest multiple of the patch size (the long side capped to keep about ' +
              '4096 patches), bicubic with antialiasing, /255, then mean and std',
      },
      ...(made ? {} : { software: { app: APP_VERSION, onnxruntime_web: r.runtime } }),
      features: {
        file: INDEX_NPY,
        dtype: 'float32',
        shape: [total, r.dim],
        layout:
          'rows token_start .. token_start + token_count of each image: CLS, then the register ' +
          'tokens, then rows x cols patch tokens in row-major order',
      },
      images: r.entries.map((e, k) => {
        const im = byId.get(e.imageId)!;
        return {
          name: im.name,
          ...(im.folder ? { folder: im.folder } : {}),
          ...(im.sourceUrl ? { source_url: im.sourceUrl } : {}),
          bytes: im.file.size,
          sha256: digests[k],
          token_start: e.tokenStart,
          token_count: e.tokenCount,
          rows: e.rows,
          cols: e.cols,
          registers: e.registers,
          input_width: im.result!.inputWidth,
          input_height: im.result!.inputHeight,
          original_width: im.result!.notes.width,
          original_height: im.result!.notes.height,
          ...(im.result!.notes.alphaUnknown ? {} : { had_alpha: im.result!.notes.hadAlpha }),
        };
      }),
    };
    dismissTopic('export');
    saveBlob(
      new Blob([JSON.stringify(manifest, null, 2)], { type: 'application/json' }),
      INDEX_JSON,
    );
    saveBlob(new Blob([r.npy], { type: 'application/octet-stream' }), INDEX_NPY);
  } catch (e) {
    pushAlert({ kind: 'error', message: (e as ExplorerError).message, subject: 'Export index' });
  }
}

function refuse(subject: string, message: string): void {
  pushAlert({ kind: 'error', subject, message });
}

/** Checks a parsed manifest's shape; returns a reason when it is not one of ours. */
export function manifestProblem(m: unknown): string | null {
  const x = m as Partial<IndexManifest> | null;
  if (!x || typeof x !== 'object' || x.format !== INDEX_FORMAT) {
    return `it is not an index exported by DINOv2 Explorer (no "format": "${INDEX_FORMAT}")`;
  }
  if (x.version !== 1) return `its version ${String(x.version)} is not supported`;
  if (!Array.isArray(x.images) || !x.model || !x.preprocessing || !x.features) {
    return 'it lacks its images, model, preprocessing or features section';
  }
  for (const im of x.images) {
    const nums = [
      im.token_start,
      im.token_count,
      im.rows,
      im.cols,
      im.input_width,
      im.input_height,
    ];
    if (
      typeof im.name !== 'string' ||
      nums.some((n) => !Number.isInteger(n) || n < 0) ||
      (im.bytes !== undefined && !Number.isInteger(im.bytes)) ||
      (im.sha256 !== undefined && typeof im.sha256 !== 'string')
    ) {
      return 'an image entry has a missing or invalid field';
    }
  }
  return null;
}

/** The features the manifest describes: float32 [rows, dim], rows reaching past every entry. */
function fitsManifest(h: NpyHeader | null, want: { rows: number; dim: number }): boolean {
  return (
    h !== null &&
    h.descr === '<f4' &&
    h.shape.length === 2 &&
    h.shape[1] === want.dim &&
    h.shape[0] >= want.rows
  );
}

/** Which picked .npy holds the features, or why none can be told (see findFeaturesFile). */
export type FeaturesPick<F> = { file: F } | { problem: 'none' | 'several'; candidates: F[] };

/**
 * Which of the picked .npy files holds the index's features. A collection's model inputs are .npy
 * files too, so the first one picked may be an input: by the name the manifest records, else the
 * export's default name, else the one whose header fits the manifest (a renamed download, such as
 * "collection.features (1).npy"). A lone .npy that fits nothing is still taken as the features, so
 * that the shape check names it and says what it holds.
 */
export async function findFeaturesFile<F extends { name: string }>(
  npys: F[],
  recorded: unknown,
  want: { rows: number; dim: number },
  header: (f: F) => Promise<NpyHeader | null>,
): Promise<FeaturesPick<F>> {
  for (const name of [recorded, INDEX_NPY]) {
    const named = typeof name === 'string' ? npys.find((f) => f.name === name) : undefined;
    if (named) return { file: named };
  }
  const headers = await Promise.all(npys.map((f) => header(f).catch(() => null)));
  const fits = npys.filter((_, k) => fitsManifest(headers[k], want));
  if (fits.length === 1) return { file: fits[0] };
  if (fits.length === 0 && npys.length === 1) return { file: npys[0] };
  return fits.length === 0
    ? { problem: 'none', candidates: npys }
    : { problem: 'several', candidates: fits };
}

/** The refusal when the features file cannot be told among the picked .npy files. */
export function featuresPickMessage(
  json: string,
  pick: { problem: 'none' | 'several'; candidates: { name: string }[] },
  want: { rows: number; dim: number; file: string },
): string {
  const names = nameList(pick.candidates.map((f) => f.name));
  const features = `the float32 [${want.rows}, ${want.dim}] features that ${json} describes`;
  return pick.problem === 'none'
    ? `None of the picked .npy files (${names}) holds ${features}. Pick ${want.file} of the same export together with ${json} (and the images).`
    : `${names} could each be ${features}. Pick only the one that came with ${json} (${want.file}), and the images.`;
}

/**
 * Imports an index: the manifest and the .npy, picked together, optionally with the images. The
 * entries are matched to collection images (and to the picked images, which are added) by file
 * name and content, preferring the recorded folder or one that ends like it (see matchEntries);
 * matched images take the imported features instead of running the model.
 */
export async function importCollectionIndex(files: File[]): Promise<void> {
  const json = files.find((f) => f.name.toLowerCase().endsWith('.json'));
  const npys = files.filter(isTensorFile);
  if (!json || npys.length === 0) {
    // Named: what was picked, and which of the two files it lacks.
    const missing = json ? `its features (${INDEX_NPY})` : `the index's manifest (${INDEX_JSON})`;
    refuse(
      files[0]?.name ?? 'Import index',
      `${nameList(files.map((f) => f.name))} ${files.length > 1 ? 'are' : 'is'} not a whole index: ${missing} is missing. Pick the index's manifest (${INDEX_JSON}) and its features (${INDEX_NPY}) together, and the images if they are not in the collection yet.`,
    );
    return;
  }
  const app = useApp.getState();
  if (app.model.status !== 'ready' || !app.model.info) {
    refuse(json.name, 'Load the model the index was made with first, then import it.');
    return;
  }
  let manifest: IndexManifest;
  try {
    manifest = JSON.parse(await json.text()) as IndexManifest;
  } catch {
    refuse(
      json.name,
      `${json.name} is not valid JSON. Pick the ${INDEX_JSON} that came with the index.`,
    );
    return;
  }
  const problem = manifestProblem(manifest);
  if (problem) {
    refuse(json.name, `${json.name} cannot be imported: ${problem}.`);
    return;
  }
  const end = Math.max(0, ...manifest.images.map((i) => i.token_start + i.token_count));
  const want = { rows: end, dim: manifest.model.dim };
  const pick = await findFeaturesFile(npys, manifest.features.file, want, readNpyHeader);
  if (!('file' in pick)) {
    const file = typeof manifest.features.file === 'string' ? manifest.features.file : INDEX_NPY;
    refuse(json.name, featuresPickMessage(json.name, pick, { ...want, file }));
    return;
  }
  const npy = pick.file;
  let data: Float32Array;
  let shape: number[];
  try {
    const arr = decodeNpy(new Uint8Array(await npy.arrayBuffer()));
    if (!(arr.data instanceof Float32Array)) throw new Error('its values are not float32');
    data = arr.data;
    shape = arr.shape;
  } catch (e) {
    refuse(npy.name, `${npy.name} is not a float32 .npy file (${(e as Error).message}).`);
    return;
  }
  const dim = shape[1];
  if (shape.length !== 2 || dim !== manifest.model.dim || shape[0] < end) {
    refuse(
      npy.name,
      `${npy.name} has shape [${shape.join(', ')}], but ${json.name} describes [${end}, ${manifest.model.dim}]. Pick the two files of the same export.`,
    );
    return;
  }
  if (app.model.info.hiddenSize > 0 && dim !== app.model.info.hiddenSize) {
    refuse(
      json.name,
      `The index has ${dim}-dimensional features but the loaded model (${app.model.info.fileName}) makes ${app.model.info.hiddenSize}. Load the model the index was made with (${manifest.model.file}).`,
    );
    return;
  }
  // Register tokens change the token layout: every entry would be refused on its own, so once here.
  const wantRegisters = app.model.info.registerTokens;
  const madeWith = manifest.model.registers;
  if (wantRegisters !== null && madeWith !== null && madeWith !== wantRegisters) {
    refuse(
      json.name,
      `The index was made with a model that has ${madeWith} register tokens, but the loaded model (${app.model.info.fileName}) has ${wantRegisters}. Load the model the index was made with (${manifest.model.file}).`,
    );
    return;
  }
  // Features only fit the preprocessing that made them (grid, crop, overlays): it must match.
  const prep = manifest.preprocessing;
  const now = app.settings;
  if (
    prep.mode !== now.preprocess ||
    (prep.mode === 'dense' && prep.resolution !== now.resolution) ||
    prep.background !== now.background
  ) {
    const describe = (mode: string, res: number, bg: string) =>
      `${mode}${mode === 'dense' ? ` at ${res} px` : ''}, transparent pixels on ${bg}`;
    refuse(
      json.name,
      `${json.name} was made with ${describe(prep.mode, prep.resolution, prep.background)}, but the app is set to ${describe(now.preprocess, now.resolution, now.background)}. Set Preprocessing, Resolution and Transparent pixels to match, then import again.`,
    );
    return;
  }
  const sameModel = manifest.model.key !== null && manifest.model.key === app.model.modelKey;
  if (!sameModel) {
    pushAlert({
      kind: 'notice',
      subject: json.name,
      message: `${mismatchedModel(manifest.model, app.model.info.fileName, { key: app.model.modelKey, block: app.model.block })}; its features are used for this session only and are not stored. "Recompute with ${app.model.info.fileName}" in the Collection computes them with the loaded model.`,
    });
  }
  // Every other .npy is a model input of the collection, matched to its entry like a picture.
  const pictures = files.filter(
    (f) => f !== json && f !== npy && (isImageFile(f) || isTensorFile(f)),
  );
  const added = addImages(pictures, undefined, { index: false });
  // Images that already have features keep them (a fresh pick of the same name is imported).
  const images = useApp.getState().images;
  const needs = (i: (typeof images)[number]) => i.status !== 'done' || added.includes(i);
  const byId = new Map(images.map((i) => [i.id, i]));
  const digests = new Map<string, Promise<string>>();
  const digest = (id: string) => {
    if (!digests.has(id)) digests.set(id, sha256(byId.get(id)!.file));
    return digests.get(id)!;
  };
  let matches: EntryMatch[];
  try {
    matches = await matchEntries(
      manifest.images,
      images.map((i) => ({ ...i, size: i.file.size, needsFeatures: needs(i) })),
      digest,
    );
  } catch (e) {
    refuse(
      json.name,
      `The images could not be read to match them to ${json.name} (${(e as Error).message}).`,
    );
    indexRemaining();
    return;
  }
  const unclear = manifest.images.filter((_, k) => matches[k] === 'ambiguous').map((e) => e.name);
  if (unclear.length > 0) {
    refuse(
      unclear[0],
      `${json.name} cannot tell which image is meant by ${nameList([...new Set(unclear)])}: more than one image has that name and the index does not record their contents. Those entries were not imported; their images are indexed with the loaded model instead.`,
    );
  }
  let imported = 0;
  let refused = 0;
  let kept = 0;
  let changed = 0;
  const loadedKey = app.model.modelKey;
  const jobs = manifest.images.map(async (e, k) => {
    const m = matches[k];
    if (typeof m !== 'object') return;
    const im = byId.get(m.imageId)!;
    if (!needs(im)) {
      kept++;
      return;
    }
    const tokens = data.slice(e.token_start * dim, (e.token_start + e.token_count) * dim);
    try {
      const result = await engine().call({
        type: 'importFeatures',
        imageId: im.id,
        file: im.file,
        fileName: im.name,
        preprocess: { mode: prep.mode, resolution: prep.resolution, background: prep.background },
        tokens,
        tokenCount: e.token_count,
        dim,
        rows: e.rows,
        cols: e.cols,
        inputWidth: e.input_width,
        inputHeight: e.input_height,
        originalWidth: e.original_width,
        originalHeight: e.original_height,
        hadAlpha: typeof e.had_alpha === 'boolean' ? e.had_alpha : null,
        persist: sameModel,
        modelKey: loadedKey,
      }).promise;
      // Another model (or block) loaded meanwhile: these are not its features (see below).
      if (useApp.getState().model.modelKey !== loadedKey) {
        changed++;
        return;
      }
      const { file, key, source, registers, patch_size: patchSize } = manifest.model;
      const block = manifest.model.block ?? null;
      const from = { file, key, source, registers, patchSize, block };
      patchImage(im.id, {
        status: 'done',
        result: sameModel ? result : { ...result, importedFrom: from },
      });
      imported++;
    } catch (err) {
      const ex = err as ExplorerError;
      if (ex.code === 'model-changed') {
        changed++;
        return;
      }
      refused++;
      refuse(ex.subject ?? im.name, ex.message);
    }
  });
  await Promise.all(jobs);
  if (changed > 0) {
    refuse(
      json.name,
      `The model changed while ${json.name} was being imported, so ${countOf(changed, 'entry', 'entries')} ` +
        'of it were not imported (they are computed with the loaded model instead). Import the ' +
        'index again to use its features.',
    );
  }
  // Images picked as loose files (no folder of their own) take the folder the index recorded:
  // a dataset's class folders survive an export, Remove all and an import.
  const folders = new Map<string, string>();
  manifest.images.forEach((e, k) => {
    const m = matches[k];
    if (
      typeof m === 'object' &&
      typeof e.folder === 'string' &&
      e.folder &&
      !byId.get(m.imageId)!.folder
    ) {
      folders.set(m.imageId, e.folder);
    }
  });
  void setFolders(folders);
  // Picked images the index does not cover (or whose entry was refused) are indexed as usual.
  indexRemaining();
  const count = (why: EntryMatch) => matches.filter((m) => m === why).length;
  // This import's summary replaces an earlier one ("0 of 123" next to "123 of 123" misleads).
  dismissTopic('import');
  pushAlert({
    kind: 'notice',
    topic: 'import',
    subject: json.name,
    message: importSummary(json.name, manifest.images.length, {
      imported,
      refused,
      kept,
      ambiguous: unclear.length,
      otherContent: count('other-content'),
      otherFolder: count('other-folder'),
      taken: count('taken'),
    }),
  });
}

/** One model, whichever index named it: its fingerprint, else its address, else its name. */
export function modelIdentity(m: {
  file: string;
  key: string | null;
  source: string | null;
}): string {
  return m.key ?? m.source ?? m.file;
}

/** Computes the features imported from another model's index with the loaded model. */
export function recomputeImported(): void {
  // (Images not done yet are queued again too: the reset cancels their run.)
  recomputeAll((im) => im.status === 'done' && !im.result?.importedFrom);
  // An export refused for them is moot now.
  dismissTopic('export');
}
