/**
 * The DINOv2 PCA picture: the first three principal components of the patch tokens shown as RGB.
 *
 * With `foregroundOnly` this follows the official recipe: a first PCA, whose first component
 * separates object from background; its scores min-max normalized to [0, 1] and thresholded give the
 * foreground; a second PCA fitted on the foreground patches only gives the colours, and the
 * background is black. A joint fit pools every image's patches, so a colour means the same feature
 * in every image; a per-image fit gives each image its own basis and scaling.
 */
import { fitPca, project, type Pca } from './pca';
import type { GramOfRows } from './pca-scatter';

/** One PCA fit the map computation needs; a driver answers it (here, or asynchronously). */
export interface FitRequest {
  data: Float32Array;
  n: number;
  dim: number;
  k: number;
  seed: number;
  rows: Int32Array | null;
  /**
   * The images whose patches `data` holds, back to back: each one's row count and the caller's
   * key for it (PcaImage.key), so a driver can find rows it keeps elsewhere (on the GPU).
   */
  parts: { key?: object; count: number }[];
  /** The first fit's Gram matrix, for the foreground fit (see PcaOptions.within). */
  within?: GramOfRows | null;
}

type Steps<T> = Generator<FitRequest, T, Pca>;

export interface PcaImage {
  /** Patch tokens, [rows * cols, dim], row-major (e.g. from `patchTokens`). */
  patches: Float32Array;
  rows: number;
  cols: number;
  /** The caller's identity for these patches, passed on in FitRequest.parts. */
  key?: object;
}

export interface PcaMapOptions {
  joint: boolean;
  foregroundOnly: boolean;
  /** Foreground cut on the first component's scores min-max normalized to [0, 1]; default 0.5. */
  threshold?: number;
  /** Foreground is normalized < threshold instead of >; 'auto' picks it by `autoForegroundSign`. */
  invert: boolean | 'auto';
  /**
   * Fit each PCA on at most this many patches, evenly strided through the pool (all patches are
   * still projected and coloured). The fit costs rows x dim² / 2 multiply-adds, so this bounds the
   * time for many large images at a tiny, deterministic loss of exactness. Default: all patches.
   */
  maxFitRows?: number;
}

export interface PcaMap {
  /** [rows * cols, 3] in [0, 1]; background (and missing components) 0. */
  colours: Float32Array;
  /**
   * 1 for foreground patches; null when foreground-only is off. With `foregroundFallback` it is
   * the (nearly empty) mask that was too small to fit on, and the colours ignore it.
   */
  mask: Uint8Array | null;
  rows: number;
  cols: number;
  /** The invert flag this image's foreground used (per-image 'auto' may differ between images). */
  inverted: boolean;
  /**
   * Foreground-only was asked for, but fewer than 3 patches of its group passed the threshold:
   * the colours are the first (whole-image) PCA's, and `explained` is that PCA's.
   */
  foregroundFallback: boolean;
}

export interface PcaMaps {
  maps: PcaMap[];
  /** Explained variance ratio per colour component: of the joint basis, or per-image mean. */
  explained: number[];
  /** Per image, the explained ratios of the basis its colours came from (joint: the same). */
  perImageExplained: number[][];
  /** The invert flag used: the joint one, or the first image's when per image. */
  invertUsed: boolean;
}

/** Fixed so that the same input gives the same bits. */
const SEED = 0x9e3779b9;
/** The second PCA needs a few foreground patches to mean anything. */
const MIN_FOREGROUND = 3;

/**
 * RGB from PCA scores ([n, k], row-major): channel c < min(k, 3) is component c min-max scaled to
 * [0, 1] over `rows` (or all n); rows not listed and channels beyond k are 0. A constant channel
 * maps to 0.5.
 */
export function pcaColours(
  scores: Float32Array,
  n: number,
  k = 3,
  opts: { rows?: Int32Array } = {},
): Float32Array {
  if (scores.length < n * k) throw new RangeError(`pcaColours: ${scores.length} < [${n}, ${k}]`);
  const out = new Float32Array(n * 3);
  const rows = opts.rows;
  const count = rows ? rows.length : n;
  for (let c = 0; c < Math.min(k, 3); c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < count; i++) {
      const v = scores[(rows ? rows[i] : i) * k + c];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const scale = hi > lo ? 1 / (hi - lo) : 0;
    for (let i = 0; i < count; i++) {
      const r = rows ? rows[i] : i;
      out[r * 3 + c] = scale > 0 ? Math.min(1, Math.max(0, (scores[r * k + c] - lo) * scale)) : 0.5;
    }
  }
  return out;
}

