/**
 * One loaded model on one backend: session creation from bytes (with external data), a run that
 * takes a float32 CHW image and returns float32 tokens whatever the model's IO type, and the
 * load-time check against WASM.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web/webgpu';
import { ExplorerError } from '../lib/errors';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../lib/float16';
import type { ModelInfo } from '../model/model-info';
import { agrees, compareTokens, probeInput, TOLERANCE, type Variant } from './compare';
import type { Backend, BackendReport } from './protocol';
import type { Ort } from './runtime';

export interface ModelBytes {
  model: Uint8Array;
  externalData: { path: string; data: Uint8Array }[];
}

export interface TokenOutput {
  /** [T, D], float32, batch 1. */
  data: Float32Array;
  tokens: number;
  dim: number;
}

export class LoadedModel {
  constructor(
    readonly ort: Ort,
    readonly info: ModelInfo,
    readonly bytes: ModelBytes,
    readonly session: InferenceSession,
    readonly backend: Backend,
    readonly report: BackendReport,
  ) {}

  run(chw: Float32Array, height: number, width: number): Promise<TokenOutput> {
    return runTokens(this.ort, this.session, this.info, chw, height, width);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export function variantOf(info: ModelInfo): Variant {
  if (info.quantized) return 'quantized';
  if (info.input.elemType === 'float16' || info.tokens.elemType === 'float16') return 'fp16';
  return 'fp32';
}

export async function createSession(
  ort: Ort,
  bytes: ModelBytes,
  backend: Backend,
  fileName: string,
): Promise<InferenceSession> {
  const options: InferenceSession.SessionOptions = {
    // The object form lets the WebGPU provider take options (and graph capture) later.
    executionProviders: backend === 'webgpu' ? [{ name: 'webgpu' }] : [{ name: 'wasm' }],
    graphOptimizationLevel: 'all',
    // Node-placement warnings (shape ops on the CPU) are expected and would only be noise.
    logSeverityLevel: 3,
    ...(bytes.externalData.length > 0 ? { externalData: bytes.externalData } : {}),
  };
  try {
    return await ort.InferenceSession.create(bytes.model, options);
  } catch (e) {
    throw new ExplorerError(
      'unsupported-model',
      `"${fileName}" could not be loaded by onnxruntime-web on ${backend}: ${short(e)}. ` +
        (backend === 'webgpu'
          ? 'Try the WASM backend, or an fp32 variant of the model.'
          : 'Check that the file is a complete ONNX export (opset 17 or newer works).'),
      fileName,
    );
  }
}

/** The image as the model's input tensor [1, 3, H, W], in the input's float type. */
export function imageTensor(
  ort: Ort,
  info: ModelInfo,
  chw: Float32Array,
  height: number,
  width: number,
): Tensor {
  const dims = [1, 3, height, width];
  return info.input.elemType === 'float16'
    ? new ort.Tensor('float16', float32ToFloat16Bits(chw), dims)
    : new ort.Tensor('float32', chw, dims);
}

export async function runTokens(
  ort: Ort,
  session: InferenceSession,
  info: ModelInfo,
  chw: Float32Array,
  height: number,
  width: number,
): Promise<TokenOutput> {
  const input = imageTensor(ort, info, chw, height, width);
  let outputs: InferenceSession.OnnxValueMapType;
  try {
    outputs = await session.run({ [info.input.name]: input }, [info.tokens.name]);
  } catch (e) {
    throw new ExplorerError(
      'inference-failed',
      `The model failed on a ${width}x${height} input: ${short(e)}. ` +
        'Try another resolution or the WASM backend.',
    );
  }
  const out = outputs[info.tokens.name] as Tensor;
  try {
    const [, tokens, dim] = out.dims;
    return { data: toFloat32(out.data), tokens, dim };
  } finally {
    out.dispose();
  }
}

export function toFloat32(data: Tensor['data']): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof Uint16Array) return float16BitsToFloat32(data);
  // Float16Array (where the browser has it) or any other numeric array.
  return Float32Array.from(data as ArrayLike<number>);
}

/**
 * Runs a small deterministic probe on `candidate` and on a WASM session of the same bytes and
 * compares them. Users have been burned by silently wrong GPU outputs (NaN or zeros from fp16
 * overflow, near-random embeddings from quantized kernels); we check before trusting a backend.
 */
export async function checkAgainstWasm(
  ort: Ort,
  candidate: InferenceSession,
  bytes: ModelBytes,
  info: ModelInfo,
  fileName: string,
): Promise<NonNullable<BackendReport['check']>> {
  const side = info.patchSize * 8;
  const probe = probeInput(side, side);
  const reference = await createSession(ort, bytes, 'wasm', fileName);
  try {
    const [ours, ref] = [
      await runTokens(ort, candidate, info, probe, side, side),
      await runTokens(ort, reference, info, probe, side, side),
    ];
    const a = compareTokens(ours.data, ref.data, ref.dim);
    const variant = variantOf(info);
    return {
      maxAbsDiff: a.maxAbsDiff,
      minCosine: a.minCosine,
      tolerance: TOLERANCE[variant].relDiff,
      passed: agrees(a, variant),
    };
  } finally {
    await reference.release();
  }
}

function short(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.length > 300 ? `${m.slice(0, 300)}…` : m;
}
