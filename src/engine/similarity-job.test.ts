import { describe, expect, it } from 'vitest';
import { cosineToRows } from '../features/patch-similarity';
import { makeStored, type StoredFeatures } from './embed';
import type { PatchSimilarityRequest } from './protocol';
import { PatchSimilarityJob, type SimilarityKernel } from './similarity-job';
import { TokenMemory } from './token-memory';

const DIM = 8;
const GRID = 3;

function image(seed: number): StoredFeatures {
  const tokenCount = 1 + GRID * GRID;
  const tokens = Float32Array.from({ length: tokenCount * DIM }, (_, i) => Math.sin(seed * 7 + i));
  return makeStored(tokens, {
    tokenCount,
    dim: DIM,
    registers: 0,
    rows: GRID,
    cols: GRID,
    inputHeight: GRID * 14,
    inputWidth: GRID * 14,
    source: {
      file: new Blob([]),
      fileName: `${seed}.png`,
      preprocess: { mode: 'dense', resolution: GRID * 14, background: 'white' },
    },
  });
}

/** A stand-in for the WebGPU kernel: right answers at once or after 40 ms, never, or an error. */
function kernel(mode: 'right' | 'slow' | 'never' | 'fail'): SimilarityKernel & { calls: number } {
  const k = {
    calls: 0,
    fits: () => true,
    forget: () => undefined,
    usage: () => ({ bytes: 0, images: 0 }),
    cosines: (query: Float32Array, sources: Parameters<SimilarityKernel['cosines']>[1]) => {
      k.calls++;
      if (mode === 'never') return new Promise<never>(() => undefined);
      if (mode === 'fail') return Promise.reject(new Error('device lost'));
      const cosines = sources.map((s) => {
        const { tokens, norms } = s.rows();
        return cosineToRows(query, tokens, s.d, 0, s.count, norms);
      });
      const answer = { cosines, uploaded: 0 };
      return mode === 'slow'
        ? new Promise<typeof answer>((r) => setTimeout(() => r(answer), 40))
        : Promise.resolve(answer);
    },
  };
  return k;
}

function setup() {
  const memory = new TokenMemory(() => Promise.resolve(null));
  const features = new Map([
    ['a', image(1)],
    ['b', image(2)],
  ]);
  for (const f of features.values()) memory.saved(f);
  const req = (patch: number): PatchSimilarityRequest => ({
    type: 'patchSimilarity',
    imageId: 'a',
    patch,
    targets: ['b'],
  });
  return { memory, features, req };
}

describe('PatchSimilarityJob', () => {
  it('measures both paths, which give the same maps', async () => {
    const { memory, features, req } = setup();
    const job = new PatchSimilarityJob();
    const gpu = kernel('right');
    job.useKernel(gpu);
    const paths: string[] = [];
    let cpu: Float32Array[] | null = null;
    for (let i = 0; i < 8; i++) {
      const { result } = await job.run(features, memory, req(4));
      paths.push(result.path);
      if (result.path === 'wasm') cpu = result.maps.map((m) => m.values);
      else if (cpu) expect(result.maps.map((m) => m.values)).toEqual(cpu);
    }
    expect(paths.slice(0, 6).sort()).toEqual(['gpu', 'gpu', 'gpu', 'wasm', 'wasm', 'wasm']);
    expect(Object.values(job.status().choices)[0]).not.toBeNull();
  });

  it('answers from the CPU when the GPU is late, and then prefers the CPU', async () => {
    const { memory, features, req } = setup();
    const job = new PatchSimilarityJob({ late: 15, first: 30 });
    const gpu = kernel('never');
    job.useKernel(gpu);
    for (let i = 0; i < 10; i++) {
      const { result } = await job.run(features, memory, req(i % 9));
      expect(result.path).toBe('wasm');
      expect(result.maps.map((m) => m.imageId)).toEqual(['a', 'b']);
    }
    expect(gpu.calls).toBe(3); // its samples, then no more
    expect(Object.values(job.status().choices)).toEqual(['wasm']);
  });

  it('waits longer for the first GPU answer (pipeline and uploads) than for the later ones', async () => {
    const { memory, features, req } = setup();
    const job = new PatchSimilarityJob({ late: 15, first: 200 });
    job.useKernel(kernel('slow'));
    const paths: string[] = [];
    for (let i = 0; i < 4; i++) paths.push((await job.run(features, memory, req(1))).result.path);
    // wasm, gpu (first: waited for), wasm, gpu (late: the CPU answered)
    expect(paths).toEqual(['wasm', 'gpu', 'wasm', 'wasm']);
  });

  it('drops the GPU after a failure and answers from the CPU', async () => {
    const { memory, features, req } = setup();
    const job = new PatchSimilarityJob();
    job.useKernel(kernel('fail'));
    const paths: string[] = [];
    for (let i = 0; i < 4; i++) paths.push((await job.run(features, memory, req(0))).result.path);
    expect(paths).toEqual(['wasm', 'wasm', 'wasm', 'wasm']);
    expect(job.status().gpu).toBe(false);
  });
});
