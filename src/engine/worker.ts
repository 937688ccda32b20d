/// <reference lib="webworker" />
/**
 * The engine worker: owns onnxruntime-web, the loaded model and every image's features. The UI
 * sends typed requests (see protocol.ts) and gets small results; feature tensors stay here and
 * leave only as exports, transferred rather than copied.
 */
import { withOrt } from './ort-lock';
import { ExplorerError, serializeError } from '../lib/errors';
import { sha256Hex } from '../lib/sha256';
import { encodeNpy } from '../lib/npy';
import { decodeImage, releasePixels } from './decode';
import { AttentionSessions, type AttentionTensor } from './attention-session';
import { attentionRows, registerRows } from '../features/attention';
import { computePca, PcaAhead, sentWithFeatures } from './pca-job';
import { computeDescriptors, computePatchPoints } from './points-job';
import { tokenLayout } from '../features/tokens';
import { forgetCachedFiles, resolveModel } from './load-model';
import { adviceFor } from '../model/refusals';
import {
  embedInput,
  finiteFeatures,
  makeStored,
  prepareImage,
  type ModelInput,
  type StoredFeatures,
} from './embed';
import { readTensorInput } from './tensor-input';
import { isTensorFile } from '../lib/files';
import type {
  Backend,
  BackendReport,
  AttentionRequest,
  AttentionResult,
  EmbedRequest,
  EmbedResult,
  ExportRequest,
  ImportFeaturesRequest,
  IndexExportResult,
  FromWorker,
  ImageNotes,
  LoadModelRequest,
  LoadModelResult,
  Progress,
  Request,
  ToWorker,
} from './protocol';
import { loadOrt, wasmThreads, webGpuSupport, type Ort } from './runtime';
import { chooseBlock } from './block-features';
import {
  checkAgainstWasm,
  checkTokenLayout,
  createSession,
  LoadedModel,
  sizingFits,
  variantOf,
} from './session';
import { modelFingerprint } from './fingerprint';
import { CovarianceFitter } from './covariance';
import { loadExact, loadStored, PendingSaves, saveStored } from './feature-store';
import { deleteFeaturesOf } from '../lib/collection-db';
import { TokenMemory } from './token-memory';
import { PatchSimilarityJob } from './similarity-job';
import {
  correspond,
  DescriptorIndex,
  exportIndex,
  knnClassify,
  regionSearch,
  search,
} from './retrieval-job';

declare const self: DedicatedWorkerGlobalScope;

/** Above this, a second (WASM) copy for the load-time check could exhaust the WASM heap. */
const CHECK_MAX_WEIGHT_BYTES = 700 * 1024 * 1024;

let current: LoadedModel | null = null;
/** The PCA's covariance product on the model's backend (see covariance.ts). */
let covariance: CovarianceFitter | null = null;
let modelKey = '';
/** Every image's features; `index` must be told whenever this map changes. */
const features = new Map<string, StoredFeatures>();
/** Where their tokens are: float16 copies, and a bounded working set of exact ones. */
const memory = new TokenMemory(async (f) => (f.storeKey ? loadExact(f.storeKey) : null));
const index = new DescriptorIndex();
/** Images embedded only to be searched with (not part of the collection). */
const transient = new Set<string>();
/** Feature saves still running: a forget waits for them, then deletes what they wrote. */
const pendingSaves = new PendingSaves();
const aborts = new Map<number, AbortController>();
/** The PCA maps the UI will ask for next, started early (EmbedRequest.pcaNext). */
const pcaAhead = new PcaAhead();
/** The device our WGSL kernels run on (see kernelDevice), for WebGPU models. */
let kernelGpu: GPUDevice | null = null;

/**
 * A device of our own for our kernels, on the adapter onnxruntime picks (the same request). They
 * ran on onnxruntime's device first (onnxruntime-web 1.30 exposes it as env.webgpu.device, the
 * device itself though its type says a promise); there, once the model's session had run, our
 * read-backs resolved seconds late or never (Chromium on SwiftShader, in the worker; onnxruntime's
 * WebGPU EP waits on that device through its own event loop). On a device of their own they
 * answer every time. Nothing is shared with the session's buffers: the kernels upload the tokens
 * the worker holds.
 */
