/**
 * The typed message protocol between the UI and the engine worker (which owns onnxruntime-web).
 * Every request carries an id; the worker answers with exactly one `result` or `error` for that id,
 * and may send `progress` events for it before. `cancel` names the id to abort.
 */
import type { KnnSummary } from '../features/knn-classify';
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
  /** The block (1-based) whose tokens are the features; null: the model's output (the last). */
  block: number | null;
}

export interface EmbedRequest {
  type: 'embed';
  imageId: string;
  file: Blob;
  fileName: string;
  preprocess: PreprocessSettings;
  /**
   * Keep the features in browser storage and reuse stored ones (collection images). Off for
   * transient inputs such as a search query from outside the collection.
   */
  persist?: boolean;
  /**
   * The image was just added under a new id, so browser storage cannot hold its features yet: the
   * worker skips the lookup (a round trip to storage before the decode can start).
   */
  fresh?: boolean;
  /**
   * The PCA request the UI will make once these features are back (its PCA view is open). A small
   * one (see sentWithFeatures) is computed before answering and comes with the features
   * (EmbedResult.pca); a larger one is started right after answering, and answers that request
   * when it comes. Either way the map does not wait for a round trip through the UI.
   */
  pcaNext?: PcaRequest;
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
  /** Which side of the threshold was foreground (per image, 'auto' may differ). */
  inverted: boolean;
  /**
   * Too few patches passed the threshold for the second PCA: the colours are the whole-image
   * PCA's, and `mask` shows the few that passed.
   */
  foregroundFallback: boolean;
}

export interface PcaResult {
  maps: PcaMap[];
  /** Explained variance ratio of the three components that make the colours. */
  explained: number[];
  perImageExplained: number[][];
  invertUsed: boolean;
  ms: number;
  /**
   * Where the covariance product ran: an onnxruntime session, our WGSL kernel on the model's GPU
   * (rows kept there), or plain JavaScript.
   */
  covariance: 'session' | 'gpu' | 'javascript';
  /** Computed ahead of the request, right after the last image's features (EmbedRequest.pcaNext). */
  startedEarly?: boolean;
}

/** Image descriptor for search: CLS token, mean of patch tokens, or both (each normalised). */
export type Descriptor = 'cls' | 'mean' | 'both';

export interface SearchRequest {
  type: 'search';
  /** An image with features in the worker (a collection image or a transient query). */
  imageId: string;
  descriptor: Descriptor;
  k: number;
  /** Images to leave out of the ranking (the query itself is always left out). */
  exclude?: string[];
}

/**
 * Leave-one-out k-NN classification of the given images, with a class index for each (their
 * folders): DINO's evaluation of frozen features (see features/knn-classify.ts).
 */
export interface KnnClassifyRequest {
  type: 'knnClassify';
  imageIds: string[];
  /** The class index of each image, in [0, classes). */
  labels: number[];
  classes: number;
  descriptor: Descriptor;
  k: number;
  temperature: number;
}

export interface KnnClassifyResult extends KnnSummary {
  /** The images classified (those with features), in the request's order. */
  imageIds: string[];
  ms: number;
}

export interface Neighbour {
  imageId: string;
  /** Cosine similarity. */
  score: number;
}

export interface SearchResult {
  imageId: string;
  neighbours: Neighbour[];
  /** How many images were ranked. */
  searched: number;
  ms: number;
}

export interface RegionSearchRequest {
  type: 'regionSearch';
  imageId: string;
  /** Selected patch indices (row-major in the query's patch grid). */
  patches: number[];
  k: number;
}

export interface RegionMatch {
  imageId: string;
  /** Mean over the selected patches of their best cosine match in this image. */
  score: number;
  rows: number;
  cols: number;
  /** [rows * cols]: each patch's best cosine to any selected patch (where the match is). */
  heat: Float32Array;
}

export interface RegionSearchResult {
  imageId: string;
  matches: RegionMatch[];
  searched: number;
  ms: number;
}

export interface PatchSimilarityRequest {
  type: 'patchSimilarity';
  imageId: string;
  /** Patch index in the image's grid (row-major). */
  patch: number;
  /** Images to compare with (the source image is always included first). */
  targets: string[];
}

