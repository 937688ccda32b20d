/**
 * The PCA's expensive step, done by onnxruntime in Gemm nodes (multi-threaded SIMD on WASM): XcᵀXc
 * over thousands of patch rows (8 images at 448 px: 8,192 x 384, 600 M multiply-adds; about 0.6 s
 * in plain JavaScript, a fifth of that here on one thread), or, with fewer rows than dimensions
 * (one image at 224 px: 256 x 384), the Gram matrix XcXcᵀ (12 ms in JavaScript, a few here). With
 * a WebGPU model our own kernel (gpu-covariance.ts), over rows kept on the GPU, is measured against
 * that and serves where it is faster (the worker gives the fitter a WASM session whatever the
 * model's backend). Everything else of the PCA (eigenvectors, projections, colours) stays in
 * src/features.
 */
import { OrtBusy, withOrt, withOrtWithin } from './ort-lock';
import type { InferenceSession, Tensor } from 'onnxruntime-web/webgpu';
import { fitPca, type Pca } from '../features/pca';
import { gramWithin } from '../features/pca-scatter';
import type { FitRequest } from '../features/pca-map';
import { intAttr, intsAttr, model, node, valueInfo } from '../model/onnx/test-models';
import { DT_FLOAT } from '../model/onnx/types';
import type { Backend } from './protocol';
import type { Ort } from './runtime';
import { toFloat32 } from './session';
import { MeasuredChoice } from '../lib/measured-choice';
import { GpuCovariance, type GpuFitPart, type GpuProduct } from './gpu-covariance';
import { kernelOn } from './gpu-kept';

/** Below this many multiply-adds the JavaScript product is as fast as a session call. */
const MIN_WORK = 5e7;
/** The same for the Gram product (the JavaScript one exploits symmetry: half the work). */
const MIN_GRAM_WORK = 4e6;
/** About what the JavaScript product does per millisecond (600 M multiply-adds in ~0.6 s). */
const JS_MADDS_PER_MS = 1e6;
/**
 * Below this the GPU kernel is not tried: a round trip to the GPU costs about what JavaScript
 * needs for a product this small (about 1 ms).
 */
const GPU_MIN_WORK = 1e6;

/** Column width of the covariance product's blocks (see productModel). */
const BLOCK = 128;

/**
 * How many equal column blocks the covariance product splits X into: the divisor of `dim` whose
 * width is nearest BLOCK (384 -> 3, 768 -> 6, 1024 -> 8; 1 when none is near).
 */
export function blockCount(dim: number): number {
  let best = 1;
  for (let b = 2; b <= Math.ceil(dim / 32); b++) {
    if (dim % b === 0 && Math.abs(dim / b - BLOCK) < Math.abs(dim / best - BLOCK)) best = b;
  }
  return best;
}

/**
 * For X [n, dim]: M = the column mean [1, dim], Xc = X - M, and either the Gram matrix
 * G = XcXcᵀ [n, n] (Gemm with transB) or the scatter matrix XcᵀXc [dim, dim]. The mean and
 * centring run in the session too, multi-threaded, so JavaScript neither sums nor copies the rows.
 *
 * The scatter matrix is symmetric, so Xc is split into B column blocks and only the blocks on and
 * above the diagonal are multiplied (outputs C{i}_{j} = Xc_iᵀXc_j, i <= j): (B + 1) / 2B of the
 * work. Measured with onnxruntime-web 1.30 in Node, ViT-S joint PCA (8,192 x 384): 135 -> 94 ms
 * on one thread, 97 -> 57-76 ms on two; the values are the same bits as one Gemm's.
 */
