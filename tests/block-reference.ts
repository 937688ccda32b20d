/**
 * A block's features computed outside the app, for tests: the fixture model with the block's raw
 * output added as a graph output (onnxruntime-web under Node), then the model's final LayerNorm
 * applied in JavaScript with its own weights. What the app's rewritten graph must give.
 */
import fs from 'node:fs';
import * as ort from 'onnxruntime-web';
import { inspectModel } from '../src/model/inspect';
import { GraphIndex } from '../src/model/onnx/graph';
import { readOnnxModel } from '../src/model/onnx/read-model';
import { floatValues } from '../src/model/onnx/tensor-values';
import { addOutputs } from '../src/model/rewrite';

/** The final LayerNorm of a float32 model whose token output a LayerNormalization node makes. */
export function finalNorm(bytes: Uint8Array): (x: Float32Array) => Float32Array {
  const info = inspectModel(bytes, 'model.onnx');
  const g = new GraphIndex(readOnnxModel(bytes, 'model.onnx').graph);
  const ln = g.producer(info.tokens.name);
  if (ln?.opType !== 'LayerNormalization') throw new Error('no final LayerNormalization');
  const gamma = floatValues(g.initializer(ln.inputs[1])!)!;
  const beta = floatValues(g.initializer(ln.inputs[2])!)!;
  const eps = ln.attributes.find((a) => a.name === 'epsilon')?.f ?? 1e-5;
  return (x) => {
    const d = gamma.length;
    const y = new Float32Array(x.length);
    for (let r = 0; r < x.length / d; r++) {
      const row = x.subarray(r * d, (r + 1) * d);
      const mean = row.reduce((s, v) => s + v, 0) / d;
      const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / d;
      for (let j = 0; j < d; j++)
        y[r * d + j] = ((row[j] - mean) / Math.sqrt(variance + eps)) * gamma[j] + beta[j];
    }
    return y;
  };
}

/** Block `block`'s (1-based) raw output for a [1,3,H,W] input, and the model's own tokens. */
export async function rawBlock(
  modelFile: string,
  pixels: Float32Array,
  dims: number[],
  block: number,
): Promise<{ raw: Float32Array; tokens: Float32Array; norm: (x: Float32Array) => Float32Array }> {
  const bytes = new Uint8Array(fs.readFileSync(modelFile));
  const info = inspectModel(bytes, 'model.onnx');
  const name = info.blockOutputs[block - 1];
  const model = addOutputs(bytes, [{ name, elemType: 'float32' }]);
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(model);
  try {
    const out = await session.run({ [info.input.name]: new ort.Tensor('float32', pixels, dims) }, [
      name,
      info.tokens.name,
    ]);
    return {
      raw: out[name].data as Float32Array,
      tokens: out[info.tokens.name].data as Float32Array,
      norm: finalNorm(bytes),
    };
  } finally {
    await session.release();
  }
}
