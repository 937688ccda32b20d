/**
 * The PCA's covariance product on the GPU (WebGPU), with our own WGSL kernels, on the GPU the
 * model runs on when it runs on WebGPU (a device of our own: see kernelDevice in worker.ts). Each image's exact patch tokens are uploaded
 * once and kept on the GPU (bounded, least recently used first out), so a new PCA (another
 * threshold, the foreground pass, one image more) moves only row indices up and a d x d (or
 * count x count) matrix down, where the onnxruntime Gemm path uploads every row each time. The
 * fitter decides by measurement which of the two serves (see covariance.ts).
 *
 * Four passes, in one compute pass of one submission:
 * 1. gather: the fitted rows of every image (all, or the foreground ones) into one [count, d] buffer;
 *    skipped for a single image fitted whole, whose kept buffer is read directly;
 * 2. mean: the column mean of those rows;
 * 3. product: XcᵀXc ([d, d], many rows) or XcXcᵀ ([count, count], fewer rows than d), centred as
 *    the rows are read, in 64 x 64 blocks (4 x 4 values per thread), the blocks below the
 *    diagonal skipped (the matrix is symmetric; the host mirrors it), in slices of the summed axis;
 * 4. reduce: the slices added up.
 * Float32 throughout, as onnxruntime's Gemm; the fit itself (float64 eigenvectors) stays in
 * src/features.
 */

import { KeptRowsKernel } from './gpu-kept';

/** The GPU memory the kept token matrices may take (the similarity kernel keeps its own). */
const DEFAULT_BUDGET_BYTES = 256 * 1024 * 1024;
/** Output block width of the product kernel (16 x 16 threads, 4 x 4 values each). */
const BLOCK = 64;
/** Rows of t staged in workgroup memory per step (the Gram staging assumes 16). */
const DEPTH = 16;
/** Rows of t per slice of the product (split-K), at most MAX_SLICES slices. */
const SLICE_ROWS = 512;
const MAX_SLICES = 64;
const LINE = 64;

const GATHER = /* wgsl */ `
struct Params { count: u32, d4: u32, outRow: u32, all: u32 };
@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> rows: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

// One invocation per vec4 of the output: x over the row's vec4s, y over the rows.
@compute @workgroup_size(${LINE})
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = id.y * nw.x * ${LINE}u + id.x;
  if (i >= p.count * p.d4) { return; }
  let r = i / p.d4;
  let c = i % p.d4;
  let at = select(rows[r], r, p.all == 1u);
  dst[(p.outRow + r) * p.d4 + c] = src[at * p.d4 + c];
}
`;

const MEAN = /* wgsl */ `
struct Params { count: u32, d: u32 };
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

// One invocation per column; neighbouring invocations read neighbouring floats of a row.
@compute @workgroup_size(${LINE})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let c = id.x;
  if (c >= p.d) { return; }
  var s = 0.0;
  for (var r = 0u; r < p.count; r++) { s += x[r * p.d + c]; }
  mean[c] = s / f32(p.count);
}
`;

/**
 * part[z][a][b] = Σ_t B[a][t] B[b][t] over slice z of t, for the 64 x 64 blocks with a <= b, where
 * B is the centred rows read transposed (scatter: B[a][t] = X[t][a] - m[a], t over rows) or as
 * they are (Gram: B[a][t] = X[a][t] - m[t], t over columns). 16 x 16 threads per block, each
 * accumulating a 4 x 4 square in registers from 16-deep slabs staged in workgroup memory; loads
 * are vec4s along the contiguous axis of either layout. The slices of t (split-K) give a GPU
 * enough blocks to fill it when d is small (ViT-S: 21 blocks); REDUCE adds them up.
 */
