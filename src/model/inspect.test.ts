import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExplorerError } from '../lib/errors';
import { inspectModel } from './inspect';
import { matMulModel, patchTokensModel } from './onnx/test-models';
import { noiseBytes } from '../lib/noise-bytes';

const FIXTURES = path.resolve(__dirname, '../../tests/fixtures/dinov2');
const manifest = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8'));

function load(rel: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(FIXTURES, rel)));
}

function refusal(bytes: Uint8Array, fileName: string): ExplorerError {
  try {
    inspectModel(bytes, fileName);
  } catch (e) {
    if (e instanceof ExplorerError) return e;
    throw e;
  }
  throw new Error(`${fileName} was accepted`);
}

interface Row {
  file: string;
  elemType: 'float32' | 'float16';
  hidden: number;
  layers: number;
  heads: number;
  registers: number;
  quantized: boolean;
  /** manifest key: models.* for the tiny ones (have softmax_nodes), skeletons.* otherwise */
  model: string;
  skeleton: boolean;
}

// Netron-style table of every fixture: what a person reading the graph would write down.
const tiny = (model: string, registers: number): Row[] =>
  (
    [
      ['model.onnx', 'float32', false],
      ['model_fp16.onnx', 'float16', false],
      ['model_quantized.onnx', 'float32', true],
    ] as const
  ).map(([f, elemType, quantized]) => ({
    file: `${model}/${f}`,
    elemType,
    hidden: 64,
    layers: 4,
    heads: 4,
    registers,
    quantized,
    model,
    skeleton: false,
  }));
const skeleton = (
  model: string,
  hidden: number,
  layers: number,
  heads: number,
  registers: number,
): Row => ({
  file: `skeletons/${model}/skeleton.onnx`,
  elemType: 'float32',
  hidden,
  layers,
  heads,
  registers,
  quantized: false,
  model,
  skeleton: true,
});
const TABLE: Row[] = [
  ...tiny('dinov2-tiny', 0),
  ...tiny('dinov2-reg4-tiny', 4),
  skeleton('dinov2-s', 384, 12, 6, 0),
  skeleton('dinov2-reg4-s', 384, 12, 6, 4),
  skeleton('dinov2-b', 768, 12, 12, 0),
  skeleton('dinov2-l', 1024, 24, 16, 0),
];

describe('inspectModel on the fixture exports', () => {
  it.each(TABLE.map((r) => [r.file, r] as const))('%s', (file, row) => {
    const bytes = load(file);
    const info = inspectModel(bytes, path.basename(file));

    expect(info.fileName).toBe(path.basename(file));
    expect(info.byteLength).toBe(bytes.length);
    expect(info.opset).toBe(17);
    expect(info.input).toEqual({
      name: 'pixel_values',
      elemType: row.elemType,
      dims: ['batch_size', 3, 'height', 'width'],
    });
    expect(info.tokens.name).toBe('last_hidden_state');
    expect(info.tokens.elemType).toBe(row.elemType);
    expect(info.tokens.dims).toHaveLength(3);
    expect(info.pooled?.name).toBe('pooler_output');
    expect(info.outputs.map((o) => o.name)).toEqual(['last_hidden_state', 'pooler_output']);
    expect(info.patchSize).toBe(14);
    expect(info.hiddenSize).toBe(row.hidden);
    expect(info.numLayers).toBe(row.layers);
    expect(info.numHeads).toBe(row.heads);
    expect(info.registerTokens).toBe(row.registers);
    expect(info.quantized).toBe(row.quantized);
    expect(info.attention.fused).toBe(false);
    expect(info.attention.exportedOutputs).toEqual([]);
    expect(info.attention.softmaxOutputs).toHaveLength(row.layers);
    expect(info.ops).toEqual([...info.ops].sort());
    expect(info.ops).toContain(row.quantized ? 'ConvInteger' : 'Conv');

    if (row.skeleton) {
      const weights = JSON.parse(
        fs.readFileSync(path.join(FIXTURES, 'skeletons', row.model, 'weights.json'), 'utf8'),
      );
      expect(info.externalData).toEqual([weights.data_file]);
      expect(info.weightsBytes).toBe(manifest.skeletons[row.model].weights_bytes);
      expect(info.weightsBytes).toBe(weights.total_bytes);
    } else {
      expect(info.externalData).toEqual([]);
      expect(info.attention.softmaxOutputs).toEqual(manifest.models[row.model].softmax_nodes);
      expect(info.weightsBytes).toBeGreaterThan(0);
      expect(info.weightsBytes).toBeLessThan(bytes.length);
    }
    // Cross-check against the export's own config.
    const config = row.skeleton
      ? manifest.skeletons[row.model].config
      : manifest.models[row.model].config;
    expect([config.hidden_size, config.num_hidden_layers, config.num_attention_heads]).toEqual([
      info.hiddenSize,
      info.numLayers,
      info.numHeads,
    ]);
    expect(config.num_register_tokens ?? 0).toBe(info.registerTokens);
  });

  it('gives a structured-clone-safe plain object', () => {
    const info = inspectModel(load('dinov2-tiny/model.onnx'), 'model.onnx');
    expect(structuredClone(info)).toEqual(info);
    expect(JSON.parse(JSON.stringify(info))).toEqual(info);
  });

  it('reads the largest skeleton (ViT-L, 24 layers) without its external weights', () => {
    // Not a timing assertion: just that a real-size graph parses, with weights left on disk.
    const bytes = load('skeletons/dinov2-l/skeleton.onnx');
    const info = inspectModel(bytes, 'skeleton.onnx');
    expect(info.weightsBytes).toBeGreaterThan(1e9);
    expect(info.attention.softmaxOutputs).toHaveLength(24);
    expect(info.externalData).toEqual(['model.onnx_data']);
  });
});