async function kernelDevice(ort: Ort): Promise<GPUDevice | null> {
  try {
    const preference = ort.env.webgpu.powerPreference;
    const adapter = await navigator.gpu?.requestAdapter(
      preference ? { powerPreference: preference } : undefined,
    );
    return (await adapter?.requestDevice()) ?? null;
  } catch {
    return null; // the kernels stay off; everything runs on the CPU paths
  }
}

/** Patch similarity on the CPU or, for WebGPU models, on the GPU: whichever is faster. */
const similarity = new PatchSimilarityJob();

/** An image's features left or were replaced: every copy of its tokens goes (memory, GPUs). */
function dropTokens(f: StoredFeatures): void {
  memory.release(f);
  similarity.forget(f);
  covariance?.forget(f);
}
let queue: Promise<unknown> = Promise.resolve();
/**
 * The storage write of features whose maps went with them waits this long: until the UI has drawn
 * them. Run at once it shares the two cores with that render and onnxruntime's spinning threads
 * (they spin ~50 ms after a run), and the map is later by a ms or two. Nothing waits for it.
 */
const SAVE_AFTER_MAPS_MS = 30;

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === 'cancel') {
    aborts.get(msg.id)?.abort();
    return;
  }
  const ac = new AbortController();
  aborts.set(msg.id, ac);
  const progress = (p: Progress) => post({ type: 'progress', id: msg.id, progress: p });
  const run = () => handle(msg, ac.signal, progress);
  // Model loads and inference share one session and run one at a time; exports do not wait.
  const job = usesSession(msg) ? (queue = queue.then(run, run)) : run();
  job
    .then(
      (value) => {
        const { result, transfer } = value as { result: unknown; transfer?: Transferable[] };
        post({ type: 'result', id: msg.id, result }, transfer);
      },
      (err: unknown) => post({ type: 'error', id: msg.id, error: serializeError(err) }),
    )
    .finally(() => aborts.delete(msg.id));
};

/** Requests that run the model share one session and run one at a time; the rest do not wait. */
function usesSession(msg: Request): boolean {
  return (
    msg.type === 'loadModel' ||
    msg.type === 'embed' ||
    msg.type === 'attention' ||
    (msg.type === 'export' && msg.what === 'attention')
  );
}

async function handle(
  msg: Request,
  signal: AbortSignal,
  progress: (p: Progress) => void,
): Promise<{ result: unknown; transfer?: Transferable[] }> {
  if (signal.aborted) throw new ExplorerError('cancelled', 'Cancelled.');
  switch (msg.type) {
    case 'loadModel':
      return { result: await loadModel(msg, signal, progress) };
    case 'embed': {
      const { result, save } = await embed(msg, signal);
      const next = msg.pcaNext;
      if (next && sentWithFeatures(next, features)) {
        pcaAhead.clear();
        const t0 = performance.now();
        // A failed map must not fail the features: the UI then asks for it as usual.
        const pca = await computePca(next, features, memory, covariance).catch(() => null);
        if (save) setTimeout(save, SAVE_AFTER_MAPS_MS);
        if (!pca) return { result };
        result.pca = { ...pca.result, startedEarly: true };
        result.timings.mapMs = performance.now() - t0;
        return { result, transfer: pca.transfer };
      }
      // After this answer is posted (later tasks), so the features reach the UI first; the
      // storage write (~7 ms of transaction and clone, which nothing waits for) only once the maps
      // went to the UI: run before, it held up the UI's request for them.
      if (next) {
        pcaAhead.clear();
        setTimeout(() =>
          pcaAhead.start(next, features, () => computePca(next, features, memory, covariance)),
        );
        if (save) setTimeout(() => pcaAhead.afterHandover(save));
      } else if (save) setTimeout(save);
      return { result };
    }
    case 'export':
      return exportTensor(msg);
    case 'attention':
      return attention(msg);
    case 'pca':
      return pcaAhead.take(msg, features) ?? computePca(msg, features, memory, covariance);
    case 'descriptors':
      return computeDescriptors(msg, features);
    case 'patchPoints':
      return computePatchPoints(msg, features, memory);
    case 'forget': {
      const ids = msg.imageIds.length > 0 ? msg.imageIds : [...features.keys()];
      // Their stored features go too, after any save of them still running (see PendingSaves):
      // otherwise a save that raced the UI's delete would leave them in storage for good.
      const all = msg.imageIds.length === 0 ? [...ids, ...pendingSaves.imageIds()] : ids;
      const inStorage = [...new Set(all)].filter((id) => !transient.has(id));
      let n = 0;
      for (const id of ids) {
        const f = features.get(id);
        if (f) dropTokens(f);
        if (features.delete(id)) n++;
        transient.delete(id);
        if (f && lastInput?.features === f) lastInput = null;
        // Its [heads, T, T] tensor too: the largest thing the worker keeps for one image.
        if (lastAttention?.imageId === id) lastAttention = null;
      }
      index.invalidate();
      await pendingSaves.forget(inStorage, deleteFeaturesOf);
      return { result: { forgotten: n } };
    }
    case 'search':
      return {
        result: search(features, index, {
          ...msg,
          exclude: [...(msg.exclude ?? []), ...transient],
        }),
      };
    case 'knnClassify':
      return await knnClassify(features, msg);
    case 'regionSearch':
      return regionSearch(features, memory, msg, transient);
    case 'patchSimilarity':
      return similarity.run(features, memory, msg);
    case 'correspond':
      return correspond(features, memory, msg);
    case 'exportIndex': {
      // (Read before the await: a model loaded meanwhile did not make these features.)
      const model = current;
      if (!model) throw new ExplorerError('no-model', 'Load a model first, then export.');
      const job = await exportIndex(features, memory, msg);
      return {
        ...job,
        result: {
          ...job.result,
          modelFiles: await modelDigests(model),
          runtime: model.ort.env.versions.web ?? '',
        },
      };
    }
    case 'importFeatures':
      return { result: await importFeatures(msg) };
    case 'fetchedFiles':
      return { result: { urls: performance.getEntriesByType('resource').map((e) => e.name) } };
  }
}

