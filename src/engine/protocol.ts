/**
 * The typed message protocol between the UI and the engine worker (which owns onnxruntime-web).
 * Every request carries an id; the worker answers with exactly one `result` or `error` for that id,
 * and may send `progress` events for it before. `cancel` names the id to abort.
 */
import type { SerializedError } from '../lib/errors';
import type { ModelInfo } from '../model/model-info';

export type Backend = 'webgpu' | 'wasm';
export type BackendChoice = 'auto' | Backend;
export type PreprocessMode = 'dense' | 'classifier';
export type AlphaBackground = 'white' | 'black';

export const RESOLUTIONS = [224, 336, 448, 518, 672, 896] as const;

export interface PreprocessSettings {
  mode: PreprocessMode;
  /** Short side in dense mode; ignored by the classifier recipe (256 -> crop 224). */
  resolution: number;
  /** Transparent pixels are composited on this colour before the model sees them. */
  background: AlphaBackground;
}

/** Where model bytes come from. Files are passed as File objects (cheap to post). */
export type ModelSource =
  | { kind: 'files'; files: File[] }
  | { kind: 'url'; url: string; label?: string; expectedBytes?: number };

export interface LoadModelRequest {
  type: 'loadModel';
  source: ModelSource;
  backend: BackendChoice;
}

export interface EmbedRequest {
  type: 'embed';
  imageId: string;
  file: Blob;
  fileName: string;
  preprocess: PreprocessSettings;
}

export interface ExportRequest {
  type: 'export';
  imageId: string;
  /** features [T, D], input [3, H, W], or attention [heads, T, T] of `layer`. */
  what: 'features' | 'input' | 'attention';
  layer?: number;
}

export interface AttentionRequest {
  type: 'attention';
  imageId: string;
  /** 0-based layer. */
  layer: number;
  /** The query token: 0 = CLS, 1 + registers + i = patch i. */
  query: number;
}

export interface AttentionResult {
  imageId: string;
  layer: number;
  layers: number;
  heads: number;
  tokens: number;
  registers: number;
  rows: number;
  cols: number;
  query: number;
  /** [heads, rows * cols]: the query's attention to each patch, per head. */
  perHead: Float32Array;
  /** [rows * cols]: head mean. */
  mean: Float32Array;
  /** [heads]: share of the query's attention on register tokens. */
  toRegisters: Float32Array;
  /** [registers, rows * cols]: each register's head-mean attention to the patches. */
  registerMaps: Float32Array;
  /** Mean share of attention (all queries, all heads) that goes to register tokens. */
  massToRegisters: number;
}

export interface ForgetRequest {
  type: 'forget';
  /** Image ids to drop from the worker's feature store; empty = all. */
  imageIds: string[];
}

export interface PcaSettings {
  /** One basis over all the images (colours comparable across images), or one per image. */
  joint: boolean;
  /** The official recipe: a first PCA splits foreground from background, a second colours it. */
  foregroundOnly: boolean;
  /** Foreground = first component (min-max scaled to [0, 1]) above this. */
  threshold: number;
  /** Which side of the threshold is foreground; 'auto' guesses from the image border. */
  invert: boolean | 'auto';
}

export interface PcaRequest extends PcaSettings {
  type: 'pca';
  imageIds: string[];
}

export interface PcaMap {
  imageId: string;
  rows: number;
  cols: number;
  /** [rows, cols, 3] in [0, 1], per patch, before any upsampling. */
  colours: Float32Array;
  /** 1 = foreground, per patch; null when foreground-only is off. */
  mask: Uint8Array | null;
}

export interface PcaResult {
  maps: PcaMap[];
  /** Explained variance ratio of the three components that make the colours. */
  explained: number[];
  perImageExplained: number[][];
  invertUsed: boolean;
  ms: number;
}

export type RequestBody =
  LoadModelRequest | EmbedRequest | ExportRequest | ForgetRequest | PcaRequest | AttentionRequest;
export type Request = RequestBody & { id: number };

export interface CancelMessage {
  type: 'cancel';
  id: number;
}

export type ToWorker = Request | CancelMessage;

export interface BackendReport {
  /** The backend that actually runs the model. */
  backend: Backend;
  /** What was asked for. */
  requested: BackendChoice;
  /** Why the backend differs from the request, or what the check found. */
  notices: string[];
  threads: number;
  shaderF16: boolean | null;
  /** The load-time check of this backend against WASM, when one ran. */
  check: { maxAbsDiff: number; minCosine: number; tolerance: number; passed: boolean } | null;
  variant: 'fp32' | 'fp16' | 'quantized';
}

export interface LoadModelResult {
  info: ModelInfo;
  backend: BackendReport;
  /** Where the bytes came from: a file name or a URL. */
  source: string;
  fromCache: boolean;
}

export interface ImageNotes {
  /** Decoded size after EXIF orientation (before any decode-time cap). */
  originalWidth: number;
  originalHeight: number;
  /** Decoded size actually used (smaller when the decode cap applied). */
  width: number;
  height: number;
  capped: boolean;
  hadAlpha: boolean;
  grayscale: boolean;
}

export interface EmbedResult {
  imageId: string;
  notes: ImageNotes;
  /** The model input's spatial size. */
  inputWidth: number;
  inputHeight: number;
  resized: boolean;
  rows: number;
  cols: number;
  tokens: number;
  dim: number;
  registers: number;
  backend: Backend;
  timings: { decodeMs: number; preprocessMs: number; inferenceMs: number };
}

export interface ExportResult {
  /** An .npy file, transferred. */
  bytes: ArrayBuffer;
  shape: number[];
}

export type ResultFor<T extends RequestBody['type']> = T extends 'loadModel'
  ? LoadModelResult
  : T extends 'embed'
    ? EmbedResult
    : T extends 'export'
      ? ExportResult
      : T extends 'forget'
        ? { forgotten: number }
        : T extends 'pca'
          ? PcaResult
          : T extends 'attention'
            ? AttentionResult
            : never;

export interface DownloadProgress {
  stage: 'download';
  url: string;
  loaded: number;
  total: number | null;
  bytesPerSecond: number;
}

export interface StageProgress {
  stage: 'read' | 'session' | 'check';
  message: string;
}

export type Progress = DownloadProgress | StageProgress;

export type FromWorker =
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'ready'; webgpu: boolean; crossOriginIsolated: boolean };
