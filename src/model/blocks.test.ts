import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findBlockOutputs } from './blocks';
import { inspectModel } from './inspect';
import { GraphIndex } from './onnx/graph';
import { readOnnxModel } from './onnx/read-model';

const FIXTURES = 'tests/fixtures/dinov2';
const load = (rel: string) => new Uint8Array(fs.readFileSync(`${FIXTURES}/${rel}`));

describe('findBlockOutputs', () => {
  // The Hugging Face exporter names each block's output `/m/encoder/layer.<i>/Add_1`: the
  // structural search must land on exactly those (names are the oracle here, never in the code).
  it.each([
    ['dinov2-tiny/model.onnx', 4],
    ['dinov2-reg4-tiny/model.onnx', 4],
    ['dinov2-tiny/model_fp16.onnx', 4],
    ['dinov2-reg4-tiny/model_quantized.onnx', 4],
    ['skeletons/dinov2-s/skeleton.onnx', 12],
    ['skeletons/dinov2-l/skeleton.onnx', 24],
  ])('finds the %s blocks in order', (file, layers) => {
    const bytes = load(file);
    const info = inspectModel(bytes, 'm.onnx');
    const { graph } = readOnnxModel(bytes, 'm.onnx');
    const g = new GraphIndex(graph);
    expect(info.numLayers).toBe(layers);
    expect(info.blockOutputs.map((o) => g.producer(o)?.name)).toEqual(
      Array.from({ length: layers }, (_, i) => `/m/encoder/layer.${i}/Add_1`),
    );
  });

  it('finds nothing when the blocks do not add up to the layers asked for', () => {
    const bytes = load('dinov2-tiny/model.onnx');
    const info = inspectModel(bytes, 'm.onnx');
    const g = new GraphIndex(readOnnxModel(bytes, 'm.onnx').graph);
    expect(findBlockOutputs(g, info.tokens.name, 5)).toEqual([]);
    expect(findBlockOutputs(g, info.tokens.name, null)).toEqual([]);
    // Fewer neither: the last two blocks must not be taken for blocks 1 and 2.
    expect(findBlockOutputs(g, info.tokens.name, 2)).toEqual([]);
    expect(findBlockOutputs(g, info.tokens.name, 4)).toEqual(info.blockOutputs);
  });

  it('finds nothing when the token output is not behind a residual stream', () => {
    const bytes = load('dinov2-tiny/model.onnx');
    const info = inspectModel(bytes, 'm.onnx');
    const g = new GraphIndex(readOnnxModel(bytes, 'm.onnx').graph);
    // The attention probabilities of the first block are no residual stream.
    expect(findBlockOutputs(g, info.attention.softmaxOutputs[0], 4)).toEqual([]);
  });
});