/** The model's files and their SHA-256 (once per model: a large graph takes a second). */
const digests = new WeakMap<LoadedModel, Promise<IndexExportResult['modelFiles']>>();

function modelDigests(model: LoadedModel): Promise<IndexExportResult['modelFiles']> {
  let d = digests.get(model);
  if (!d) {
    const files = [
      { file: model.info.fileName, data: model.files.model },
      ...model.files.externalData.map((x) => ({ file: x.path, data: x.data })),
    ];
    d = Promise.all(
      files.map(async (f) => ({
        file: f.file,
        bytes: f.data.byteLength,
        sha256: await sha256Hex(f.data),
      })),
    );
    // A failure is not kept: the next export tries again.
    void d.catch(() => digests.delete(model));
    digests.set(model, d);
  }
  return d;
}

async function loadModel(
  req: LoadModelRequest,
  signal: AbortSignal,
  progress: (p: Progress) => void,
): Promise<LoadModelResult> {
  const stage = (message: string) => progress({ stage: 'read', message });
  const resolved = await resolveModel(req.source, {
    signal,
    onStage: stage,
    onDownload: (p) => progress({ stage: 'download', ...p }),
  });
  const { name } = resolved;
  // What the sessions run: the file as it is, or rewritten to give another block's features.
  let chosen = chooseBlock(resolved.info, resolved.bytes, req.block);
  let { info, bytes } = chosen;
  const gpu = await webGpuSupport();
  const variant = variantOf(info);
  const notices: string[] = [];
  if (chosen.notice) notices.push(chosen.notice);
  // A weights file picked with a graph that does not read it: most likely the other half of
  // another export, which the user may think is in use.
  if (resolved.unused) {
    const many = resolved.unused.length > 1;
    notices.push(
      `${resolved.unused.map((n) => `"${n}"`).join(', ')} ${many ? 'were' : 'was'} picked with ` +
        `"${name}", which does not read ${many ? 'them' : 'it'}` +
        (info.externalData.length === 0 ? ' (its weights are inside it)' : '') +
        `: ${many ? 'they were' : 'it was'} not used. To use a weights file, pick it with ` +
        'the .onnx file that reads it.',
    );
  }

  let backend: Backend = 'wasm';
  if (req.backend !== 'wasm') {
    if (!gpu.available) {
      if (req.backend === 'webgpu')
        notices.push(`WebGPU is not available (${gpu.reason}); using WASM.`);
    } else if (variant === 'fp16' && !gpu.shaderF16) {
      notices.push(
        'This float16 model needs the GPU feature shader-f16, which this adapter lacks; running ' +
          'on WASM instead. An fp32 variant would run on the GPU.',
      );
    } else {
      backend = 'webgpu';
    }
  }
  if (signal.aborted) throw new ExplorerError('cancelled', 'Cancelled.');

  progress({ stage: 'session', message: `Creating a ${backend} session for ${name}` });
  let session = await createSession(await loadOrt(backend), bytes, backend, name)
    .catch(async (e: unknown) => {
      if (backend !== 'webgpu') throw e;
      notices.push(`WebGPU could not load this model (${(e as Error).message}); using WASM.`);
      backend = 'wasm';
      return createSession(await loadOrt('wasm'), bytes, 'wasm', name);
    })
    .catch(async (e: unknown) => {
      // Our rewrite for another block refused, not the file: the model's output still works.
      if (chosen.block === null) throw e;
      notices.push(
        `Block ${chosen.block}'s features could not be set up (${(e as Error).message}); ` +
          "features come from the model's output.",
      );
      chosen = chooseBlock(resolved.info, resolved.bytes, null);
      ({ info, bytes } = chosen);
      return createSession(await loadOrt(backend), bytes, backend, name);
    })
    .catch(async (e: unknown) => {
      // onnxruntime refused the files: a retry must fetch them again, not reuse these.
      await forgetCachedFiles(resolved.cachedUrls);
      throw e;
    });
  // Cancel is offered until the model is in place: each stage from here on ends by checking it,
  // and a cancelled load lets its session go and leaves the model loaded before untouched.
  const stopIfCancelled = async () => {
    // A Cancel sent while the worker was busy (making a session takes it whole) is a message
    // still queued: a task's turn lets it be read before the answer to it is decided.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (!signal.aborted) return;
    await withOrt(() => session.release());
    throw new ExplorerError('cancelled', 'Cancelled.');
  };
  await stopIfCancelled();

  let check: BackendReport['check'] = null;
  if (backend === 'webgpu') {
    if (info.weightsBytes > CHECK_MAX_WEIGHT_BYTES) {
      notices.push(
        'The model is too large to check WebGPU against WASM in memory; outputs are unchecked.',
      );
    } else {
      progress({ stage: 'check', message: 'Checking WebGPU against WASM on a probe image' });
      try {
        check = await checkAgainstWasm(await loadOrt('webgpu'), session, bytes, info, name);
      } catch (e) {
        check = { maxAbsDiff: Infinity, minCosine: -1, tolerance: 0, passed: false };
        notices.push(`The WebGPU check failed to run (${(e as Error).message}).`);
      }
      if (!check.passed) {
        notices.push(
          `WebGPU disagreed with WASM on a probe image (max difference ${fmt(check.maxAbsDiff)}, ` +
            `lowest token cosine ${fmt(check.minCosine)}); using WASM, which is correct but slower.`,
        );
        await withOrt(() => session.release());
        backend = 'wasm';
        session = await createSession(await loadOrt('wasm'), bytes, 'wasm', name);
      }
      await stopIfCancelled();
    }
  }

  if (info.registerTokens === null) {
    progress({ stage: 'check', message: 'Checking the token layout on a probe image' });
    try {
      await checkTokenLayout(
        await loadOrt(backend),
        session,
        info,
        name,
        adviceFor(resolved.origin),
      );
    } catch (e) {
      await withOrt(() => session.release());
      await forgetCachedFiles(resolved.cachedUrls);
      throw e;
    }
    await stopIfCancelled();
  }

  const report: BackendReport = {
    backend,
    requested: req.backend,
    notices,
    threads: backend === 'wasm' ? wasmThreads() : 0,
    sizedSessions: sizingFits(bytes),
    shaderF16: gpu.available ? gpu.shaderF16 : null,
    check,
    variant,
  };
  // Only now, with the new model working, let the old one go.
  const previous = current;
  const ort = await loadOrt(backend);
  await stopIfCancelled();
  // Another block's features are other features: they are stored (and exported) apart. The key
  // is known before the model is in place: the two change together, with no wait between.
  const key =
    `${await modelFingerprint(chosen.files)}:${backend}` +
    (chosen.block === null ? '' : `:block${chosen.block}`);
  await stopIfCancelled();
  current = new LoadedModel(ort, info, bytes, session, backend, report, chosen.files);
  modelKey = key;
  void covariance?.release();
  // The PCA's session path runs on WASM whatever the model's backend: with a WebGPU model the GPU
  // path is our kernel, measured against it, so a weak GPU loses to the CPU. (onnxruntime's Gemm
  // on WebGPU, the path before, uploads every row for every fit; on SwiftShader it was slower
  // than our kernel: see the bench's WebGPU rows.)
  covariance = new CovarianceFitter(ort, 'wasm');
  features.clear();
  pcaAhead.clear();
  memory.clear();
  // With a WebGPU model, patch similarity and the PCA's covariance may run on the GPU too (see
  // similarity-job.ts, covariance.ts).
  const device = backend === 'webgpu' ? await kernelDevice(ort) : null;
  similarity.useDevice(device);
  covariance.useDevice(device);
  kernelGpu?.destroy();
  kernelGpu = device;
  transient.clear();
  index.invalidate();
  lastInput = null;
  lastAttention = null;
  await attentionSessions?.release();
  attentionSessions = null;
  await previous?.dispose();
  const source = req.source.kind === 'url' ? req.source.url : name;
  return {
    info: resolved.info,
    block: chosen.block,
    modelKey,
    backend: report,
    source,
    fromCache: resolved.fromCache,
  };
}

