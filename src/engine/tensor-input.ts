/**
 * A model input given as a numpy file: the exact tensor a Python pipeline fed its model, so
 * people can compare our features with theirs without any preprocessing in between.
 */
import { ExplorerError } from '../lib/errors';
import { float16BitsToFloat32 } from '../lib/float16';
import { decodeNpy } from '../lib/npy';

export interface TensorInput {
  data: Float32Array;
  height: number;
  width: number;
}

export async function readTensorInput(
  blob: Blob,
  fileName: string,
  patchSize: number,
): Promise<TensorInput> {
  let npy;
  try {
    npy = decodeNpy(new Uint8Array(await blob.arrayBuffer()));
  } catch (e) {
    throw new ExplorerError(
      'bad-image',
      `"${fileName}" is not a readable .npy file (${(e as Error).message}). Save the input with numpy.save.`,
      fileName,
    );
  }
  const shape = npy.shape.length === 4 && npy.shape[0] === 1 ? npy.shape.slice(1) : npy.shape;
  const [c, height, width] = shape;
  if (shape.length !== 3 || c !== 3 || height % patchSize !== 0 || width % patchSize !== 0) {
    throw new ExplorerError(
      'bad-image',
      `"${fileName}" has shape [${npy.shape.join(', ')}]; a model input must be [3, H, W] or ` +
        `[1, 3, H, W] with H and W multiples of the patch size (${patchSize}).`,
      fileName,
    );
  }
  let data: Float32Array;
  if (npy.data instanceof Float32Array) data = npy.data;
  else if (npy.dtype === 'float16') data = float16BitsToFloat32(npy.data as Uint16Array);
  else if (npy.dtype === 'float64') data = Float32Array.from(npy.data);
  else {
    throw new ExplorerError(
      'bad-image',
      `"${fileName}" holds ${npy.dtype} values; a model input must be float32 (or float16/float64).`,
      fileName,
    );
  }
  return { data, height, width };
}