const PRODUCT = /* wgsl */ `
struct Params { n: u32, len: u32, d4: u32, gram: u32, slice: u32 };
@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> mean: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

// [k][16 vec4s]: the 64 values of one t (row of the slab) for the block's a (ta) or b (tb).
var<workgroup> ta: array<vec4<f32>, ${DEPTH * 16}>;
var<workgroup> tb: array<vec4<f32>, ${DEPTH * 16}>;

// Stages B[base .. base+64][t0 .. t0+${DEPTH}] into slab; li is the thread's index in the block.
fn stage(li: u32, base: u32, t0: u32, isA: bool) {
  if (p.gram == 1u) {
    // Thread li: row base + li / 4, columns t0 + 4 (li % 4) .. + 3 (one vec4 of that row).
    let r = li / 4u;
    let j = li % 4u;
    let t = t0 + 4u * j;
    var v = vec4<f32>(0.0);
    if (base + r < p.n && t < p.len) { v = x[(base + r) * p.d4 + t / 4u] - mean[t / 4u]; }
    for (var c = 0u; c < 4u; c++) {
      let at = (4u * j + c) * 16u + r / 4u;
      if (isA) { ta[at][r % 4u] = v[c]; } else { tb[at][r % 4u] = v[c]; }
    }
  } else {
    // Thread li: t = t0 + li / 16, values base + 4 (li % 16) .. + 3 (contiguous in the row).
    let k = li / 16u;
    let i = li % 16u;
    let t = t0 + k;
    let a4 = base / 4u + i;
    var v = vec4<f32>(0.0);
    if (t < p.len && a4 < p.d4) { v = x[t * p.d4 + a4] - mean[a4]; }
    if (isA) { ta[k * 16u + i] = v; } else { tb[k * 16u + i] = v; }
  }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  if (wg.y < wg.x) { return; } // below the diagonal (uniform per workgroup)
  let a0 = wg.x * 64u;
  let b0 = wg.y * 64u;
  let li = l.y * 16u + l.x;
  let first = wg.z * p.slice;
  let last = min(p.len, first + p.slice);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var t0 = first; t0 < last; t0 += ${DEPTH}u) {
    stage(li, a0, t0, true);
    stage(li, b0, t0, false);
    workgroupBarrier();
    for (var k = 0u; k < ${DEPTH}u; k++) {
      let av = ta[k * 16u + l.y];
      let bv = tb[k * 16u + l.x];
      acc0 += av.x * bv;
      acc1 += av.y * bv;
      acc2 += av.z * bv;
      acc3 += av.w * bv;
    }
    workgroupBarrier();
  }
  let base = wg.z * p.n * p.n;
  let b = b0 + 4u * l.x;
  var rows = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r < 4u; r++) {
    let a = a0 + 4u * l.y + r;
    if (a >= p.n) { break; }
    for (var c = 0u; c < 4u; c++) {
      if (b + c < p.n) { part[base + a * p.n + b + c] = rows[r][c]; }
    }
  }
}
`;

/** out[i] = Σ_z part[z][i]: the slices of PRODUCT added up. */
const REDUCE = /* wgsl */ `
struct Params { size: u32, slices: u32 };
@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(${LINE})
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = id.y * nw.x * ${LINE}u + id.x;
  if (i >= p.size) { return; }
  var s = 0.0;
  for (var z = 0u; z < p.slices; z++) { s += part[z * p.size + i]; }
  out[i] = s;
}
`;

/** How PRODUCT splits t (`len` long): slices of a multiple of DEPTH, enough to fill a GPU. */
function slicing(len: number): { slices: number; slice: number } {
  const slices = Math.min(MAX_SLICES, Math.max(1, Math.ceil(len / SLICE_ROWS)));
  const slice = Math.ceil(len / slices / DEPTH) * DEPTH;
  return { slices: Math.ceil(len / slice), slice };
}

/** One image's exact patch rows, as the PCA reads them. */
export interface GpuRowSource {
  /** Identity of these tokens: a new key is a new upload (recomputed features get a new one). */
  key: object;
  d: number;
  count: number;
  /** The [count, d] rows, read only when they are not on the GPU yet. */
  rows(): Float32Array;
}