async function embed(req: EmbedRequest, signal: AbortSignal) {
  const model = current;
  if (!model) throw new ExplorerError('no-model', 'Load a model first, then add images.');
  const key = modelKey;
  const persist = req.persist !== false;
  const keep = (stored: StoredFeatures) => {
    // A model swapped in meanwhile makes these features stale: drop them.
    if (current !== model) throw new ExplorerError('cancelled', 'The model changed; recomputing.');
    const old = features.get(req.imageId);
    if (old && old !== stored) dropTokens(old);
    features.set(req.imageId, stored);
    if (persist) transient.delete(req.imageId);
    else transient.add(req.imageId);
    index.invalidate();
  };
  if (persist && !req.fresh) {
    const hit = await loadStored(key, req, model.backend);
    // Removed while reading: keeping them would bring its features back into the worker.
    if (signal.aborted) throw new ExplorerError('cancelled', 'Cancelled.');
    if (hit) {
      keep(hit.stored);
      memory.saved(hit.stored);
      return { result: hit.result, save: null };
    }
  }
  const { input, decodeMs, preprocessMs } = await modelInput(req, model.info.patchSize, signal);
  if (signal.aborted) throw new ExplorerError('cancelled', 'Cancelled.');
  const { stored, result } = await embedInput(model, input, req, { decodeMs, preprocessMs });
  // Cancelled during the run (the image was removed): its features must not stay behind.
  if (signal.aborted) {
    dropTokens(stored);
    throw new ExplorerError('cancelled', 'Cancelled.');
  }
  keep(stored);
  lastInput = { features: stored, input };
  // The caller runs this after answering; nothing awaits it, and a failure is reported on its own.
  // Skipped when the image was removed (or recomputed) meanwhile.
  const save = () => {
    if (features.get(req.imageId) !== stored) return;
    void pendingSaves
      .track(req.imageId, () => saveStored(key, req, stored, result))
      .then((message) => {
        if (!message) {
          if (features.get(req.imageId) === stored) memory.saved(stored);
        } else {
          post({
            type: 'notice',
            notice: { kind: 'store-failed', imageId: req.imageId, fileName: req.fileName, message },
          });
        }
      });
  };
  return { result, save: persist ? save : null };
}

