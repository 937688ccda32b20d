/**
 * Pure size planning: which size to resample a picture to, and which part of it the model sees.
 * No pixels here, so the UI can show the planned input size before anything runs.
 */

export interface Size {
  width: number;
  height: number;
}

export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface ClassifierPlan {
  /** Size to resample to; null when the picture already has it. */
  resize: Size | null;
  /** Centre crop taken from the resampled picture. */
  crop: CropBox;
}

/**
 * What Hugging Face's `BitImageProcessor` (DINOv2's processor) does: resize so the shortest edge is
 * `shortestEdge` keeping the aspect ratio, then centre-crop `crop` x `crop`.
 *
 * The long side mirrors transformers' `get_resize_output_image_size(default_to_square=False)`:
 * `int(shortest_edge * long / short)` (truncated, not rounded), and the crop offsets mirror
 * `center_crop`: `(size - crop) // 2`.
 */
export function classifierPlan(
  width: number,
  height: number,
  { shortestEdge = 256, crop = 224 }: { shortestEdge?: number; crop?: number } = {},
): ClassifierPlan {
  checkPositive(width, height);
  if (crop > shortestEdge) {
    throw new RangeError(`crop ${crop} is larger than the resized shortest edge ${shortestEdge}`);
  }
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.trunc((shortestEdge * long) / short);
  const rw = width <= height ? shortestEdge : newLong;
  const rh = width <= height ? newLong : shortestEdge;
  return {
    resize: rw === width && rh === height ? null : { width: rw, height: rh },
    crop: {
      left: Math.floor((rw - crop) / 2),
      top: Math.floor((rh - crop) / 2),
      width: crop,
      height: crop,
    },
  };
}

export interface DenseOptions {
  /** Target length of the short side, in pixels. */
  resolution: number;
  patchSize: number;
  /** Upper bound on the long side (memory/time guard for panoramas). */
  maxLongSide: number;
}

export interface DensePlan extends Size {
  /** Same as width/height when a resample is needed; null when the picture is already that size. */
  resize: Size | null;
}

/**
 * Whole-picture input for patch features: keep the aspect ratio, short side to `resolution`, both
 * sides snapped to the nearest multiple of the patch size (at least one patch), long side capped at
 * `maxLongSide` (snapped down). When capping, the short side shrinks by the same factor, computed
 * from the original aspect ratio so the rounding errors do not compound.
 */
export function densePlan(width: number, height: number, opts: DenseOptions): DensePlan {
  checkPositive(width, height);
  const { resolution, patchSize: p, maxLongSide } = opts;
  if (!(p >= 1) || !(resolution >= 1) || !(maxLongSide >= 1)) {
    throw new RangeError('resolution, patchSize and maxLongSide must be positive');
  }
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const snap = (v: number) => Math.max(1, Math.round(v / p)) * p;

  let newShort = snap(resolution);
  let newLong = snap((long * resolution) / short);
  const cap = Math.max(1, Math.floor(maxLongSide / p)) * p;
  if (newLong > cap) {
    newLong = cap;
    newShort = Math.min(cap, snap((short * cap) / long));
  }
  const w = width >= height ? newLong : newShort;
  const h = width >= height ? newShort : newLong;
  return {
    width: w,
    height: h,
    resize: w === width && h === height ? null : { width: w, height: h },
  };
}

function checkPositive(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
}
