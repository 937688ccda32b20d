/**
 * Entry of the GPU kernel test page (tests/browser/gpu-similarity.test.ts): the WGSL kernel and
 * the CPU function it must agree with, on `window` for page.evaluate.
 */
import { GpuPatchSimilarity } from '../../../src/engine/gpu-similarity';
import { cosineToRows } from '../../../src/features/patch-similarity';

const kernels = { GpuPatchSimilarity, cosineToRows };
export type Kernels = typeof kernels;
(window as unknown as { kernels: Kernels }).kernels = kernels;