/** Takes features computed elsewhere (an imported index) after checking they fit the model. */
async function importFeatures(req: ImportFeaturesRequest): Promise<EmbedResult> {
  const model = current;
  if (!model) throw new ExplorerError('no-model', 'Load a model first, then import an index.');
  // (Read now: a model loaded while this waits to be saved did not make these features.)
  const key = modelKey;
  if (req.modelKey !== key) {
    throw new ExplorerError(
      'model-changed',
      `The model changed while "${req.fileName}" was being imported.`,
      req.fileName,
    );
  }
  const registers = req.tokenCount - 1 - req.rows * req.cols;
  const want = model.info.registerTokens;
  if (
    req.tokens.length !== req.tokenCount * req.dim ||
    registers < 0 ||
    (want !== null && registers !== want) ||
    (model.info.hiddenSize > 0 && req.dim !== model.info.hiddenSize)
  ) {
    throw new ExplorerError(
      'bad-index',
      `The index entry for "${req.fileName}" (${req.tokenCount} tokens x ${req.dim}, ` +
        `${req.rows}x${req.cols} patches) does not fit the loaded model. Import it with the model that made it.`,
      req.fileName,
    );
  }
  const stored = makeStored(req.tokens, {
    tokenCount: req.tokenCount,
    dim: req.dim,
    registers,
    rows: req.rows,
    cols: req.cols,
    inputHeight: req.inputHeight,
    inputWidth: req.inputWidth,
    source: { file: req.file, fileName: req.fileName, preprocess: req.preprocess },
  });
  if (!finiteFeatures(stored)) {
    throw new ExplorerError(
      'bad-index',
      `The index entry for "${req.fileName}" holds values that are not numbers (NaN or ` +
        'infinity), so it was not imported. Add the image itself to compute its features.',
      req.fileName,
    );
  }
  const result: EmbedResult = {
    imageId: req.imageId,
    notes: {
      originalWidth: req.originalWidth,
      originalHeight: req.originalHeight,
      width: req.originalWidth,
      height: req.originalHeight,
      capped: false,
      hadAlpha: req.hadAlpha ?? false,
      ...(req.hadAlpha === null ? { alphaUnknown: true as const } : {}),
      grayscale: false,
    },
    inputWidth: req.inputWidth,
    inputHeight: req.inputHeight,
    resized: true,
    rows: req.rows,
    cols: req.cols,
    tokens: req.tokenCount,
    dim: req.dim,
    registers,
    backend: model.backend,
    timings: { decodeMs: 0, preprocessMs: 0, inferenceMs: 0 },
    sizedSession: false,
    graphReplay: false,
    // Stored only when the index came from this very model (see importCollectionIndex).
    fromStore: req.persist === true,
    imported: true,
  };
  if (current !== model) throw new ExplorerError('cancelled', 'The model changed.');
  const old = features.get(req.imageId);
  if (old) dropTokens(old);
  features.set(req.imageId, stored);
  transient.delete(req.imageId);
  index.invalidate();
  if (req.persist) {
    const { imageId, file, fileName, preprocess } = req;
    const embedReq = { type: 'embed' as const, imageId, file, fileName, preprocess };
    const message = await pendingSaves.track(imageId, () =>
      saveStored(key, embedReq, stored, result),
    );
    if (!message && features.get(imageId) === stored) memory.saved(stored);
    if (message) {
      post({ type: 'notice', notice: { kind: 'store-failed', imageId, fileName, message } });
    }
  }
  return result;
}

