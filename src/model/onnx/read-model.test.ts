import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExplorerError } from '../../lib/errors';
import { RAW_VIEW_LIMIT, readOnnxModel } from './read-model';
import { lenField, message, stringField, varintField } from './protobuf-writer';
import { intValues } from './tensor-values';
import { matMulModel } from './test-models';

const FIXTURES = path.resolve(__dirname, '../../../tests/fixtures/dinov2');
const load = (rel: string) => new Uint8Array(fs.readFileSync(path.join(FIXTURES, rel)));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ExplorerError ? e.code : `non-explorer: ${String(e)}`;
  }
  return undefined;
}

describe('readOnnxModel', () => {
  it('reads the model header, graph inputs/outputs and nodes', () => {
    const m = readOnnxModel(load('dinov2-tiny/model.onnx'), 'model.onnx');
    expect(m.irVersion).toBe(8);
    expect(m.producerName).toBe('pytorch');
    expect(m.opsets).toEqual([{ domain: '', version: 17 }]);
    expect(m.graph.inputs).toEqual([
      { name: 'pixel_values', elemType: 1, dims: ['batch_size', 3, 'height', 'width'] },
    ]);
    expect(m.graph.outputs.map((o) => o.name)).toEqual(['last_hidden_state', 'pooler_output']);
    const conv = m.graph.nodes.find((n) => n.opType === 'Conv')!;
    expect(conv.attributes.find((a) => a.name === 'kernel_shape')?.ints).toEqual([14, 14]);
    expect(conv.attributes.find((a) => a.name === 'strides')?.ints).toEqual([14, 14]);
  });

  it('keeps views of small raw_data only, and reads int64 constants (including -1)', () => {
    const m = readOnnxModel(load('dinov2-tiny/model.onnx'), 'model.onnx');
    for (const t of m.graph.initializers) {
      expect(t.raw === null).toBe(t.byteLength > RAW_VIEW_LIMIT);
    }
    const patchWeight = m.graph.initializers.find((t) => t.dims.join() === '64,3,14,14')!;
    expect(patchWeight.byteLength).toBe(64 * 3 * 14 * 14 * 4);
    const values = m.graph.nodes
      .filter((n) => n.opType === 'Constant')
      .map((n) => n.attributes[0].t)
      .filter((t) => t && t.dataType === 7)
      .flatMap((t) => intValues(t!) ?? []);
    expect(values).toContain(-1);
    expect(values).toContain(16); // head dim of the tiny model's Reshape
  });

  it('reports external data per tensor as weights.json lists it', () => {
    const m = readOnnxModel(load('skeletons/dinov2-s/skeleton.onnx'), 'skeleton.onnx');
    const weights = JSON.parse(
      fs.readFileSync(path.join(FIXTURES, 'skeletons/dinov2-s/weights.json'), 'utf8'),
    );
    const byName = new Map(m.graph.initializers.map((t) => [t.name, t]));
    for (const w of weights.tensors as {
      name: string;
      dims: number[];
      offset: number;
      length: number;
    }[]) {
      const t = byName.get(w.name)!;
      expect(t.dims).toEqual(w.dims);
      expect(t.external).toEqual({
        location: weights.data_file,
        offset: w.offset,
        length: w.length,
      });
      expect(t.byteLength).toBe(w.length);
      expect(t.raw).toBeNull();
    }
  });

  it('accepts a synthetic model and rejects one without nodes', () => {
    expect(readOnnxModel(matMulModel(), 'mm.onnx').graph.nodes).toHaveLength(1);
    const empty = message(
      varintField(1, 8),
      lenField(7, stringField(2, 'g')),
      lenField(8, varintField(2, 17)),
    );
    expect(codeOf(() => readOnnxModel(empty, 'empty-graph.onnx'))).toBe('not-onnx');
  });

  it('calls a model cut exactly before opset_import truncated', () => {
    const full = matMulModel();
    const opsetField = lenField(8, message(stringField(1, ''), varintField(2, 17)));
    expect(
      codeOf(() => readOnnxModel(full.subarray(0, full.length - opsetField.length), 'cut.onnx')),
    ).toBe('truncated');
  });

  it('calls unknown top-level fields not-onnx', () => {
    const bytes = message(varintField(1, 8), varintField(99, 1));
    expect(codeOf(() => readOnnxModel(bytes, 'x.onnx'))).toBe('not-onnx');
  });
});
