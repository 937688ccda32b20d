/**
 * The PCA's expensive step, done by onnxruntime as one Gemm node (multi-threaded SIMD on WASM, the
 * GPU on WebGPU): XcᵀXc over thousands of patch rows (8 images at 448 px: 8,192 x 384, 600 M
 * multiply-adds; about 0.6 s in plain JavaScript, a fifth of that here on one thread), or, with
 * fewer rows than dimensions (one image at 224 px: 256 x 384), the Gram matrix XcXcᵀ (12 ms in
 * JavaScript, a few here). Everything else of the PCA (eigenvectors, projections, colours) stays
 * in src/features.
 */
import { withOrt } from './ort-lock';
import type { InferenceSession } from 'onnxruntime-web/webgpu';
import { fitPca, type Pca } from '../features/pca';
import type { FitRequest } from '../features/pca-map';
import { intAttr, intsAttr, model, node, valueInfo } from '../model/onnx/test-models';
import { DT_FLOAT } from '../model/onnx/types';
import type { Backend } from './protocol';
import type { Ort } from './runtime';
import { NO_SPINNING, toFloat32 } from './session';

/** Below this many multiply-adds the JavaScript product is as fast as a session call. */
const MIN_WORK = 5e7;
/** The same for the Gram product (the JavaScript one exploits symmetry: half the work). */
const MIN_GRAM_WORK = 4e6;

/**
 * For X [n, dim]: M = the column mean [1, dim], Xc = X - M, and either C = XcᵀXc [dim, dim] (Gemm
 * with transA) or G = XcXcᵀ [n, n] (Gemm with transB). The mean and centring run in the session
 * too, multi-threaded, so JavaScript neither sums nor copies the rows.
 */
export function productModel(dim: number, kind: 'c' | 'g'): Uint8Array {
  const gemm =
    kind === 'c'
      ? node('Gemm', ['Xc', 'Xc'], ['C'], 'xtx', [intAttr('transA', 1)])
      : node('Gemm', ['Xc', 'Xc'], ['G'], 'xxt', [intAttr('transB', 1)]);
  return model({
    nodes: [
      node('ReduceMean', ['X'], ['M'], 'mean', [intsAttr('axes', [0]), intAttr('keepdims', 1)]),
      node('Sub', ['X', 'M'], ['Xc'], 'centre'),
      gemm,
    ],
    inputs: [valueInfo('X', DT_FLOAT, ['n', dim])],
    outputs: [
      kind === 'c' ? valueInfo('C', DT_FLOAT, [dim, dim]) : valueInfo('G', DT_FLOAT, ['n', 'n']),
      valueInfo('M', DT_FLOAT, [1, dim]),
    ],
  });
}

export class CovarianceFitter {
  /** Per dim and product ('c': XᵀX, 'g': XXᵀ). */
  private sessions = new Map<string, Promise<InferenceSession>>();
  /** Set when the session path failed once; the JavaScript path is then used for good. */
  private broken = false;
  /** Whether the last fit used the session, and how many did (for tests and reports). */
  usedSession = false;
  sessionFits = 0;

  constructor(
    private readonly ort: Ort,
    private readonly backend: Backend,
  ) {}

  /** A PCA fit for the map computation: the covariance product by onnxruntime when it pays. */
  fit = async (q: FitRequest): Promise<Pca> => {
    const count = q.rows ? q.rows.length : q.n;
    this.usedSession = false;
    const gram = count < q.dim;
    const work = gram ? count * count * q.dim : count * q.dim * q.dim;
    if (this.broken || count < 2 || work < (gram ? MIN_GRAM_WORK : MIN_WORK)) {
      return fitPca(q.data, q.n, q.dim, q.k, { seed: q.seed, rows: q.rows });
    }
    try {
      const { product, mean } = await this.product(q, count, gram ? 'g' : 'c');
      this.usedSession = true;
      this.sessionFits++;
      return fitPca(q.data, q.n, q.dim, q.k, {
        seed: q.seed,
        rows: q.rows,
        mean,
        ...(gram ? { gram: product } : { scatter: product }),
      });
    } catch {
      this.broken = true;
      return fitPca(q.data, q.n, q.dim, q.k, { seed: q.seed, rows: q.rows });
    }
  };

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
    const session = await this.session(dim, kind);
    const X = new this.ort.Tensor('float32', x, [count, dim]);
    const out = await withOrt(() => session.run({ X }));
    const c = kind === 'c' ? out.C : out.G;
    try {
      return {
        product: Float64Array.from(toFloat32(c.data)),
        mean: Float64Array.from(toFloat32(out.M.data)),
      };
    } finally {
      c.dispose();
      out.M.dispose();
    }
  }

  private session(dim: number, kind: 'c' | 'g'): Promise<InferenceSession> {
    const key = `${kind}${dim}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = withOrt(() =>
        this.ort.InferenceSession.create(productModel(dim, kind), {
          executionProviders: [{ name: this.backend }],
          logSeverityLevel: 3,
          extra: NO_SPINNING,
        }),
      );
      this.sessions.set(key, s);
    }
    return s;
  }

  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(
      all.map((s) => s.then((x) => withOrt(() => x.release())).catch(() => undefined)),
    );
  }
}
