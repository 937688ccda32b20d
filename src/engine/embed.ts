/** One image through the model: preprocess, run, check the token layout, keep the results. */
import { ExplorerError } from '../lib/errors';
import { descriptorsOf, type Descriptors } from '../features/descriptors';
import { tokenLayout } from '../features/tokens';
import type { DecodedImage } from './decode';
import { CLASSIFIER_CROP, IMAGENET_MEAN, IMAGENET_STD, preprocess } from './preprocess/preprocess';
import type { EmbedRequest, EmbedResult, ImageNotes, PreprocessSettings } from './protocol';
import type { LoadedModel } from './session';

/** One image's features in the worker (see TokenMemory for where its tokens live). */
export interface StoredFeatures extends Descriptors {
  /** [T, D] float32, every output token in the model's order, exactly as the model gave them; null
   * while only browser storage holds them (a saved image outside the working set). */
  exact: Float32Array | null;
  /** The float16 copy of the tokens and its row norms, made on first use by TokenMemory. */
  compact: { half: Uint16Array; norms: Float32Array } | null;
  /** Browser storage holds the exact tokens (under storeKey). */
  saved: boolean;
  /** Where in browser storage they are (or go); null for images that are never saved. */
  storeKey: string | null;
  tokenCount: number;
  dim: number;
  registers: number;
  rows: number;
  cols: number;
  /** The model input's size. The input itself is re-derived from `source` when needed. */
  inputHeight: number;
  inputWidth: number;
  /** What the input is made from (kept instead of the input: a Blob costs no memory here). */
  source: { file: Blob; fileName: string; preprocess: PreprocessSettings };
}

type StoredMeta = Omit<
  StoredFeatures,
  'exact' | 'compact' | 'saved' | 'storeKey' | keyof Descriptors
>;

/** Features for exact tokens (descriptors computed; not saved yet, no store key). */
export function makeStored(tokens: Float32Array, meta: StoredMeta): StoredFeatures {
  return {
    ...meta,
    exact: tokens,
    compact: null,
    saved: false,
    storeKey: null,
    ...descriptorsOf(tokens, meta.tokenCount, meta.dim, 1 + meta.registers),
  };
}

/**
 * Caps the dense input's long side so the patch count stays near 4096 (64 x 64): attention memory
 * grows with its square, and a panorama at 896 px would otherwise need gigabytes.
 */
export function maxLongSide(resolution: number, patch: number): number {
  const byTokens = Math.floor((4096 * patch * patch) / resolution);
  return Math.max(resolution, Math.min(4 * resolution, byTokens));
}

export interface ModelInput {
  /** [3, H, W] float32, normalized. */
  data: Float32Array;
  height: number;
  width: number;
  resized: boolean;
  notes: ImageNotes;
}

/** Decoded pixels to model input, with the user's preprocessing settings. */
export function prepareImage(
  image: DecodedImage,
  settings: PreprocessSettings,
  patch: number,
): ModelInput {
  // The classifier recipe ignores the Resolution setting (see CLASSIFIER_CROP).
  const resolution = settings.mode === 'classifier' ? CLASSIFIER_CROP : settings.resolution;
  const pre = preprocess(
    {
      data: image.rgba,
      width: image.width,
      height: image.height,
      channels: 4,
      order: image.bgr ? 'bgr' : 'rgb',
    },
    {
      mode: settings.mode,
      resolution,
      patchSize: patch,
      maxLongSide: maxLongSide(resolution, patch),
      mean: IMAGENET_MEAN,
      std: IMAGENET_STD,
      rescale: 1 / 255,
    },
  );
  return { ...pre, notes: image.notes };
}

/** False when a token holds NaN or infinity (the descriptors, sums of every token, carry it). */
export function finiteFeatures(f: Pick<StoredFeatures, 'cls' | 'mean'>): boolean {
  return f.cls.every(Number.isFinite) && f.mean.every(Number.isFinite);
}

/** Runs the model on one input and checks the token layout against the patch grid. */
export async function embedInput(
  model: LoadedModel,
  input: ModelInput,
  req: EmbedRequest,
  timings: { decodeMs: number; preprocessMs: number },
): Promise<{ stored: StoredFeatures; result: EmbedResult }> {
  const patch = model.info.patchSize;
  const t0 = performance.now();
  const out = await model.run(input.data, input.height, input.width);
  const inferenceMs = performance.now() - t0;
  const rows = Math.floor(input.height / patch);
  const cols = Math.floor(input.width / patch);
  let layout;
  try {
    layout = tokenLayout(out.tokens, rows, cols, model.info.registerTokens);
  } catch (e) {
    // Named: which image, and which model is to blame (the same for every image).
    throw new ExplorerError(
      'unsupported-model',
      `"${req.fileName}" could not be read by the model "${model.info.fileName}": ` +
        `${(e as Error).message} Load a DINOv2 export instead.`,
      req.fileName,
    );
  }
  const stored = makeStored(out.data, {
    tokenCount: out.tokens,
    dim: out.dim,
    registers: layout.registers,
    rows,
    cols,
    inputHeight: input.height,
    inputWidth: input.width,
    source: { file: req.file, fileName: req.fileName, preprocess: req.preprocess },
  });
  // A NaN or infinity anywhere would make every ranking and map of this image meaningless (and
  // a map of all grey) without a word: the descriptors sum every patch, so they show it.
  if (!finiteFeatures(stored)) {
    const variant = model.report.variant;
    throw new ExplorerError(
      'inference-failed',
      `The model "${model.info.fileName}" gave values that are not numbers (NaN or infinity) ` +
        `for "${req.fileName}", so its features cannot be used. ` +
        (variant === 'fp32'
          ? 'Try another export of this model.'
          : `A ${variant === 'fp16' ? 'float16' : 'quantized'} model can overflow like this; ` +
            'its float32 export should not.'),
      req.fileName,
    );
  }
  const result: EmbedResult = {
    imageId: req.imageId,
    notes: input.notes,
    inputWidth: input.width,
    inputHeight: input.height,
    resized: input.resized,
    rows,
    cols,
    tokens: out.tokens,
    dim: out.dim,
    registers: layout.registers,
    backend: model.backend,
    timings: { ...timings, inferenceMs },
    sizedSession: out.sized,
    graphReplay: out.replay,
    fromStore: false,
  };
  return { stored, result };
}
