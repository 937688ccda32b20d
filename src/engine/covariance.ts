/**
 * The PCA's expensive step, done by onnxruntime as one Gemm node (multi-threaded SIMD on WASM, the
 * GPU on WebGPU): XcᵀXc over thousands of patch rows (8 images at 448 px: 8,192 x 384, 600 M
 * multiply-adds; about 0.6 s in plain JavaScript, a fifth of that here on one thread), or, with
 * fewer rows than dimensions (one image at 224 px: 256 x 384), the Gram matrix XcXcᵀ (12 ms in
 * JavaScript, a few here). Everything else of the PCA (eigenvectors, projections, colours) stays
 * in src/features.
 */
import type { InferenceSession } from 'onnxruntime-web/webgpu';
import { fitPca, type Pca } from '../features/pca';
import type { FitRequest } from '../features/pca-map';
import { columnMean } from '../features/pca-scatter';
import { intAttr, model, node, valueInfo } from '../model/onnx/test-models';
import { DT_FLOAT } from '../model/onnx/types';
import type { Backend } from './protocol';
import type { Ort } from './runtime';
import { toFloat32 } from './session';

/** Below this many multiply-adds the JavaScript product is as fast as a session call. */
const MIN_WORK = 5e7;
/** The same for the Gram product (the JavaScript one exploits symmetry: half the work). */
const MIN_GRAM_WORK = 4e6;

/** C = XᵀX for X [n, dim]: Gemm with transA. */
export function covarianceModel(dim: number): Uint8Array {
  return model({
    nodes: [node('Gemm', ['X', 'X'], ['C'], 'xtx', [intAttr('transA', 1)])],
    inputs: [valueInfo('X', DT_FLOAT, ['n', dim])],
    outputs: [valueInfo('C', DT_FLOAT, [dim, dim])],
  });
}

/** G = XXᵀ for X [n, dim]: Gemm with transB. */
export function gramModel(dim: number): Uint8Array {
  return model({
    nodes: [node('Gemm', ['X', 'X'], ['G'], 'xxt', [intAttr('transB', 1)])],
    inputs: [valueInfo('X', DT_FLOAT, ['n', dim])],
    outputs: [valueInfo('G', DT_FLOAT, ['n', 'n'])],
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
      const product = await this.product(q, count, gram ? 'g' : 'c');
      this.usedSession = true;
      this.sessionFits++;
      return fitPca(q.data, q.n, q.dim, q.k, {
        seed: q.seed,
        rows: q.rows,
        ...(gram ? { gram: product } : { scatter: product }),
      });
    } catch {
      this.broken = true;
      return fitPca(q.data, q.n, q.dim, q.k, { seed: q.seed, rows: q.rows });
    }
  };

  /** XcᵀXc ('c') or XcXcᵀ ('g') of the request's rows, centred by their mean, in float64. */
  private async product(q: FitRequest, count: number, kind: 'c' | 'g'): Promise<Float64Array> {
    const { data, dim, rows } = q;
    const mean = columnMean(data, q.n, dim, rows);
    const x = new Float32Array(count * dim);
    for (let i = 0; i < count; i++) {
      const o = (rows ? rows[i] : i) * dim;
      for (let j = 0; j < dim; j++) x[i * dim + j] = data[o + j] - mean[j];
    }
    const session = await this.session(dim, kind);
    const out = await session.run({ X: new this.ort.Tensor('float32', x, [count, dim]) });
    const c = kind === 'c' ? out.C : out.G;
    try {
      return Float64Array.from(toFloat32(c.data));
    } finally {
      c.dispose();
    }
  }

  private session(dim: number, kind: 'c' | 'g'): Promise<InferenceSession> {
    const key = `${kind}${dim}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = this.ort.InferenceSession.create(kind === 'c' ? covarianceModel(dim) : gramModel(dim), {
        executionProviders: [{ name: this.backend }],
        logSeverityLevel: 3,
      });
      this.sessions.set(key, s);
    }
    return s;
  }

  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.then((x) => x.release()).catch(() => undefined)));
  }
}