/** The model input of an image: decoded and preprocessed, or a tensor file read as it is. */
async function modelInput(
  req: { file: Blob; fileName: string; preprocess: EmbedRequest['preprocess'] },
  patch: number,
  signal?: AbortSignal,
): Promise<{ input: ModelInput; decodeMs: number; preprocessMs: number }> {
  const t0 = performance.now();
  if (isTensorFile({ name: req.fileName })) {
    const t = await readTensorInput(req.file, req.fileName, patch);
    const input = { ...t, resized: false, notes: tensorNotes(t.width, t.height) };
    return { input, decodeMs: performance.now() - t0, preprocessMs: 0 };
  }
  const image = await decodeImage(req.file, req.fileName, req.preprocess.background);
  const decodeMs = performance.now() - t0;
  if (signal?.aborted) throw new ExplorerError('cancelled', 'Cancelled.');
  const t1 = performance.now();
  const input = prepareImage(image, req.preprocess, patch);
  releasePixels(image); // the input is a new array: the pixels can serve the next decode
  return { input, decodeMs, preprocessMs: performance.now() - t1 };
}

/**
 * The last image input, kept so attention right after embedding needs no second decode. Kept
 * with the features it made, not the image: features of the same image under other settings
 * (another resolution, or from storage) come from another input.
 */
let lastInput: { features: StoredFeatures; input: ModelInput } | null = null;

/** The input an image's features came from, re-derived from its file when not at hand. */
async function inputOf(f: StoredFeatures): Promise<Float32Array> {
  if (lastInput?.features !== f) {
    const { input } = await modelInput(f.source, current!.info.patchSize);
    lastInput = { features: f, input };
  }
  return lastInput.input.data;
}

