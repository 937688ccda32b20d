import fs from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { rawBlock } from '../../tests/block-reference';
import { inspectModel } from '../model/inspect';
import { addBlockTokens } from '../model/rewrite';
import { chooseBlock } from './block-features';

const FIXTURES = 'tests/fixtures/dinov2';
const load = (rel: string) => new Uint8Array(fs.readFileSync(`${FIXTURES}/${rel}`));
const f32 = (rel: string) => {
  const b = fs.readFileSync(`${FIXTURES}/${rel}`);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const maxAbsDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('chooseBlock', () => {
  const bytes = load('dinov2-tiny/model.onnx');
  const info = inspectModel(bytes, 'model.onnx');
  const files = { model: bytes, externalData: [] };

  it('leaves the model as it is for its output', () => {
    for (const block of [null, undefined, 4]) {
      const c = chooseBlock(info, files, block);
      expect(c).toEqual({ info, bytes: files, files, block: null, notice: null });
    }
  });

  it('rewrites the model so that its token output is the block asked for', () => {
    const c = chooseBlock(info, files, 2);
    expect(c.block).toBe(2);
    expect(c.notice).toBeNull();
    expect(c.info.tokens.name).toBe('explorer/block2/last_hidden_state');
    expect(c.info.blockOutputs).toEqual(info.blockOutputs);
    expect(c.bytes.model.length).toBeGreaterThan(bytes.length);
    // The file as given is the rewrite's first bytes, not a second copy.
    expect(c.files.model.buffer).toBe(c.bytes.model.buffer);
    expect(Buffer.compare(c.files.model, bytes)).toBe(0);
    // The file itself is not touched.
    expect(info.tokens.name).toBe('last_hidden_state');
  });

  it.each([
    [9, /has 4 blocks, so there is no block 9: features come from its output \(block 4\)/],
    [0, /no block 0/],
    [1.5, /no block 1\.5/],
  ])('says why block %s is not used', (block, message) => {
    const c = chooseBlock(info, files, block);
    expect(c.block).toBeNull();
    expect(c.bytes).toBe(files);
    expect(c.notice).toMatch(message);
    expect(c.notice).toContain('"model.onnx"');
  });

  it('says so when the blocks are not known', () => {
    const c = chooseBlock({ ...info, blockOutputs: [] }, files, 2);
    expect(c.block).toBeNull();
    expect(c.notice).toMatch(/could not be told apart/);
  });
});

describe('addBlockTokens', () => {
  ort.env.wasm.numThreads = 1;

  const run = async (model: Uint8Array, input: string, fetch: string[]) => {
    const session = await ort.InferenceSession.create(model);
    try {
      const x = new ort.Tensor('float32', f32(input), [1, 3, 224, 224]);
      const out = await session.run({ pixel_values: x }, fetch);
      return fetch.map((n) => out[n].data as Float32Array);
    } finally {
      await session.release();
    }
  };

  it.each(['dinov2-tiny', 'dinov2-reg4-tiny'])(
    '%s: the last block through the copied norm is the PyTorch output',
    async (dir) => {
      const bytes = load(`${dir}/model.onnx`);
      const info = inspectModel(bytes, 'model.onnx');
      const rewritten = addBlockTokens(bytes, 'model.onnx', info.tokens, info.blockOutputs, 4)!;
      expect(rewritten.output).not.toBe(info.tokens.name);
      const [copy] = await run(rewritten.bytes, 'chelsea.pixel_values.f32', [rewritten.output]);
      expect(maxAbsDiff(copy, f32(`${dir}/chelsea.last_hidden_state.f32`))).toBeLessThan(1e-4);
    },
  );

  it.each([1, 2, 3])('block %i: its own output through the final norm', async (block) => {
    const file = `${FIXTURES}/dinov2-reg4-tiny/model.onnx`;
    const bytes = load('dinov2-reg4-tiny/model.onnx');
    const info = inspectModel(bytes, 'model.onnx');
    const rewritten = addBlockTokens(bytes, 'model.onnx', info.tokens, info.blockOutputs, block)!;
    const [tokens] = await run(rewritten.bytes, 'astronaut.pixel_values.f32', [rewritten.output]);
    const pixels = f32('astronaut.pixel_values.f32');
    const want = await rawBlock(file, pixels, [1, 3, 224, 224], block);
    expect(tokens.length).toBe(want.tokens.length);
    expect(maxAbsDiff(tokens, want.norm(want.raw))).toBeLessThan(1e-4);
    // Another block's features, not the last one's again.
    expect(maxAbsDiff(tokens, want.tokens)).toBeGreaterThan(0.1);
  });

  it("gives a block's output as it is when the model has no final norm", async () => {
    const file = `${FIXTURES}/dinov2-tiny/model.onnx`;
    const bytes = load('dinov2-tiny/model.onnx');
    const info = inspectModel(bytes, 'model.onnx');
    // As if the token output were the last block's output itself.
    const tokens = { name: info.blockOutputs[3], elemType: 'float32' as const };
    const r = addBlockTokens(bytes, 'model.onnx', tokens, info.blockOutputs, 2)!;
    expect(r.output).toBe(info.blockOutputs[1]);
    const [got] = await run(r.bytes, 'chelsea.pixel_values.f32', [r.output]);
    const want = await rawBlock(file, f32('chelsea.pixel_values.f32'), [1, 3, 224, 224], 2);
    expect(maxAbsDiff(got, want.raw)).toBe(0);
  });

  it('keeps float16 outputs float16', async () => {
    const bytes = load('dinov2-tiny/model_fp16.onnx');
    const info = inspectModel(bytes, 'model.onnx');
    const rewritten = addBlockTokens(bytes, 'model.onnx', info.tokens, info.blockOutputs, 2)!;
    const session = await ort.InferenceSession.create(rewritten.bytes);
    try {
      const half = new Uint16Array(3 * 224 * 224);
      const out = await session.run(
        { pixel_values: new ort.Tensor('float16', half, [1, 3, 224, 224]) },
        [rewritten.output],
      );
      expect(out[rewritten.output].type).toBe('float16');
      expect(out[rewritten.output].dims).toEqual([1, 257, 64]);
    } finally {
      await session.release();
    }
  });

  it('needs a block that exists', () => {
    const bytes = load('dinov2-tiny/model.onnx');
    const info = inspectModel(bytes, 'model.onnx');
    expect(addBlockTokens(bytes, 'm.onnx', info.tokens, info.blockOutputs, 0)).toBeNull();
    expect(addBlockTokens(bytes, 'm.onnx', info.tokens, info.blockOutputs, 5)).toBeNull();
    expect(addBlockTokens(bytes, 'm.onnx', info.tokens, [], 1)).toBeNull();
  });
});