describe('inspectModel refusals', () => {
  it.each(Array.from({ length: 16 }, (_, i) => i + 1))(
    'random bytes (seed %d) are not-onnx',
    (seed) => {
      const err = refusal(noiseBytes(4096, seed * 2654435761), 'noise.bin');
      expect(err.code).toBe('not-onnx');
      expect(err.message).toContain('"noise.bin"');
      expect(err.message).toContain('Pick the .onnx file');
      expect(err.subject).toBe('noise.bin');
    },
  );

  it('a PNG is not-onnx', () => {
    const err = refusal(load('astronaut.png'), 'astronaut.png');
    expect(err.code).toBe('not-onnx');
    expect(err.message).toContain('"astronaut.png" is not an ONNX model');
  });

  it('a JSON text is not-onnx', () => {
    const err = refusal(load('manifest.json'), 'manifest.json');
    expect(err.code).toBe('not-onnx');
    expect(err.message).toContain('"manifest.json"');
  });

  it('an empty file is not-onnx', () => {
    expect(refusal(new Uint8Array(0), 'empty.onnx').code).toBe('not-onnx');
  });

  it.each([
    'dinov2-tiny/model.onnx',
    'dinov2-reg4-tiny/model_fp16.onnx',
    'skeletons/dinov2-b/skeleton.onnx',
  ])('the first 60%% of %s is truncated', (file) => {
    const bytes = load(file);
    const err = refusal(bytes.subarray(0, Math.floor(bytes.length * 0.6)), 'model.onnx');
    expect(err.code).toBe('truncated');
    expect(err.message).toContain('"model.onnx"');
    expect(err.message).toMatch(/again/);
  });

  it('a file cut a few bytes short is truncated', () => {
    const bytes = load('dinov2-tiny/model_quantized.onnx');
    expect(refusal(bytes.subarray(0, bytes.length - 3), 'q.onnx').code).toBe('truncated');
  });

  it('a valid ONNX model that is not a ViT is not-vit', () => {
    const err = refusal(matMulModel(), 'matmul.onnx');
    expect(err.code).toBe('not-vit');
    expect(err.message).toContain('"matmul.onnx"');
    expect(err.message).toContain('Pick the .onnx file of a DINOv2 export');
  });

  it('a patch embedding without attention is not-vit, though it has an image input and tokens', () => {
    const err = refusal(patchTokensModel(), 'tokens.onnx');
    expect(err.code).toBe('not-vit');
    expect(err.message).toContain('"tokens.onnx"');
    expect(err.message).toContain('no attention');
  });
});
