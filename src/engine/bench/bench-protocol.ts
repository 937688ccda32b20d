/** Messages between the bench page (src/engine/bench/page.ts) and its workers. */
import type { Backend } from '../protocol';

export interface Repeats {
  warmup: number;
  repeats: number;
}

/** A bare onnxruntime-web session.run on a prepared tensor, with the app's session options. */
export interface BareConfig {
  kind: 'bare';
  modelUrl: string;
  /** The external-data file, or null when the weights are inside the graph. */
  dataUrl: string | null;
  /** The file name the graph refers to for its external data. */
  dataPath: string;
  backend: Backend;
  threads: number;
  height: number;
  width: number;
}

export interface BareInfo {
  loadMs: number;
  threads: number;
}

export interface BareStep {
  /** On a session fixed to the input size (freeDimensionOverrides), as the app runs a repeated size. */
  runMs: number;
  /** The same run on a session open to any input size (no overrides). */
  anySizeMs: number;
  /**
   * WASM: a copy of the [T, D] output (what ORT does out of its heap inside run); WebGPU: getData()
   * of a GPU-buffer output after the GPU finished.
   */
  readbackMs: number;
  /** WebGPU only: session.run with the output left on the GPU, until the GPU is done. */
  gpuRunMs: number | null;
  tokens: number;
  dim: number;
}

/** transformers.js's image-feature-extraction pipeline, from an image file's bytes to features. */
export interface TjsConfig {
  kind: 'tjs';
  /**
   * Where the model folders are (env.localModelPath): a path on this origin, not a URL
   * (transformers.js looks for local files only by path).
   */
  localModelPath: string;
  modelId: string;
  wasmPaths: { mjs: string; wasm: string };
  device: Backend;
  threads: number;
  imageUrl: string;
  /** Whether the weights are in onnx/model.onnx_data. */
  externalData: boolean;
}

export interface TjsInfo {
  loadMs: number;
  version: string;
  ortVersion: string;
}

export interface TjsStep {
  e2eMs: number;
  dims: number[];
}

/** The app's feature stages on synthetic data (kNN, patch similarity, joint PCA). */
export interface FeaturesConfig extends Repeats {
  kind: 'features';
  /**
   * Time only the stages with a WebGPU path, through the app's jobs: the patch-similarity update
   * (our WGSL kernel beside the WASM loop) and the joint PCA's covariance (our kernel beside the
   * WASM session and onnxruntime's Gemm on WebGPU); run in a browser with a GPU adapter.
   */
  gpu?: boolean;
}

/** FeaturesConfig.gpu's answer. */
export interface GpuSimilarityResult {
  adapter: string;
  /** The update on the GPU, after the tokens were uploaded (once, in the warm-up). */
  gpuMs: number[];
  /** The same requests on the WASM loop, interleaved with the GPU ones. */
  wasmMs: number[];
  /** The largest difference of a cosine between the two paths' maps of the same requests. */
  maxDiff: number;
  /** What the app's measurement picked for this workload after its first requests. */
  chosen: 'wasm' | 'gpu' | null;
  /** The joint PCA of the same images (default settings), its covariance product on WebGPU. */
  pca: {
    /** Our WGSL kernel, rows kept on the GPU (uploaded once, in the warm-up). */
    gpuMs: number[];
    /** The WASM session, the app's other candidate for a WebGPU model, interleaved. */
    sessionMs: number[];
    /** onnxruntime's Gemm on WebGPU (the path before; the rows uploaded for every fit). */
    webgpuGemmMs: number[];
    /** The largest difference of a map colour (0-1) between the kernel's and the session's PCA. */
    maxDiff: number;
    /** What the app's fitter picked after its first requests. */
    chosen: 'javascript' | 'session' | 'gpu' | null;
  };
}

export interface FeaturesResult {
  /** A 1,000-image ViT-S 448 collection held as the worker holds one: bytes in memory, all told. */
  collection: {
    images: number;
    tokenCount: number;
    dim: number;
    memoryBytes: number;
    /** Images whose exact float32 tokens stayed in memory (the bounded working set). */
    exactHeld: number;
  };
  knnMs: number[];
  /** The same queries as a JavaScript loop over a plain array (what knnMs replaced). */
  knnJsMs: number[];
  /** Whether knnMs ran as WebAssembly SIMD. */
  knnSimd: boolean;
  patchSimMs: number[];
  pcaMs: number[];
  pcaFgMs: number[];
  /** The same joint PCA fitted on at most 2048 evenly strided patches (PcaMapOptions.maxFitRows). */
  pcaFit2048Ms: number[];
  /** Whether the covariance went through the onnxruntime session (as in the app) at least once. */
  pcaUsedSession: boolean;
}

export type SteppedJob = BareConfig | TjsConfig;

export type WorkerReply<R> = { ok: true; result: R } | { ok: false; error: string };