async function exportTensor(
  req: ExportRequest,
): Promise<{ result: unknown; transfer: Transferable[] }> {
  if (req.what === 'attention') {
    const a = await attentionTensor(req.imageId, req.layer ?? -1);
    const shape = [a.heads, a.tokens, a.tokens];
    const bytes = encodeNpy(a.data, shape).buffer as ArrayBuffer;
    return { result: { bytes, shape }, transfer: [bytes] };
  }
  const f = features.get(req.imageId);
  if (!f) {
    throw new ExplorerError(
      'no-model',
      'These features are no longer available; wait for them to be recomputed.',
    );
  }
  const npy =
    req.what === 'features'
      ? encodeNpy(await memory.exact(f), [f.tokenCount, f.dim])
      : encodeNpy(await inputOf(f), [3, f.inputHeight, f.inputWidth]);
  const bytes = npy.buffer as ArrayBuffer;
  return {
    result: {
      bytes,
      shape: req.what === 'features' ? [f.tokenCount, f.dim] : [3, f.inputHeight, f.inputWidth],
      preprocess: f.source.preprocess,
    },
    transfer: [bytes],
  };
}

function tensorNotes(width: number, height: number): ImageNotes {
  return {
    originalWidth: width,
    originalHeight: height,
    width,
    height,
    capped: false,
    hadAlpha: false,
    grayscale: false,
  };
}

let attentionSessions: AttentionSessions | null = null;
/**
 * The last attention tensor, so clicking patches of one image and layer needs no new run. Kept
 * with the features whose input it ran on: the image's features recomputed under other settings
 * (preprocessing, resolution) need a new run.
 */
let lastAttention: {
  model: LoadedModel;
  imageId: string;
  features: StoredFeatures;
  layer: number;
  tensor: AttentionTensor;
} | null = null;

async function attentionTensor(imageId: string, layer: number): Promise<AttentionTensor> {
  const model = current;
  if (!model) throw new ExplorerError('no-model', 'Load a model first.');
  const f = features.get(imageId);
  if (!f) throw new ExplorerError('no-model', 'This image has no features yet; wait for them.');
  if (attentionSessions === null || attentionSessions.model !== model) {
    await attentionSessions?.release();
    attentionSessions = new AttentionSessions(model);
  }
  const n = attentionSessions.layers();
  const l = layer < 0 ? n - 1 : layer;
  if (lastAttention?.model === model && lastAttention.features === f && lastAttention.layer === l) {
    return lastAttention.tensor;
  }
  lastAttention = null;
  const input = await inputOf(f);
  const tensor = await attentionSessions.run(l, input, f.inputHeight, f.inputWidth);
  lastAttention = { model, imageId, features: f, layer: l, tensor };
  return tensor;
}

async function attention(
  req: AttentionRequest,
): Promise<{ result: AttentionResult; transfer: Transferable[] }> {
  const a = await attentionTensor(req.imageId, req.layer);
  // Removed while its attention ran: nothing to show, and nothing went wrong.
  const f = features.get(req.imageId);
  if (!f) throw new ExplorerError('cancelled', 'Cancelled: the image was removed.');
  const layout = tokenLayout(a.tokens, f.rows, f.cols, f.registers);
  if (req.query < 0 || req.query >= a.tokens) {
    throw new ExplorerError('internal', `Token ${req.query} does not exist.`);
  }
  const rows = attentionRows(a.data, a.heads, a.tokens, req.query, layout);
  const regs = registerRows(a.data, a.heads, a.tokens, layout);
  const result: AttentionResult = {
    imageId: req.imageId,
    layer: lastAttention!.layer,
    layers: attentionSessions!.layers(),
    heads: a.heads,
    tokens: a.tokens,
    registers: layout.registers,
    rows: f.rows,
    cols: f.cols,
    query: req.query,
    perHead: rows.perHead,
    mean: rows.mean,
    toRegisters: rows.toRegisters,
    registerMaps: regs.perRegister,
    massToRegisters: regs.massToRegisters,
  };
  const transfer = [result.perHead, result.mean, result.toRegisters, result.registerMaps].map(
    (x) => x.buffer as ArrayBuffer,
  );
  return { result, transfer: [...new Set(transfer)] };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(3) : String(x);
}

void webGpuSupport().then((gpu) =>
  post({ type: 'ready', webgpu: gpu.available, crossOriginIsolated: self.crossOriginIsolated }),
);