export function productModel(dim: number, kind: 'c' | 'g'): Uint8Array {
  const nodes = [
    node('ReduceMean', ['X'], ['M'], 'mean', [intsAttr('axes', [0]), intAttr('keepdims', 1)]),
    node('Sub', ['X', 'M'], ['Xc'], 'centre'),
  ];
  const outputs = [valueInfo('M', DT_FLOAT, [1, dim])];
  if (kind === 'g') {
    nodes.push(node('Gemm', ['Xc', 'Xc'], ['G'], 'xxt', [intAttr('transB', 1)]));
    outputs.unshift(valueInfo('G', DT_FLOAT, ['n', 'n']));
  } else {
    const b = blockCount(dim);
    const w = dim / b;
    const parts = b === 1 ? ['Xc'] : Array.from({ length: b }, (_, i) => `Xc${i}`);
    if (b > 1) nodes.push(node('Split', ['Xc'], parts, 'blocks', [intAttr('axis', 1)]));
    for (let i = 0; i < b; i++) {
      for (let j = i; j < b; j++) {
        const name = `C${i}_${j}`;
        nodes.push(node('Gemm', [parts[i], parts[j]], [name], name, [intAttr('transA', 1)]));
        outputs.push(valueInfo(name, DT_FLOAT, [w, w]));
      }
    }
  }
  return model({ nodes, inputs: [valueInfo('X', DT_FLOAT, ['n', dim])], outputs });
}

/** The full symmetric scatter matrix, in float64, from productModel's upper blocks. */
function scatterFromBlocks(out: Record<string, Tensor>, dim: number): Float64Array {
  const b = blockCount(dim);
  const w = dim / b;
  const c = new Float64Array(dim * dim);
  for (let i = 0; i < b; i++) {
    for (let j = i; j < b; j++) {
      const block = toFloat32(out[`C${i}_${j}`].data);
      for (let r = 0; r < w; r++) {
        const row = (i * w + r) * dim + j * w;
        for (let col = 0; col < w; col++) {
          const v = block[r * w + col];
          c[row + col] = v;
          c[(j * w + col) * dim + i * w + r] = v;
        }
      }
    }
  }
  return c;
}

/** Where a fit's covariance product ran. */
export type CovariancePath = 'javascript' | 'session' | 'gpu';
/** What the fitter needs of the GPU kernel (an interface, so tests can stand in for a device). */
export type CovarianceKernel = Pick<GpuCovariance, 'fits' | 'covariance' | 'forget' | 'usage'> &
  Partial<Pick<GpuCovariance, 'dispose'>>;

/**
 * A GPU answer later than this (or than the other path's median time, when longer) is not waited
 * for: the other path computes that fit, and the GPU's run counts as a loss (a guard, as in
 * similarity-job.ts). The first answer compiles the kernels and uploads the rows, so it gets
 * longer.
 */
const GPU_LATE_MS = 250;
const GPU_FIRST_MS = 10_000;

export class CovarianceFitter {
  /** Per dim and product ('c': XᵀX, 'g': XXᵀ). */
  private sessions = new Map<string, Promise<InferenceSession>>();
  /** Set when the session path failed once; the JavaScript path is then used for good. */
  private broken = false;
  /** Our WGSL kernel on the model's device (WebGPU models), measured against the session. */
  private gpu: CovarianceKernel | null = null;
  private warmed = false;
  /** Per product kind and size (log2 of the multiply-adds, rounded). */
  private choices = new Map<string, MeasuredChoice<CovariancePath>>();
  /** Where the last fit's product ran, and how many ran in a session or on the GPU (for reports). */
  lastPath: CovariancePath = 'javascript';
  sessionFits = 0;
  gpuFits = 0;

  constructor(
    private readonly ort: Ort,
    private readonly backend: Backend,
    private readonly deadlines = { late: GPU_LATE_MS, first: GPU_FIRST_MS },
  ) {}

  /** Whether the last fit used an onnxruntime session. */
  get usedSession(): boolean {
    return this.lastPath === 'session';
  }

  /** A device on the model's GPU, or null (WASM model, or the GPU was lost). */
  useDevice(device: GPUDevice | null): void {
    kernelOn(
      device,
      (d) => new GpuCovariance(d),
      (k) => this.useKernel(k),
      (k) => {
        if (this.gpu === k) this.gpu = null;
      },
    );
  }

  /** The GPU kernel to measure against the session (null: the session only). */
  useKernel(kernel: CovarianceKernel | null): void {
    this.gpu?.dispose?.();
    this.gpu = kernel;
    this.warmed = false;
    this.choices.clear();
  }

  /** The rows kept on the GPU for this key (an image removed or recomputed) go. */
  forget(key: object): void {
    this.gpu?.forget(key);
  }

