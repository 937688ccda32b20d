/**
 * One loaded model on one backend: session creation from bytes (with external data), a run that
 * takes a float32 CHW image and returns float32 tokens whatever the model's IO type, and the
 * load-time check against WASM.
 */
import { replayRunner, sizedRunner, type SizedRunner } from './graph-replay';
import { withOrt } from './ort-lock';
import type { InferenceSession, Tensor } from 'onnxruntime-web/webgpu';
import { ExplorerError } from '../lib/errors';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../lib/float16';
import type { ModelInfo } from '../model/model-info';
import { tokenLayout } from '../features/tokens';
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

/**
 * Sessions whose free input dims are fixed to one size (`freeDimensionOverrides`): onnxruntime
 * folds the shape and position-embedding arithmetic once. That removes work the graph otherwise
 * redoes on every run, mostly the bicubic Resize of the position embeddings, which onnxruntime's
 * CPU kernel makes slow: in its profiler, on one WASM thread, 59 ms of a ViT-S run at 224 px and
 * 87 ms of a ViT-B one. On WebGPU they also keep the shape ops off the CPU. Whole-run timings on
 * the 2-core VM move by more than that from run to run (see bench/results.md), so this rests on
 * the profile. They cost a second copy of the weights, so only models up to this size get one.
 */
const SIZED_MAX_BYTES = 600 * 2 ** 20;

/** Whether a model is small enough for sized sessions (see above). */
export function sizingFits(bytes: ModelBytes): boolean {
  const total = bytes.model.byteLength + bytes.externalData.reduce((s, d) => s + d.data.length, 0);
  return total <= SIZED_MAX_BYTES;
}

/** A size seen this often is worth its own session (a collection of same-size inputs). */
const SIZED_AFTER = 2;

export class LoadedModel {
  /** The one session fixed to a size, once created; null while none (or it is being made). */
  private sized: SizedRunner | null = null;
  /** Sizes seen, and sizes whose session could not be made (never tried again). */
  private seen = new Map<string, number>();
  private refused = new Set<string>();
  /** Runs and session creation take turns: onnxruntime-web calls are never interleaved. */
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(
    readonly ort: Ort,
    readonly info: ModelInfo,
    readonly bytes: ModelBytes,
    readonly session: InferenceSession,
    readonly backend: Backend,
    readonly report: BackendReport,
    /** The model's files as given: `bytes` may be a rewrite of them (features of another block). */
    readonly files: ModelBytes = bytes,
  ) {}

  /**
   * Tokens for one image; `sized` says whether a session fixed to its size ran it, `replay`
   * whether that run replayed a captured GPU graph (see graph-replay.ts).
   */
  run(
    chw: Float32Array,
    height: number,
    width: number,
  ): Promise<TokenOutput & { sized: boolean; replay: boolean }> {
    return this.turn(async () => {
      const key = `${height}x${width}`;
      const sized = this.sized?.key === key ? this.sized : null;
      if (sized) {
        try {
          return { ...(await sized.run(chw)), sized: true, replay: sized.replay };
        } catch {
          // A sized session that fails (a lost device, say) goes; the dynamic one answers.
          this.refused.add(key);
          if (this.sized === sized) this.sized = null;
          await sized.release().catch(() => undefined);
        }
      }
      const out = await runTokens(this.ort, this.session, this.info, chw, height, width);
      if (!sized) this.considerSizing(key, chw, height, width, out.data);
      return { ...out, sized: false, replay: false };
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.queue.catch(() => undefined);
    const sized = this.sized;
    this.sized = null;
    if (sized) await sized.release();
    await withOrt(() => this.session.release());
  }

  private turn<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job, job);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * After a size repeats, makes (in the queue, after this run) a session fixed to it, and uses it
   * only if it gives this run's tokens again (the check every backend gets: never trust blindly).
   */
  private considerSizing(
    key: string,
    chw: Float32Array,
    height: number,
    width: number,
    tokens: Float32Array,
  ): void {
    if (!this.report.sizedSessions) return;
    const count = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, count);
    if (count !== SIZED_AFTER || this.refused.has(key)) return;
    const overrides = sizeOverrides(this.info, height, width);
    if (!overrides || !sizingFits(this.bytes)) {
      this.refused.add(key);
      return;
    }
    void this.turn(async () => {
      if (this.disposed) return;
      const runner = await this.sizedRunner(overrides, chw, height, width, tokens);
      if (!runner) {
        this.refused.add(key); // the dynamic session keeps working
        return;
      }
      const previous = this.sized;
      this.sized = runner;
      if (previous) await previous.release();
    });
  }

  /**
   * A session fixed to the size that gives this run's tokens again: on WebGPU one that replays a
   * captured graph where onnxruntime allows it and its replay agrees, else a plain one; null when
   * neither can be made or agrees.
   */
  private async sizedRunner(
    overrides: Record<string, number>,
    chw: Float32Array,
    height: number,
    width: number,
    tokens: Float32Array,
  ): Promise<SizedRunner | null> {
    const agreesWith = async (runner: SizedRunner): Promise<boolean> => {
      const again = await runner.run(chw).catch(() => null);
      if (!again) return false;
      const dim = this.info.hiddenSize || again.dim;
      return agrees(compareTokens(again.data, tokens, dim), variantOf(this.info));
    };
    // Not for quantized graphs: onnxruntime's WebGPU provider leaves some of their nodes on the CPU,
    // and then cannot capture; it says so only in a log line and runs the session without replay,
    // which this check could not tell from a replay.
    const replay = this.backend === 'webgpu' && !this.info.quantized;
    const makers = [
      ...(replay
        ? [() => replayRunner(this.ort, this.bytes, this.info, overrides, height, width)]
        : []),
      () => sizedRunner(this.ort, this.bytes, this.info, this.backend, overrides, height, width),
    ];
    for (const make of makers) {
      const runner = await make().catch(() => null);
      if (!runner) continue;
      // A captured graph is recorded on the first run and replayed from the second: check both.
      let ok = await agreesWith(runner);
      if (ok && runner.replay) ok = await agreesWith(runner);
      if (ok) return runner;
      await runner.release().catch(() => undefined);
    }
    return null;
  }
}