/**
 * Foreground from first-component scores: min-max normalized to [0, 1] over the whole array, then
 * > threshold (or < threshold when inverted). Constant scores normalize to 0.
 */
export function foregroundMask(
  firstComponent: Float32Array,
  threshold: number,
  invert: boolean,
): Uint8Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < firstComponent.length; i++) {
    const v = firstComponent[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = hi > lo ? 1 / (hi - lo) : 0;
  const mask = new Uint8Array(firstComponent.length);
  for (let i = 0; i < firstComponent.length; i++) {
    const t = (firstComponent[i] - lo) * scale;
    mask[i] = (invert ? t < threshold : t > threshold) ? 1 : 0;
  }
  return mask;
}

/**
 * The automatic invert flag: the object is usually central, so the sign is chosen for which the
 * border patches score low (background) and the central ones high. True when the border's mean
 * first-component score exceeds the centre's.
 */
export function autoForegroundSign(
  firstComponent: Float32Array,
  rows: number,
  cols: number,
): boolean {
  return borderMinusCentre(firstComponent, 0, rows, cols) > 0;
}

/**
 * Mean score of the outer ring of patches minus that of the central half (rows and columns from a
 * quarter to three quarters, ring excluded). 0 when the grid is too small to have both.
 */
function borderMinusCentre(
  scores: Float32Array,
  offset: number,
  rows: number,
  cols: number,
): number {
  const r0 = Math.floor(rows / 4);
  const r1 = Math.ceil((3 * rows) / 4);
  const c0 = Math.floor(cols / 4);
  const c1 = Math.ceil((3 * cols) / 4);
  let border = 0;
  let nBorder = 0;
  let centre = 0;
  let nCentre = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = scores[offset + r * cols + c];
      if (r === 0 || c === 0 || r === rows - 1 || c === cols - 1) {
        border += v;
        nBorder++;
      } else if (r >= r0 && r < r1 && c >= c0 && c < c1) {
        centre += v;
        nCentre++;
      }
    }
  }
  return nBorder > 0 && nCentre > 0 ? border / nBorder - centre / nCentre : 0;
}

/**
 * PCA colour maps for a set of images (all with the same dim). Joint: one basis and one colour
 * scaling over all images' patches (concatenated once). Per image: each its own.
 *
 * Foreground fallback: when fewer than 3 patches pass the threshold (in the joint pool, or in an
 * image when per image), the foreground split is dropped for that group: its colours come from the
 * first PCA over all its patches, and its maps say so (`foregroundFallback`, with the small mask
 * that did pass). An image with no foreground inside a joint pool that has enough is simply all
 * black, with its (empty) mask.
 */
export function computePcaMaps(images: PcaImage[], dim: number, opts: PcaMapOptions): PcaMaps {
  const steps = pcaMapSteps(images, dim, opts);
  let r = steps.next();
  while (!r.done) {
    const q = r.value;
    r = steps.next(
      fitPca(q.data, q.n, q.dim, q.k, { seed: q.seed, rows: q.rows, within: q.within }),
    );
  }
  return r.value;
}

/**
 * computePcaMaps with the fits done by `fit` (e.g. a covariance product run by onnxruntime off
 * the JS thread); everything else is identical.
 */
export async function computePcaMapsAsync(
  images: PcaImage[],
  dim: number,
  opts: PcaMapOptions,
  fit: (q: FitRequest) => Promise<Pca>,
): Promise<PcaMaps> {
  const steps = pcaMapSteps(images, dim, opts);
  let r = steps.next();
  while (!r.done) r = steps.next(await fit(r.value));
  return r.value;
}