/** One image's part of a fit: its rows, and which of them are fitted (null: all, in order). */
export interface GpuFitPart {
  source: GpuRowSource;
  rows: Int32Array | null;
}

export interface GpuProduct {
  /** XcᵀXc [d, d] or XcXcᵀ [count, count], symmetric, in float64. */
  product: Float64Array;
  /** The column mean of the fitted rows, [d]. */
  mean: Float64Array;
  kind: 'scatter' | 'gram';
  /** How many images had to be uploaded first (the rest were on the GPU already). */
  uploaded: number;
}

export class GpuCovariance extends KeptRowsKernel<GPUBuffer> {
  private readonly gather: GPUComputePipeline;
  private readonly mean: GPUComputePipeline;
  private readonly product: GPUComputePipeline;
  private readonly reduce: GPUComputePipeline;

  constructor(device: GPUDevice, budget = DEFAULT_BUDGET_BYTES) {
    super(device, budget, (b) => b.destroy());
    const pipeline = (code: string) =>
      device.createComputePipeline({
        layout: 'auto',
        compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
      });
    this.gather = pipeline(GATHER);
    this.mean = pipeline(MEAN);
    this.product = pipeline(PRODUCT);
    this.reduce = pipeline(REDUCE);
  }

  /**
   * Whether a fit over images of these shapes (and `fitted` rows in all) can run here: vec4 rows
   * of one width, every buffer within the device's binding limit, the kept rows within the budget.
   */
  fits(shapes: { d: number; count: number }[], fitted: number): boolean {
    if (shapes.length === 0 || !(fitted > 0)) return false;
    const d = shapes[0].d;
    const limit = this.device.limits.maxStorageBufferBindingSize;
    let bytes = 0;
    for (const s of shapes) {
      if (!(s.d === d && d > 0 && d % 4 === 0 && s.count > 0)) return false;
      if (s.d * s.count * 4 > limit) return false;
      bytes += s.d * s.count * 4;
    }
    const n = Math.min(fitted, d);
    const { slices } = slicing(fitted < d ? d : fitted);
    const maxGroups = this.device.limits.maxComputeWorkgroupsPerDimension;
    return (
      bytes <= this.budget &&
      fitted * d * 4 <= limit &&
      slices * n * n * 4 <= limit &&
      Math.ceil(n / BLOCK) <= maxGroups
    );
  }