export interface SimilarityMap {
  imageId: string;
  rows: number;
  cols: number;
  /** [rows * cols] cosine similarity to the chosen patch. */
  values: Float32Array;
}

export interface PatchSimilarityResult {
  imageId: string;
  patch: number;
  maps: SimilarityMap[];
  ms: number;
  /**
   * Where the cosines were computed: the WASM loop, or our WGSL kernel on the model's GPU
   * (WebGPU models only; the faster of the two by measurement, see similarity-job.ts).
   */
  path: 'wasm' | 'gpu';
}

export interface CorrespondRequest {
  type: 'correspond';
  a: string;
  b: string;
  /** How many of the strongest mutual nearest neighbours to return. */
  count: number;
  foregroundOnly: boolean;
}

export interface CorrespondResult {
  a: { imageId: string; rows: number; cols: number };
  b: { imageId: string; rows: number; cols: number };
  /** [n, 2]: patch index in a, patch index in b, strongest first. */
  pairs: Int32Array;
  /** [n]: cosine similarity of each pair. */
  scores: Float32Array;
  /** All mutual nearest neighbours found (before taking the strongest). */
  mutual: number;
}

export interface IndexExportRequest {
  type: 'exportIndex';
  imageIds: string[];
}

export interface IndexEntry {
  imageId: string;
  tokenStart: number;
  tokenCount: number;
  rows: number;
  cols: number;
  registers: number;
}

export interface IndexExportResult {
  /** .npy of every image's tokens stacked: [sum of tokenCount, dim], float32. */
  npy: ArrayBuffer;
  dim: number;
  entries: IndexEntry[];
  /** Ids asked for that had no features. */
  missing: string[];
  /** The loaded model's files (the graph, then any weights files), each with its SHA-256. */
  modelFiles: { file: string; bytes: number; sha256: string }[];
  /** The onnxruntime-web version that ran the model. */
  runtime: string;
}

/** One descriptor per image for the 3D view: the CLS token or the mean of the patch tokens. */
export interface DescriptorsRequest {
  type: 'descriptors';
  imageIds: string[];
  descriptor: 'cls' | 'mean';
}

export interface DescriptorsResult {
  /** The ids asked for that had features (with the first one's dim), in the asked order. */
  imageIds: string[];
  dim: number;
  /** [imageIds.length, dim], each row L2-normalised (as search uses them); transferred. */
  data: Float32Array;
}

/** The patches of a few images as points: 3 components of a joint PCA of their patch tokens. */
export interface PatchPointsRequest {
  type: 'patchPoints';
  imageIds: string[];
  /** Cap on points returned (evenly strided through all patches); default 20,000. */
  maxPoints?: number;
}

export interface PatchPointsResult {
  /** [M, 3] PCA scores (components 1-3). */
  coords: Float32Array;
  /** [M, 3] in [0, 1]: the PCA map colour (each component min-max scaled over all patches). */
  colours: Float32Array;
  /** [M]: index into the request's imageIds. */
  image: Uint16Array;
  /** [M]: patch index (row-major) in that image's grid. */
  patch: Uint32Array;
  /** Explained variance ratio of the three components. */
  explained: number[];
  /** True when M < total (points were sampled). */
  sampled: boolean;
  /** All patches of the images that had features. */
  total: number;
  grids: { imageId: string; rows: number; cols: number }[];
}

/** Features computed elsewhere (an imported index), given to the worker for one image. */
export interface ImportFeaturesRequest {
  type: 'importFeatures';
  imageId: string;
  file: Blob;
  fileName: string;
  preprocess: PreprocessSettings;
  /** [tokenCount, dim] float32, transferred. */
  tokens: Float32Array;
  tokenCount: number;
  dim: number;
  rows: number;
  cols: number;
  inputWidth: number;
  inputHeight: number;
  originalWidth: number;
  originalHeight: number;
  /** Whether the image had transparent pixels, as the index says (null: it does not say). */
  hadAlpha: boolean | null;
  /** Store them under the loaded model (only when the index came from this very model). */
  persist: boolean;
  /**
   * The loaded model the import was planned for: if another (or another block) has been loaded
   * since, the entry is refused ('model-changed'), or it would be kept as that model's features.
   */
  modelKey: string | null;
}

