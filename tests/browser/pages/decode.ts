/**
 * Entry of the decode test page (tests/browser/decode.test.ts): the worker's two decoders on
 * `window` for page.evaluate, with a JPEG encoder for a file that is not what its name says.
 */
import { decodeBitmap, decodeImage, decodePng, releasePixels } from '../../../src/engine/decode';
import { readImageSize } from '../../../src/engine/image-size';

const decoders = {
  decodeBitmap,
  decodeImage,
  decodePng,
  readImageSize,
  releasePixels,
  async jpegBytes(width: number, height: number): Promise<Uint8Array<ArrayBuffer>> {
    const c = new OffscreenCanvas(width, height);
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = '#3a7';
    ctx.fillRect(0, 0, width, height);
    return new Uint8Array(await (await c.convertToBlob({ type: 'image/jpeg' })).arrayBuffer());
  },
};
export type Decoders = typeof decoders;
(window as unknown as { decoders: Decoders }).decoders = decoders;
