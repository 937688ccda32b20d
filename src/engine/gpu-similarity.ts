/**
 * Patch similarity on the GPU (WebGPU), with our own WGSL kernel, on the GPU the model runs on
 * when it runs on WebGPU (a device of our own: see kernelDevice in worker.ts). Each image's patch tokens are uploaded once and kept on the GPU
 * (bounded, least recently used first out), so a hover update moves only the query vector up and
 * the cosines down. The worker decides by measurement whether this or the WASM loop serves (see
 * MeasuredChoice); both give the same cosines to float32 rounding.
 */

import { KeptRowsKernel } from './gpu-kept';

/** The GPU memory the kept token matrices may take. */
const DEFAULT_BUDGET_BYTES = 512 * 1024 * 1024;
const WORKGROUP = 64;

/**
 * One invocation per patch row: the dot product with the query, over vec4s, divided by the two
 * norms (0 where either is 0, as cosineToRows does).
 */
const SHADER = /* wgsl */ `
struct Params { count: u32, d4: u32, outOffset: u32, queryNorm: f32 };
@group(0) @binding(0) var<storage, read> rows: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> norms: array<f32>;
@group(0) @binding(2) var<storage, read> query: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> cosines: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= p.count) { return; }
  let base = i * p.d4;
  var acc = 0.0;
  for (var j = 0u; j < p.d4; j++) {
    acc += dot(rows[base + j], query[j]);
  }
  let den = p.queryNorm * norms[i];
  cosines[p.outOffset + i] = select(0.0, acc / den, den > 0.0);
}
`;

/** The patch rows of one image, as the WASM path reads them (see patchSet in retrieval-job). */
export interface GpuPatchSource {
  /** Identity of these tokens: a new key is a new upload (recomputed features get a new one). */
  key: object;
  d: number;
  count: number;
  /** [count, d] patch rows, made only when the rows are not on the GPU yet. */
  rows(): { tokens: Float32Array; norms: Float32Array };
}

interface Kept {
  rows: GPUBuffer;
  norms: GPUBuffer;
  count: number;
  d: number;
}

export class GpuPatchSimilarity extends KeptRowsKernel<Kept> {
  private readonly pipeline: GPUComputePipeline;

  constructor(device: GPUDevice, budget = DEFAULT_BUDGET_BYTES) {
    super(device, budget, (k) => {
      k.rows.destroy();
      k.norms.destroy();
    });
    this.pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: SHADER }), entryPoint: 'main' },
    });
  }

  /**
   * Whether images of these shapes can go through one call: vec4 rows, each within the device's
   * binding limit, and all of them (rows and norms) within the budget.
   */
  fits(shapes: { d: number; count: number }[]): boolean {
    let bytes = 0;
    for (const { d, count } of shapes) {
      if (!(d > 0 && d % 4 === 0 && count > 0)) return false;
      if (d * count * 4 > this.device.limits.maxStorageBufferBindingSize) return false;
      bytes += count * (d + 1) * 4;
    }
    return shapes.length > 0 && bytes <= this.budget;
  }

  /**
   * Cosine of `query` with every patch row of each source, in order, and how many sources had to
   * be uploaded first (the rest were on the GPU already).
   */
  async cosines(
    query: Float32Array,
    sources: GpuPatchSource[],
  ): Promise<{ cosines: Float32Array[]; uploaded: number }> {
    const { device } = this;
    if (!this.fits(sources)) throw new RangeError('GpuPatchSimilarity: these rows do not fit');
    let qn = 0;
    for (let j = 0; j < query.length; j++) qn += query[j] * query[j];
    qn = Math.sqrt(qn);
    const total = sources.reduce((s, x) => s + x.count, 0);
    const inUse = new Set(sources.map((s) => s.key));
    let uploaded = 0;
    const kept = sources.map((s) => {
      if (!this.isKept(s.key)) uploaded++;
      return this.keepRows(s, inUse);
    });
    const queryBuf = this.buffer(query.byteLength, GPUBufferUsage.STORAGE, query);
    const out = this.buffer(
      Math.max(4, total * 4),
      GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    );
    const read = this.buffer(
      Math.max(4, total * 4),
      GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    );
    const params: GPUBuffer[] = [];
    // A validation error would only be logged (onnxruntime's handler) and leave zeros: catch it.
    device.pushErrorScope('validation');
    let scoped = true;
    try {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(this.pipeline);
      let offset = 0;
      for (const k of kept) {
        const p = new ArrayBuffer(16);
        new Uint32Array(p, 0, 3).set([k.count, k.d / 4, offset]);
        new Float32Array(p, 12, 1)[0] = qn;
        const pb = this.buffer(16, GPUBufferUsage.UNIFORM, new Uint8Array(p));
        params.push(pb);
        pass.setBindGroup(
          0,
          device.createBindGroup({
            layout: this.pipeline.getBindGroupLayout(0),
            entries: [
              { binding: 0, resource: { buffer: k.rows } },
              { binding: 1, resource: { buffer: k.norms } },
              { binding: 2, resource: { buffer: queryBuf } },
              { binding: 3, resource: { buffer: out } },
              { binding: 4, resource: { buffer: pb } },
            ],
          }),
        );
        pass.dispatchWorkgroups(Math.ceil(k.count / WORKGROUP));
        offset += k.count;
      }
      pass.end();
      enc.copyBufferToBuffer(out, 0, read, 0, total * 4);
      device.queue.submit([enc.finish()]);
      scoped = false;
      const error = await device.popErrorScope();
      if (error) throw new Error(`WebGPU patch similarity: ${error.message}`);
      await read.mapAsync(GPUMapMode.READ);
      const range = read.getMappedRange();
      let at = 0;
      // One copy per image out of the mapped range (each is transferred to the UI on its own).
      const cosines = kept.map((k) => {
        const part = new Float32Array(range, at * 4, k.count).slice();
        at += k.count;
        return part;
      });
      read.unmap();
      return { cosines, uploaded };
    } finally {
      if (scoped) void device.popErrorScope().catch(() => undefined);
      for (const b of [queryBuf, out, read, ...params]) b.destroy();
    }
  }

  private keepRows(s: GpuPatchSource, inUse: Set<object>): Kept {
    return this.keep(s.key, inUse, () => {
      const { tokens, norms } = s.rows();
      if (tokens.length !== s.count * s.d || norms.length !== s.count) {
        throw new RangeError('GpuPatchSimilarity: rows do not match the declared shape');
      }
      return {
        bytes: tokens.byteLength + norms.byteLength,
        upload: () => ({
          rows: this.buffer(tokens.byteLength, GPUBufferUsage.STORAGE, tokens),
          norms: this.buffer(norms.byteLength, GPUBufferUsage.STORAGE, norms),
          count: s.count,
          d: s.d,
        }),
      };
    });
  }
}