/**
 * The files the worker has fetched (its runtime's scripts and WebAssembly), for the page to hand
 * to the service worker's offline cache: a worker started before the service worker controlled
 * the page fetched them past it.
 */
export interface FetchedFilesRequest {
  type: 'fetchedFiles';
}

export type RequestBody =
  | FetchedFilesRequest
  | ImportFeaturesRequest
  | LoadModelRequest
  | EmbedRequest
  | ExportRequest
  | ForgetRequest
  | PcaRequest
  | AttentionRequest
  | SearchRequest
  | KnnClassifyRequest
  | RegionSearchRequest
  | PatchSimilarityRequest
  | CorrespondRequest
  | IndexExportRequest
  | DescriptorsRequest
  | PatchPointsRequest;
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
  /** Whether a repeated input size gets a session fixed to it: models up to 600 MB (engine/session.ts). */
  sizedSessions: boolean;
}

export interface LoadModelResult {
  info: ModelInfo;
  /** The block the features come from (1-based); null: the model's output (the last block). */
  block: number | null;
  /** Identifies the model's bytes, backend and block; stored features are kept per key. */
  modelKey: string;
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
  /**
   * Set for imported features whose index did not say whether the image had transparent pixels
   * (`hadAlpha` is then false, unknown in fact): they are not taken as opaque.
   */
  alphaUnknown?: true;
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
  /** mapMs: computing `pca` before answering (the features were ready that much earlier). */
  timings: { decodeMs: number; preprocessMs: number; inferenceMs: number; mapMs?: number };
  /**
   * The answer to EmbedRequest.pcaNext, when it was small enough to compute before answering:
   * the UI shows the features and the map in one update.
   */
  pca?: PcaResult;
  /** A session fixed to this input size ran it (made once a size repeats; see LoadedModel). */
  sizedSession: boolean;
  /** That session replayed a captured GPU graph (WebGPU; see engine/graph-replay.ts). */
  graphReplay: boolean;
  /** The features came from browser storage (computed on an earlier visit); no model run. */
  fromStore: boolean;
  /** The features came from an imported index; `fromStore` too when they were also stored. */
  imported?: boolean;
  /**
   * Set by the UI (never by the worker) on features imported from an index that another model
   * made: that model, as the index named it. An export must not name the loaded model for them.
   */
  importedFrom?: {
    file: string;
    key: string | null;
    source: string | null;
    registers: number | null;
    patchSize: number;
    /** The block the features came from; null: that model's output. */
    block: number | null;
  };
}

export interface ExportResult {
  /** An .npy file, transferred. */
  bytes: ArrayBuffer;
  shape: number[];
  /** The preprocessing of the features (and input) exported; none for attention. */
  preprocess?: PreprocessSettings;
}

/** What each request answers with. */
export interface ResultMap {
  loadModel: LoadModelResult;
  embed: EmbedResult;
  importFeatures: EmbedResult;
  export: ExportResult;
  forget: { forgotten: number };
  pca: PcaResult;
  attention: AttentionResult;
  search: SearchResult;
  knnClassify: KnnClassifyResult;
  regionSearch: RegionSearchResult;
  patchSimilarity: PatchSimilarityResult;
  correspond: CorrespondResult;
  exportIndex: IndexExportResult;
  descriptors: DescriptorsResult;
  patchPoints: PatchPointsResult;
  fetchedFiles: { urls: string[] };
}

export type ResultFor<T extends RequestBody['type']> = ResultMap[T];

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
  | { type: 'ready'; webgpu: boolean; crossOriginIsolated: boolean }
  | { type: 'notice'; notice: EngineNotice };

/** Something the worker reports on its own, after the request it belongs to has answered. */
export interface EngineNotice {
  kind: 'store-failed';
  imageId: string;
  fileName: string;
  /** What happened and what to do, for the user. */
  message: string;
}
