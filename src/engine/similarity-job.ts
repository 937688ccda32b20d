/**
 * The patch-similarity job with its two paths: the WASM loop (retrieval-job.ts) and, when the
 * model runs on WebGPU, our WGSL kernel on the model's GPU, with the patch tokens kept
 * on the GPU (gpu-similarity.ts). Which one serves is decided by timing both on the requests users
 * make (MeasuredChoice), per workload size: a single small image is faster on the CPU than a GPU
 * round trip, many large ones may not be. A GPU failure drops the GPU path for good.
 */
import { MeasuredChoice } from '../lib/measured-choice';
import type { StoredFeatures } from './embed';
import { kernelOn } from './gpu-kept';
import { GpuPatchSimilarity } from './gpu-similarity';
import type { PatchSimilarityRequest, PatchSimilarityResult } from './protocol';
import { patchSet, patchSimilarity, similarityPlan } from './retrieval-job';
import type { TokenMemory } from './token-memory';

type Path = PatchSimilarityResult['path'];
type Job = { result: PatchSimilarityResult; transfer: Transferable[] };
/** What the job needs of the GPU kernel (an interface, so tests can stand in for a device). */
export type SimilarityKernel = Pick<GpuPatchSimilarity, 'fits' | 'cosines' | 'forget' | 'usage'> &
  Partial<Pick<GpuPatchSimilarity, 'dispose'>>;

/**
 * A GPU answer later than this is not waited for: the CPU answers that request, and the GPU's run
 * counts as a loss (so the measurement turns to the CPU). A guard: on onnxruntime's device,
 * Chromium on SwiftShader resolved a read-back seconds late in about one hover in ten (see
 * kernelDevice in worker.ts); on the kernels' own device none was.
 */
const GPU_LATE_MS = 250;
/** The same for a kernel's first answer, which compiles the pipeline and uploads the tokens. */
const GPU_FIRST_MS = 10_000;

export class PatchSimilarityJob {
  private gpu: SimilarityKernel | null = null;
  /** Per workload size (log2 of the multiply-adds, rounded). */
  private choices = new Map<number, MeasuredChoice<Path>>();

  /** Whether the current kernel answered once (its first answer may take longer). */
  private warmed = false;

  constructor(private readonly deadlines = { late: GPU_LATE_MS, first: GPU_FIRST_MS }) {}

  /** A device on the model's GPU, or null (WASM model, or the GPU was lost). */
  useDevice(device: GPUDevice | null): void {
    kernelOn(
      device,
      (d) => new GpuPatchSimilarity(d),
      (k) => this.useKernel(k),
      (k) => {
        if (this.gpu === k) this.gpu = null;
      },
    );
  }

  /** The GPU kernel to measure against the WASM loop (null: WASM only). */
  useKernel(kernel: SimilarityKernel | null): void {
    this.gpu?.dispose?.();
    this.gpu = kernel;
    this.warmed = false;
    this.choices.clear();
  }

  /** The features were removed or replaced: their GPU copy goes. */
  forget(f: StoredFeatures): void {
    this.gpu?.forget(f);
  }

  /** What the GPU holds and what the measurements chose so far (for reports and tests). */
  status(): { gpu: boolean; keptBytes: number; choices: Record<string, Path | null> } {
    const choices: Record<string, Path | null> = {};
    for (const [k, c] of this.choices) choices[k] = c.best();
    return { gpu: this.gpu !== null, keptBytes: this.gpu?.usage().bytes ?? 0, choices };
  }

  async run(
    features: Map<string, StoredFeatures>,
    memory: TokenMemory,
    req: PatchSimilarityRequest,
    force?: Path,
  ): Promise<Job> {
    const gpu = this.gpu;
    const plan = gpu ? similarityPlan(features, memory, req) : null;
    const shapes = plan?.images.map(({ f }) => ({ d: f.dim, count: f.rows * f.cols })) ?? [];
    if (!gpu || !plan || !gpu.fits(shapes) || force === 'wasm') {
      return patchSimilarity(features, memory, req, plan ?? undefined);
    }
    const work = shapes.reduce((s, x) => s + x.d * x.count, 0);
    const bucket = Math.round(Math.log2(Math.max(1, work)));
    let choice = this.choices.get(bucket);
    if (!choice) this.choices.set(bucket, (choice = new MeasuredChoice<Path>(['wasm', 'gpu'])));
    const path = force ?? choice.next();
    const t0 = performance.now();
    if (path === 'wasm') {
      const job = patchSimilarity(features, memory, req, plan);
      choice.record('wasm', performance.now() - t0);
      return job;
    }
    try {
      const call = gpu.cosines(
        plan.query,
        plan.images.map(({ f }) => ({
          key: f,
          d: f.dim,
          count: f.rows * f.cols,
          rows: () => {
            const p = patchSet(memory, f);
            return {
              tokens: p.tokens.subarray(p.start * p.d, (p.start + p.count) * p.d),
              norms: p.norms.subarray(p.start, p.start + p.count),
            };
          },
        })),
      );
      const answer = await Promise.race([
        call,
        new Promise<null>((r) =>
          setTimeout(() => r(null), this.warmed ? this.deadlines.late : this.deadlines.first),
        ),
      ]);
      if (!answer) {
        call.catch(() => undefined); // it may still finish; nothing waits for it
        choice.timedOut('gpu');
        return patchSimilarity(features, memory, req, plan);
      }
      this.warmed = true;
      const { cosines: values, uploaded } = answer;
      const ms = performance.now() - t0;
      // An upload is paid once per image; the choice is about the updates after it.
      if (uploaded === 0) choice.record('gpu', ms);
      const maps = plan.images.map(({ id, f }, i) => ({
        imageId: id,
        rows: f.rows,
        cols: f.cols,
        values: values[i],
      }));
      return {
        result: { imageId: req.imageId, patch: req.patch, maps, ms, path: 'gpu' },
        transfer: maps.map((m) => m.values.buffer as ArrayBuffer),
      };
    } catch {
      // A device lost or a limit we did not foresee: the CPU answers, now and from now on.
      this.useDevice(null);
      return patchSimilarity(features, memory, req, plan);
    }
  }
}
