import { describe, expect, it } from 'vitest';
import type { EmbedRequest } from './protocol';
import { embedInput, type ModelInput } from './embed';
import type { LoadedModel } from './session';

/** A model whose one run gives `data` (1 CLS + 4 patches of D = 3, as a 28x28 input at patch 14). */
function modelGiving(data: number[], variant = 'fp16'): LoadedModel {
  return {
    backend: 'wasm',
    report: { variant },
    info: { patchSize: 14, registerTokens: 0, fileName: 'model_fp16.onnx' },
    run: async () => ({
      data: Float32Array.from(data),
      tokens: 5,
      dim: 3,
      sized: false,
      replay: false,
    }),
  } as unknown as LoadedModel;
}

const input = { data: new Float32Array(3 * 28 * 28), height: 28, width: 28 } as ModelInput;
const req = { imageId: 'a', fileName: 'cat.png' } as EmbedRequest;
const timings = { decodeMs: 0, preprocessMs: 0 };

describe('embedInput', () => {
  it('keeps finite tokens', async () => {
    const { result } = await embedInput(
      modelGiving(Array.from({ length: 15 }, (_, i) => i + 1)),
      input,
      req,
      timings,
    );
    expect(result).toMatchObject({ rows: 2, cols: 2, tokens: 5, dim: 3 });
  });

  it.each([
    ['a NaN in a patch', 7, NaN],
    ['an infinity in the CLS token', 1, Infinity],
  ])('refuses %s, naming the image and the model', async (_, at, value) => {
    const data = Array.from({ length: 15 }, (_, i) => i + 1);
    data[at] = value;
    const run = embedInput(modelGiving(data), input, req, timings);
    await expect(run).rejects.toMatchObject({ code: 'inference-failed', subject: 'cat.png' });
    await expect(run).rejects.toThrow(
      /"model_fp16\.onnx" gave values that are not numbers .* "cat\.png".* A float16 model can overflow like this; its float32 export should not\./,
    );
  });

  it('does not blame float16 for a float32 model that gives NaN', async () => {
    const data = Array.from({ length: 15 }, (_, i) => i + 1);
    data[3] = NaN;
    await expect(embedInput(modelGiving(data, 'fp32'), input, req, timings)).rejects.toThrow(
      /so its features cannot be used\. Try another export of this model\.$/,
    );
  });
});
