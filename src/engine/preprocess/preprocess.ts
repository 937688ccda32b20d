/**
 * Picture -> model input tensor (float32, CHW), matching Hugging Face's DINOv2 processor:
 * antialiased bicubic resize, centre crop (classifier mode) or patch-aligned whole picture (dense
 * mode), rescale and ImageNet normalisation. Pure TypeScript (Worker- and Node-safe).
 */
import { classifierPlan, densePlan } from './plan';
import {
  resizeBicubicPil,
  type PixelSource,
  type ResampleFlavour,
  type Window,
} from './resize-pil';

export type Triple = [number, number, number];

/**
 * The classifier recipe is the stock processor's: shortest edge 256, centre crop 224, whatever
 * the Resolution setting (which only dense mode uses). Stored features and exported indexes key
 * classifier inputs without a resolution, so it must not leak in.
 */
export const CLASSIFIER_CROP = 224;

export const IMAGENET_MEAN: Triple = [0.485, 0.456, 0.406];
export const IMAGENET_STD: Triple = [0.229, 0.224, 0.225];
/** `rescale_factor` in DINOv2's preprocessor_config.json (1/255 as Python prints it). */
export const DEFAULT_RESCALE = 0.00392156862745098;

export type PreprocessMode = 'classifier' | 'dense';

export interface PreprocessOptions {
  /**
   * classifier: the square crop size; dense: the short side. Both 224 for the stock processor.
   */
  mode: PreprocessMode;
  resolution: number;
  patchSize: number;
  /** Dense mode only: cap on the long side. */
  maxLongSide: number;
  mean: Triple;
  std: Triple;
  rescale: number;
  /**
   * Classifier mode only: shortest edge before the crop. Defaults to resolution * 256 / 224 (the
   * stock 256 -> 224 ratio), rounded.
   */
  shortestEdge?: number;
  /**
   * Which transformers processor to reproduce bit for bit. 'torchvision' (default):
   * `BitImageProcessorFast`, the default since transformers 5 and what made the test fixtures
   * (torch uint8 antialiased bicubic, fused rescale+normalise). 'pillow': the slow
   * `BitImageProcessor` (PIL bicubic, numpy rescale then normalise). They differ by one grey
   * level on well under 1% of values.
   */
  flavour?: ResampleFlavour;
}

export interface PreprocessResult {
  /** CHW [3, height, width]. */
  data: Float32Array;
  height: number;
  width: number;
  /** Whether a resample happened (false when the picture already had the planned size). */
  resized: boolean;
}

export function preprocess(image: PixelSource, opts: PreprocessOptions): PreprocessResult {
  let rgb: Uint8Array | Uint8ClampedArray;
  let stride: number; // channels per pixel of `rgb`
  let rowWidth: number; // pixels per row of `rgb`
  let x0 = 0;
  let y0 = 0;
  let width: number;
  let height: number;
  let resized: boolean;
  const flavour = opts.flavour ?? 'torchvision';

  if (opts.mode === 'classifier') {
    const plan = classifierPlan(image.width, image.height, {
      shortestEdge: opts.shortestEdge ?? Math.round((opts.resolution * 256) / 224),
      crop: opts.resolution,
    });
    const crop: Window = plan.crop;
    width = crop.width;
    height = crop.height;
    resized = plan.resize !== null;
    if (plan.resize) {
      // Resample only the cropped window: identical to resize-then-crop, a lot less work.
      rgb = resizeBicubicPil(image, plan.resize.width, plan.resize.height, {
        window: crop,
        flavour,
      }).data;
      stride = 3;
      rowWidth = width;
    } else {
      rgb = image.data;
      stride = image.channels;
      rowWidth = image.width;
      x0 = crop.left;
      y0 = crop.top;
    }
  } else {
    const plan = densePlan(image.width, image.height, opts);
    width = plan.width;
    height = plan.height;
    resized = plan.resize !== null;
    if (plan.resize) {
      rgb = resizeBicubicPil(image, width, height, { flavour }).data;
      stride = 3;
    } else {
      rgb = image.data;
      stride = image.channels;
    }
    rowWidth = width;
  }

  const data = new Float32Array(3 * width * height);
  const plane = width * height;
  const bgr = image.order === 'bgr'; // resampling keeps the source's channel order
  for (let c = 0; c < 3; c++) {
    const lut = normalizeLut(flavour, opts.rescale, opts.mean[c], opts.std[c]);
    let o = c * plane;
    for (let y = 0; y < height; y++) {
      let p = ((y0 + y) * rowWidth + x0) * stride + (bgr ? 2 - c : c);
      for (let x = 0; x < width; x++, p += stride) data[o++] = lut[rgb[p]];
    }
  }
  return { data, height, width, resized };
}

/**
 * The 256 possible outputs of one channel, with the roundings of the processor being mirrored
 * (fround after each double op is exactly float32 arithmetic: double has > 2 * 24 + 2 bits).
 * - pillow (slow, numpy): `rescale` multiplies in float64 and casts to float32, then `normalize`
 *   subtracts and divides in float32 with mean/std cast to float32.
 * - torchvision (fast): `_fuse_mean_std_and_rescale_factor` folds the rescale into float32
 *   mean/std (`tensor(mean) * (1 / rescale)`, scalar cast to float32), then `(x - mean) / std` on
 *   the float32 pixel values.
 */
function normalizeLut(
  flavour: ResampleFlavour,
  rescale: number,
  mean: number,
  std: number,
): Float32Array {
  const f = Math.fround;
  const lut = new Float32Array(256);
  if (flavour === 'torchvision') {
    const inv = f(1 / rescale);
    const m = f(f(mean) * inv);
    const s = f(f(std) * inv);
    for (let v = 0; v < 256; v++) lut[v] = f(f(v - m) / s);
  } else {
    const m = f(mean);
    const s = f(std);
    for (let v = 0; v < 256; v++) lut[v] = f(f(f(v * rescale) - m) / s);
  }
  return lut;
}
