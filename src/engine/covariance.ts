/**
 * The PCA's expensive step, done by onnxruntime in Gemm nodes (multi-threaded SIMD on WASM, the
 * GPU on WebGPU): XcᵀXc over thousands of patch rows (8 images at 448 px: 8,192 x 384, 600 M
 * multiply-adds; about 0.6 s in plain JavaScript, a fifth of that here on one thread), or, with
 * fewer rows than dimensions (one image at 224 px: 256 x 384), the Gram matrix XcXcᵀ (12 ms in
 * JavaScript, a few here). Everything else of the PCA (eigenvectors, projections, colours) stays
 * in src/features.
 */
import { withOrt } from './ort-lock';
import type { InferenceSession, Tensor } from 'onnxruntime-web/webgpu';
import { fitPca, type Pca } from '../features/pca';
import type { FitRequest } from '../features/pca-map';
import { intAttr, intsAttr, model, node, valueInfo } from '../model/onnx/test-models';
import { DT_FLOAT } from '../model/onnx/types';
import type { Backend } from './protocol';
import type { Ort } from './runtime';
import { toFloat32 } from './session';

/** Below this many multiply-adds the JavaScript product is as fast as a session call. */
const MIN_WORK = 5e7;
/** The same for the Gram product (the JavaScript one exploits symmetry: half the work). */
const MIN_GRAM_WORK = 4e6;

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

  private session(dim: number, kind: 'c' | 'g'): Promise<InferenceSession> {
    const key = `${kind}${dim}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = withOrt(() =>
        this.ort.InferenceSession.create(productModel(dim, kind), {
          executionProviders: [{ name: this.backend }],
          logSeverityLevel: 3,
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