/**
 * freeDimensionOverrides fixing the input's batch to 1 and its height and width, or null when the
 * graph's dims cannot say it (no symbolic names, or one name for both sides of a non-square size).
 * Dims that are already numbers need nothing.
 */
export function sizeOverrides(
  info: ModelInfo,
  height: number,
  width: number,
): Record<string, number> | null {
  const [batch, , h, w] = info.input.dims;
  const out: Record<string, number> = {};
  const set = (dim: number | string | undefined, value: number): boolean => {
    if (typeof dim === 'number') return dim === value;
    if (dim === undefined || dim === '?' || dim === '') return false;
    if (dim in out && out[dim] !== value) return false;
    out[dim] = value;
    return true;
  };
  if (!set(batch, 1) || !set(h, height) || !set(w, width)) return null;
  return Object.keys(out).length > 0 ? out : null;
}

export function variantOf(info: ModelInfo): Variant {
  if (info.quantized) return 'quantized';
  if (info.input.elemType === 'float16' || info.tokens.elemType === 'float16') return 'fp16';
  return 'fp32';
}

/**
 * No spinning options: onnxruntime-web runs every session on the environment's global thread
 * pools (its OrtInit creates them; per-session threads are disabled), and both
 * `session.intra_op.allow_spinning` and `session.force_spinning_stop` act on per-session pools
 * only. Measured with onnxruntime-web 1.30 in Node (process CPU time in the 50 ms after a ViT-S
 * run): with 2 threads one core stays busy ~50 ms after every run whatever the options; with 1
 * thread there is no pool and nothing spins.
 */
export async function createSession(
  ort: Ort,
  bytes: ModelBytes,
  backend: Backend,
  fileName: string,
  freeDimensionOverrides?: Record<string, number>,
): Promise<InferenceSession> {
  const options: InferenceSession.SessionOptions = {
    ...(freeDimensionOverrides && { freeDimensionOverrides }),
    // The object form lets the WebGPU provider take options (and graph capture) later.
    executionProviders: backend === 'webgpu' ? [{ name: 'webgpu' }] : [{ name: 'wasm' }],
    graphOptimizationLevel: 'all',
    // Node-placement warnings (shape ops on the CPU) are expected and would only be noise.
    logSeverityLevel: 3,
    ...(bytes.externalData.length > 0 ? { externalData: bytes.externalData } : {}),
  };
  try {
    return await withOrt(() => ort.InferenceSession.create(bytes.model, options));
  } catch (e) {
    if (RUNTIME_FAILED.test(String(e))) {
      throw new ExplorerError(
        'backend-unavailable',
        `The runtime could not be started on ${backend} to load "${fileName}" (${short(e)}). ` +
          'The model file is not at fault: reload the page and try again. If it keeps ' +
          "failing, this site does not serve onnxruntime-web's .wasm files (see its hosting notes).",
        fileName,
      );
    }
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

/**
 * What onnxruntime-web says when its own WebAssembly could not be fetched or started (a site
 * that does not serve the .wasm files, a dropped connection), as opposed to a model it refuses.
 */
const RUNTIME_FAILED =
  /no available backend|failed to fetch|dynamically imported module|fetching of the wasm|WebAssembly\.instantiate|Aborted\(/i;

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
    outputs = await withOrt(() => session.run({ [info.input.name]: input }, [info.tokens.name]));
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
    await withOrt(() => reference.release());
  }
}

/**
 * For an export whose graph does not show its token layout (no CLS concat found: registers
 * unknown), one small run tells: the tokens must be a CLS token, at most 64 registers and the
 * patch grid. A model whose output is something else is refused here, before it replaces the one
 * loaded, instead of failing on every image afterwards.
 */
export async function checkTokenLayout(
  ort: Ort,
  session: InferenceSession,
  info: ModelInfo,
  fileName: string,
  advice: string,
): Promise<void> {
  const [, , h, w] = info.input.dims;
  const height = typeof h === 'number' ? h : info.patchSize * 8;
  const width = typeof w === 'number' ? w : info.patchSize * 8;
  // The reason may be sentences of its own: after a colon, its last full stop ends the first part.
  const refuse = (why: string) =>
    new ExplorerError(
      'not-vit',
      `"${fileName}" does not give DINOv2's tokens: ${why.replace(/\.$/, '')}. ${advice}`,
      fileName,
    );
  let out: TokenOutput;
  try {
    out = await runTokens(ort, session, info, probeInput(height, width), height, width);
  } catch (e) {
    throw refuse(`it fails on a ${width}x${height} probe image: ${short(e)}`);
  }
  try {
    tokenLayout(
      out.tokens,
      Math.floor(height / info.patchSize),
      Math.floor(width / info.patchSize),
      null,
    );
  } catch (e) {
    throw refuse((e as Error).message);
  }
}

function short(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.length > 300 ? `${m.slice(0, 300)}…` : m;
}
