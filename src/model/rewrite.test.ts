import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectModel } from './inspect';
import { readOnnxModel } from './onnx/read-model';
import { addOutputs, encodeExtraOutputs } from './rewrite';

const FIXTURES = path.resolve(__dirname, '../../tests/fixtures/dinov2');
const load = (rel: string) => new Uint8Array(fs.readFileSync(path.join(FIXTURES, rel)));

describe('addOutputs', () => {
  it.each([
    ['dinov2-tiny/model.onnx', 'float32'],
    ['dinov2-reg4-tiny/model_fp16.onnx', 'float16'],
    ['dinov2-tiny/model_quantized.onnx', 'float32'],
    ['skeletons/dinov2-b/skeleton.onnx', 'float32'],
  ] as const)('appends the attention Softmax outputs to %s', (file, elemType) => {
    const bytes = load(file);
    const before = readOnnxModel(bytes, 'm.onnx');
    const softmax = inspectModel(bytes, 'm.onnx').attention.softmaxOutputs;
    const extra = softmax.map((name) => ({ name, elemType }));

    const out = addOutputs(bytes, extra);
    const tail = encodeExtraOutputs(extra);
    expect(out.length).toBe(bytes.length + tail.length);
    // The original bytes are untouched: the rewrite is a pure append.
    expect(Buffer.compare(out.subarray(0, bytes.length), bytes)).toBe(0);
    expect(Buffer.compare(out.subarray(bytes.length), tail)).toBe(0);

    const after = readOnnxModel(out, 'm.onnx');
    expect(after.graph.outputs.map((o) => o.name)).toEqual([
      ...before.graph.outputs.map((o) => o.name),
      ...softmax,
    ]);
    expect(after.graph.outputs.slice(before.graph.outputs.length)).toEqual(
      softmax.map((name) => ({ name, elemType: elemType === 'float16' ? 10 : 1, dims: null })),
    );
    expect(after.graph.nodes.map((n) => n.name)).toEqual(before.graph.nodes.map((n) => n.name));
    expect(after.graph.initializers.map((t) => t.name)).toEqual(
      before.graph.initializers.map((t) => t.name),
    );
    expect(after.graph.inputs).toEqual(before.graph.inputs);
    expect(after.opsets).toEqual(before.opsets);

    // Inspection now sees those outputs as already-exported attention, in layer order.
    const info = inspectModel(out, 'm.onnx');
    expect(info.attention.exportedOutputs).toEqual(softmax);
    expect(info.tokens.name).toBe('last_hidden_state');
  });

  it('returns a new buffer, leaving the input alone', () => {
    const bytes = load('dinov2-tiny/model.onnx');
    const copy = bytes.slice();
    const out = addOutputs(bytes, [{ name: 'x', elemType: 'float32' }]);
    expect(out.buffer).not.toBe(bytes.buffer);
    expect(Buffer.compare(bytes, copy)).toBe(0);
  });

  it('refuses an element type it cannot declare', () => {
    expect(() => encodeExtraOutputs([{ name: 'x', elemType: 'other' }])).toThrow(/element type/);
  });
});