function* pcaMapSteps(images: PcaImage[], dim: number, opts: PcaMapOptions): Steps<PcaMaps> {
  for (const im of images) {
    if (im.patches.length !== im.rows * im.cols * dim) {
      throw new RangeError(
        `computePcaMaps: ${im.patches.length} values are not a ${im.rows}x${im.cols} grid of ${dim}`,
      );
    }
  }
  if (images.length === 0) {
    return { maps: [], explained: [], perImageExplained: [], invertUsed: opts.invert === true };
  }
  if (opts.joint) {
    const total = images.reduce((s, im) => s + im.rows * im.cols, 0);
    let data = images[0].patches;
    if (images.length > 1) {
      data = new Float32Array(total * dim);
      let at = 0;
      for (const im of images) {
        data.set(im.patches, at);
        at += im.patches.length;
      }
    }
    const g = yield* mapGroup(data, total, dim, images, opts);
    const explained = Array.from(g.explained);
    let off = 0;
    const maps = images.map((im) => {
      const np = im.rows * im.cols;
      const map: PcaMap = {
        colours: g.colours.subarray(off * 3, (off + np) * 3),
        mask: g.mask ? g.mask.subarray(off, off + np) : null,
        rows: im.rows,
        cols: im.cols,
        inverted: g.inverted,
        foregroundFallback: g.fallback,
      };
      off += np;
      return map;
    });
    return {
      maps,
      explained,
      perImageExplained: images.map(() => explained.slice()),
      invertUsed: g.inverted,
    };
  }
  const groups = [];
  for (const im of images)
    groups.push(yield* mapGroup(im.patches, im.rows * im.cols, dim, [im], opts));
  const perImageExplained = groups.map((g) => Array.from(g.explained));
  const explained = perImageExplained[0].map(
    (_, c) => perImageExplained.reduce((s, e) => s + e[c], 0) / perImageExplained.length,
  );
  return {
    maps: groups.map((g, i) => ({
      colours: g.colours,
      mask: g.mask,
      rows: images[i].rows,
      cols: images[i].cols,
      inverted: g.inverted,
      foregroundFallback: g.fallback,
    })),
    explained,
    perImageExplained,
    invertUsed: groups[0].inverted,
  };
}

/** One fit over `data` ([n, dim]: the grids' patches back to back) and its colours. */
function* mapGroup(
  data: Float32Array,
  n: number,
  dim: number,
  grids: { rows: number; cols: number; key?: object }[],
  opts: PcaMapOptions,
): Steps<{
  colours: Float32Array;
  mask: Uint8Array | null;
  explained: Float64Array;
  inverted: boolean;
  fallback: boolean;
}> {
  const k = Math.min(3, dim);
  const limit = opts.maxFitRows ?? Infinity;
  const parts = grids.map((g) => ({ key: g.key, count: g.rows * g.cols }));
  const first = yield { data, n, dim, k, seed: SEED, rows: evenRows(n, limit, null), parts };
  const scores = project(first, data, n, dim);
  const pc1 = new Float32Array(n);
  for (let i = 0; i < n; i++) pc1[i] = scores[i * k];

  let inverted: boolean;
  if (opts.invert === 'auto') {
    // Pooled over the grids so that a joint basis gets one sign for all images.
    let contrast = 0;
    let off = 0;
    for (const g of grids) {
      contrast += borderMinusCentre(pc1, off, g.rows, g.cols) * g.rows * g.cols;
      off += g.rows * g.cols;
    }
    inverted = contrast > 0;
  } else {
    inverted = opts.invert;
  }

  const whole = (mask: Uint8Array | null) => ({
    colours: pcaColours(scores, n, k),
    mask,
    explained: first.explained,
    inverted,
    fallback: mask !== null,
  });
  if (!opts.foregroundOnly) return whole(null);
  const mask = foregroundMask(pc1, opts.threshold ?? 0.5, inverted);
  let count = 0;
  for (let i = 0; i < n; i++) count += mask[i];
  if (count < MIN_FOREGROUND) return whole(mask);
  const fg = new Int32Array(count);
  for (let i = 0, j = 0; i < n; i++) if (mask[i]) fg[j++] = i;

  const second = yield {
    data,
    n,
    dim,
    k,
    seed: SEED,
    rows: evenRows(count, limit, fg),
    parts,
    within: first.gram ?? null,
  };
  project(second, data, n, dim, scores); // background scores are computed but never shown
  return {
    colours: pcaColours(scores, n, k, { rows: fg }),
    mask,
    explained: second.explained,
    inverted,
    fallback: false,
  };
}

/**
 * At most `limit` rows evenly strided through `count` rows (`source`'s entries, or 0..count-1), in
 * order; `source` itself (null: all rows) when it is within the limit.
 */
function evenRows(count: number, limit: number, source: Int32Array | null): Int32Array | null {
  if (count <= limit) return source;
  const take = Math.max(1, Math.floor(limit));
  const rows = new Int32Array(take);
  for (let i = 0; i < take; i++) {
    const at = Math.floor((i * count) / take);
    rows[i] = source ? source[at] : at;
  }
  return rows;
}
