/**
 * Data for the 3D embedding view, computed in the worker from the features it keeps: one
 * descriptor per image (CLS token or mean of the patch tokens), and the patch tokens of a few
 * images placed by a joint PCA and coloured like the PCA maps. Buffers are transferred.
 */
import { ExplorerError } from '../lib/errors';
import { pcaColours } from '../features/pca-map';
import { fitPca, project } from '../features/pca';
import { patchTokens, tokenLayout } from '../features/tokens';
import type { TokenMemory } from './token-memory';
import type { StoredFeatures } from './embed';
import type {
  DescriptorsRequest,
  DescriptorsResult,
  PatchPointsRequest,
  PatchPointsResult,
} from './protocol';

/** Default cap on patch points: enough for a dense cloud, small enough to stay smooth. */
export const DEFAULT_MAX_PATCH_POINTS = 20_000;
/** The PCA is fitted on at most this many patches, evenly strided (all are projected). */
const MAX_FIT_ROWS = 20_000;
/** The PCA view's seed, so the colours are the same bits as its joint maps (foreground off). */
const SEED = 0x9e3779b9;

export function computeDescriptors(
  req: DescriptorsRequest,
  features: ReadonlyMap<string, StoredFeatures>,
): { result: DescriptorsResult; transfer: Transferable[] } {
  const present = req.imageIds.filter((id) => features.has(id));
  if (present.length === 0) {
    const data = new Float32Array(0);
    return { result: { imageIds: [], dim: 0, data }, transfer: [data.buffer] };
  }
  const dim = features.get(present[0])!.dim;
  const ids = present.filter((id) => features.get(id)!.dim === dim);
  const data = new Float32Array(ids.length * dim);
  // The descriptors kept with the features (L2-normalised, as search ranks them).
  ids.forEach((id, i) => {
    const f = features.get(id)!;
    data.set(req.descriptor === 'cls' ? f.cls : f.mean, i * dim);
  });
  return { result: { imageIds: ids, dim, data }, transfer: [data.buffer] };
}

export async function computePatchPoints(
  req: PatchPointsRequest,
  features: ReadonlyMap<string, StoredFeatures>,
  memory: TokenMemory,
): Promise<{ result: PatchPointsResult; transfer: Transferable[] }> {
  const maxPoints = Math.max(1, Math.floor(req.maxPoints ?? DEFAULT_MAX_PATCH_POINTS));
  const present = req.imageIds
    .map((id, index) => ({ id, index, f: features.get(id) }))
    .filter((x): x is { id: string; index: number; f: StoredFeatures } => !!x.f);
  if (present.length === 0) {
    throw new ExplorerError('no-model', 'These images have no features yet; wait for them.');
  }
  const dim = present[0].f.dim;
  const used = present.filter((x) => x.f.dim === dim);
  const total = used.reduce((s, x) => s + x.f.rows * x.f.cols, 0);

  // Every patch of every image, back to back: the joint pool the PCA is fitted on.
  const pool = new Float32Array(total * dim);
  const owner = new Uint16Array(total);
  const patchOf = new Uint32Array(total);
  let at = 0;
  for (const x of used) {
    const layout = tokenLayout(x.f.tokenCount, x.f.rows, x.f.cols, x.f.registers);
    const np = x.f.rows * x.f.cols;
    // Exact tokens, so the colours are the PCA view's to the bit.
    pool.set(patchTokens(await memory.exact(x.f), layout, dim), at * dim);
    for (let p = 0; p < np; p++) {
      owner[at + p] = x.index;
      patchOf[at + p] = p;
    }
    at += np;
  }

  const k = Math.min(3, dim);
  const fitRows = total > MAX_FIT_ROWS ? strided(total, MAX_FIT_ROWS) : null;
  const pca = fitPca(pool, total, dim, k, { seed: SEED, rows: fitRows });
  const scores = project(pca, pool, total, dim);
  // Colours over all patches (as the PCA view scales them), then the shown subset is taken.
  const allColours = pcaColours(scores, total, k);

  const sampled = total > maxPoints;
  const keep = sampled ? strided(total, maxPoints) : null;
  const m = keep ? keep.length : total;
  const coords = new Float32Array(m * 3);
  const colours = new Float32Array(m * 3);
  const image = new Uint16Array(m);
  const patch = new Uint32Array(m);
  for (let i = 0; i < m; i++) {
    const r = keep ? keep[i] : i;
    for (let c = 0; c < k; c++) coords[i * 3 + c] = scores[r * k + c];
    colours.set(allColours.subarray(r * 3, r * 3 + 3), i * 3);
    image[i] = owner[r];
    patch[i] = patchOf[r];
  }
  const explained = Array.from(pca.explained);
  while (explained.length < 3) explained.push(0);
  return {
    result: {
      coords,
      colours,
      image,
      patch,
      explained,
      sampled,
      total,
      grids: used.map((x) => ({ imageId: x.id, rows: x.f.rows, cols: x.f.cols })),
    },
    transfer: [coords.buffer, colours.buffer, image.buffer, patch.buffer],
  };
}

/** `take` row indices evenly strided through 0..count-1, in order. */
function strided(count: number, take: number): Int32Array {
  const rows = new Int32Array(take);
  for (let i = 0; i < take; i++) rows[i] = Math.floor((i * count) / take);
  return rows;
}