  /** The centred product of the parts' fitted rows: scatter with at least d rows, else Gram. */
  async covariance(parts: GpuFitPart[]): Promise<GpuProduct> {
    const { device } = this;
    const shapes = parts.map((p) => p.source);
    const fitted = parts.reduce((s, p) => s + (p.rows ? p.rows.length : p.source.count), 0);
    if (!this.fits(shapes, fitted)) throw new RangeError('GpuCovariance: these rows do not fit');
    for (const p of parts) {
      if (p.rows?.some((r) => !(r >= 0 && r < p.source.count))) {
        throw new RangeError('GpuCovariance: a row index is outside its image');
      }
    }
    const d = shapes[0].d;
    const gram = fitted < d;
    const n = gram ? fitted : d;
    const inUse = new Set(parts.map((p) => p.source.key));
    let uploaded = 0;
    const kept = parts.map((p) => {
      if (!this.isKept(p.source.key)) uploaded++;
      return this.keepRows(p.source, inUse);
    });

    const temp: GPUBuffer[] = [];
    const make = (size: number, usage: number, data?: ArrayBufferView) => {
      const b = this.buffer(size, usage, data);
      temp.push(b);
      return b;
    };
    const uniform = (...values: number[]) => {
      const words = new Uint32Array(Math.ceil(values.length / 4) * 4);
      words.set(values);
      return make(words.byteLength, GPUBufferUsage.UNIFORM, words);
    };
    const bind = (pipeline: GPUComputePipeline, buffers: GPUBuffer[]) =>
      device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
      });

    device.pushErrorScope('validation');
    let scoped = true;
    try {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      // 1. The fitted rows, back to back (a single image fitted whole is read where it is kept).
      let x: GPUBuffer;
      if (parts.length === 1 && !parts[0].rows) {
        x = kept[0];
      } else {
        x = make(fitted * d * 4, GPUBufferUsage.STORAGE);
        pass.setPipeline(this.gather);
        let at = 0;
        parts.forEach((p, i) => {
          const count = p.rows ? p.rows.length : p.source.count;
          if (count === 0) return;
          const index = p.rows ? Uint32Array.from(p.rows) : new Uint32Array(1);
          const rows = make(index.byteLength, GPUBufferUsage.STORAGE, index);
          pass.setBindGroup(
            0,
            bind(this.gather, [kept[i], rows, x, uniform(count, d / 4, at, p.rows ? 0 : 1)]),
          );
          pass.dispatchWorkgroups(...this.grid(Math.ceil((count * d) / 4 / LINE)));
          at += count;
        });
      }
      // 2. Their column mean.
      const mean = make(d * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC);
      pass.setPipeline(this.mean);
      pass.setBindGroup(0, bind(this.mean, [x, mean, uniform(fitted, d)]));
      pass.dispatchWorkgroups(Math.ceil(d / LINE));
      // 3. The centred product, upper blocks only, in slices of t; 4. the slices added up.
      const len = gram ? d : fitted;
      const { slices, slice } = slicing(len);
      const part = make(slices * n * n * 4, GPUBufferUsage.STORAGE);
      pass.setPipeline(this.product);
      pass.setBindGroup(
        0,
        bind(this.product, [x, mean, part, uniform(n, len, d / 4, gram ? 1 : 0, slice)]),
      );
      const groups = Math.ceil(n / BLOCK);
      pass.dispatchWorkgroups(groups, groups, slices);
      const out = make(n * n * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC);
      pass.setPipeline(this.reduce);
      pass.setBindGroup(0, bind(this.reduce, [part, out, uniform(n * n, slices)]));
      pass.dispatchWorkgroups(...this.grid(Math.ceil((n * n) / LINE)));
      pass.end();
      const read = make((n * n + d) * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
      enc.copyBufferToBuffer(out, 0, read, 0, n * n * 4);
      enc.copyBufferToBuffer(mean, 0, read, n * n * 4, d * 4);
      device.queue.submit([enc.finish()]);
      scoped = false;
      const error = await device.popErrorScope();
      if (error) throw new Error(`WebGPU covariance: ${error.message}`);
      await read.mapAsync(GPUMapMode.READ);
      const values = new Float32Array(read.getMappedRange(), 0, n * n + d);
      const product = new Float64Array(n * n);
      // The upper triangle was computed; mirror it.
      for (let a = 0; a < n; a++) {
        for (let b = a; b < n; b++) {
          const v = values[a * n + b];
          product[a * n + b] = v;
          product[b * n + a] = v;
        }
      }
      const meanOut = Float64Array.from(values.subarray(n * n));
      read.unmap();
      return { product, mean: meanOut, kind: gram ? 'gram' : 'scatter', uploaded };
    } finally {
      if (scoped) void device.popErrorScope().catch(() => undefined);
      for (const b of temp) b.destroy();
    }
  }

  /** Workgroups for `count` in x, folded into y past the per-dimension limit. */
  private grid(count: number): [number, number] {
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    return count <= max ? [Math.max(count, 1), 1] : [max, Math.ceil(count / max)];
  }

  private keepRows(s: GpuRowSource, inUse: Set<object>): GPUBuffer {
    return this.keep(s.key, inUse, () => {
      const rows = s.rows();
      if (rows.length !== s.count * s.d) {
        throw new RangeError('GpuCovariance: rows do not match the declared shape');
      }
      return {
        bytes: rows.byteLength,
        upload: () => this.buffer(rows.byteLength, GPUBufferUsage.STORAGE, rows),
      };
    });
  }
}
