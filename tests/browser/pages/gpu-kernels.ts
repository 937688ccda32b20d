/**
 * Entry of the GPU kernel test page (tests/browser/gpu-kernels.test.ts): the WGSL kernels and the
 * CPU functions they must agree with, on `window` for page.evaluate.
 */
import { GpuCovariance } from '../../../src/engine/gpu-covariance';
import { GpuPatchSimilarity } from '../../../src/engine/gpu-similarity';
import { cosineToRows } from '../../../src/features/patch-similarity';
import { fitPca } from '../../../src/features/pca';
import { columnMean, gramMatrix, scatterMatrix } from '../../../src/features/pca-scatter';

const kernels = {
  GpuPatchSimilarity,
  cosineToRows,
  GpuCovariance,
  fitPca,
  columnMean,
  scatterMatrix,
  gramMatrix,
};
export type Kernels = typeof kernels;
(window as unknown as { kernels: Kernels }).kernels = kernels;