  /** What the GPU holds and what the measurements chose so far (for reports and tests). */
  status(): {
    gpu: boolean;
    keptBytes: number;
    choices: Record<string, CovariancePath | null>;
  } {
    const choices: Record<string, CovariancePath | null> = {};
    for (const [k, c] of this.choices) choices[k] = c.best();
    return { gpu: this.gpu !== null, keptBytes: this.gpu?.usage().bytes ?? 0, choices };
  }

  /**
   * A PCA fit for the map computation, its covariance product computed where it is fastest:
   * - small products in JavaScript (below MIN_WORK a session call costs more than it saves);
   * - larger ones by an onnxruntime session;
   * - with a WebGPU model, our kernel over rows kept on the GPU, measured against whichever of
   *   those two the size calls for (from GPU_MIN_WORK up: below, any round trip costs more).
   * `force` picks a path where it is a candidate (for the benchmark).
   */
  fit = async (q: FitRequest, force?: CovariancePath): Promise<Pca> => {
    const count = q.rows ? q.rows.length : q.n;
    this.lastPath = 'javascript';
    const gram = count < q.dim;
    const kind = gram ? 'g' : 'c';
    const work = gram ? count * count * q.dim : count * q.dim * q.dim;
    const here = () => fitPca(q.data, q.n, q.dim, q.k, { seed: q.seed, rows: q.rows });
    if (count < 2) return here();
    // A subset of an earlier fit's rows (the foreground): its Gram matrix comes from that fit's
    // in c² steps, cheaper than any product.
    const within = gram && q.within && q.rows ? gramWithin(q.within, q.rows, q.n) : null;
    if (within)
      return fitPca(q.data, q.n, q.dim, q.k, { seed: q.seed, rows: q.rows, gram: within });
    const big = work >= (gram ? MIN_GRAM_WORK : MIN_WORK);
    const fallback: CovariancePath = big && !this.broken ? 'session' : 'javascript';
    const parts = this.gpu && work >= GPU_MIN_WORK ? gpuParts(q) : null;
    const gpu =
      parts &&
      this.gpu!.fits(
        parts.map((p) => p.source),
        count,
      );
    let path: CovariancePath = fallback;
    let choice: MeasuredChoice<CovariancePath> | null = null;
    if (gpu) {
      const bucket = `${fallback}:${kind}${Math.round(Math.log2(work))}`;
      choice = this.choices.get(bucket) ?? null;
      if (!choice) {
        this.choices.set(bucket, (choice = new MeasuredChoice<CovariancePath>([fallback, 'gpu'])));
      }
      path = force === 'gpu' || force === fallback ? force : choice.next();
    }
    // Each path is timed to the finished fit, so that all three compare alike.
    const t0 = performance.now();
    if (path === 'gpu') {
      // undefined: the kernel failed (and is dropped); null: it did not answer in time.
      // Not waited for longer than the other path takes: a GPU that slow has lost anyway.
      const wait = Math.max(
        this.warmed ? this.deadlines.late : this.deadlines.first,
        choice!.medians()[fallback] ?? 0,
      );
      const answer = await this.onGpu(parts!, wait).catch(() => {
        this.useKernel(null); // a device lost or a limit we did not foresee: the fallback serves
        return undefined;
      });
      if (answer === null) choice!.timedOut('gpu');
      if (answer) {
        const pca = fitPca(q.data, q.n, q.dim, q.k, {
          seed: q.seed,
          rows: q.rows,
          mean: answer.mean,
          ...(gram ? { gram: answer.product } : { scatter: answer.product }),
        });
        this.lastPath = 'gpu';
        this.gpuFits++;
        // The first answer compiled the kernels: not what later fits cost. Uploads are counted:
        // the session path pays them on every fit.
        if (this.warmed) choice!.record('gpu', performance.now() - t0);
        this.warmed = true;
        return pca;
      }
    }
    const t1 = performance.now();
    if (fallback === 'javascript') {
      const pca = here();
      choice?.record('javascript', performance.now() - t1);
      return pca;
    }
    try {
      const compiled = this.sessions.has(`${kind}${q.dim}`);
      const { product, mean } = await this.product(q, count, kind);
      const pca = fitPca(q.data, q.n, q.dim, q.k, {
        seed: q.seed,
        rows: q.rows,
        mean,
        ...(gram ? { gram: product } : { scatter: product }),
      });
      // A session's first call builds it: not what later fits cost.
      if (compiled) choice?.record('session', performance.now() - t1);
      this.lastPath = 'session';
      this.sessionFits++;
      return pca;
    } catch (e) {
      // Busy: JavaScript computes this one. Anything else: it does from now on.
      if (!(e instanceof OrtBusy)) this.broken = true;
      return here();
    }
  };

  /** The kernel's product, or null when it did not answer in time (it may still finish). */
  private async onGpu(parts: GpuFitPart[], wait: number): Promise<GpuProduct | null> {
    const call = this.gpu!.covariance(parts);
    const answer = await Promise.race([
      call,
      new Promise<null>((r) => setTimeout(() => r(null), wait)),
    ]);
    if (!answer) call.catch(() => undefined); // nothing waits for it
    return answer;
  }

  /** XcᵀXc ('c') or XcXcᵀ ('g') of the request's rows, centred by their mean, in float64. */
  private async product(
    q: FitRequest,
    count: number,
    kind: 'c' | 'g',
  ): Promise<{ product: Float64Array; mean: Float64Array }> {
    const { data, dim, rows } = q;
    let x = data.subarray(0, count * dim);
    if (rows) {
      x = new Float32Array(count * dim);
      for (let i = 0; i < count; i++)
        x.set(data.subarray(rows[i] * dim, (rows[i] + 1) * dim), i * dim);
    }
    const X = new this.ort.Tensor('float32', x, [count, dim]);
    // Not waited for longer than JavaScript would take for this product: the lock may be held by
    // a model run (or its session being built), which on a slow device takes far longer.
    const work = kind === 'g' ? count * count * dim : count * dim * dim;
    const out = await withOrtWithin(work / JS_MADDS_PER_MS, async () => {
      const session = await this.session(dim, kind);
      return session.run({ X });
    });
    try {
      return {
        product:
          kind === 'c' ? scatterFromBlocks(out, dim) : Float64Array.from(toFloat32(out.G.data)),
        mean: Float64Array.from(toFloat32(out.M.data)),
      };
    } finally {
      for (const t of Object.values(out)) t.dispose();
    }
  }

  /** The session for this product, built on first use; only called holding the onnxruntime lock. */
  private session(dim: number, kind: 'c' | 'g'): Promise<InferenceSession> {
    const key = `${kind}${dim}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = this.ort.InferenceSession.create(productModel(dim, kind), {
        executionProviders: [{ name: this.backend }],
        logSeverityLevel: 3,
      });
      this.sessions.set(key, s);
    }
    return s;
  }

  async release(): Promise<void> {
    this.useKernel(null);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(
      all.map((s) => s.then((x) => withOrt(() => x.release())).catch(() => undefined)),
    );
  }
}

/**
 * The request's rows as per-image parts for the GPU kernel, or null when they cannot be: a part
 * without a key, or rows not in ascending order (the kernel gathers image by image, and the Gram
 * matrix is indexed in the request's row order).
 */
export function gpuParts(q: FitRequest): GpuFitPart[] | null {
  const { parts, rows, dim } = q;
  if (parts.length === 0 || parts.some((p) => !p.key)) return null;
  const starts: number[] = [];
  let at = 0;
  for (const p of parts) {
    starts.push(at);
    at += p.count;
  }
  if (at !== q.n) return null;
  const local: number[][] = parts.map(() => []);
  if (rows) {
    let part = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (i > 0 && r <= rows[i - 1]) return null;
      while (part + 1 < parts.length && r >= starts[part + 1]) part++;
      local[part].push(r - starts[part]);
    }
  }
  return parts.map((p, i) => ({
    source: {
      key: p.key!,
      d: dim,
      count: p.count,
      rows: () => q.data.subarray(starts[i] * dim, (starts[i] + p.count) * dim),
    },
    rows: rows ? Int32Array.from(local[i]) : null,
  }));
}
