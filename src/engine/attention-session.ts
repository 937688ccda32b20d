/**
 * Reaching a model's attention probabilities. Exports that output them are used as they are;
 * otherwise the graph is rewritten in memory to add the chosen layer's Softmax output (appended
 * protobuf bytes: the weights are never decoded) and a session is made for it. Only the layer
 * asked for is added, and one such session is kept, so memory stays bounded for large models.
 */
import { withOrt } from './ort-lock';
import type { InferenceSession, Tensor } from 'onnxruntime-web/webgpu';
import { ExplorerError } from '../lib/errors';
import { addOutputs } from '../model/rewrite';
import { reachableAttentionLayers, unreachableAttention } from '../model/model-info';
import { createSession, imageTensor, toFloat32, type LoadedModel } from './session';

export interface AttentionTensor {
  /** [heads, T, T], float32. */
  data: Float32Array;
  heads: number;
  tokens: number;
}

export class AttentionSessions {
  private cached: { layer: number; session: InferenceSession; output: string } | null = null;

  constructor(readonly model: LoadedModel) {}

  layers(): number {
    return reachableAttentionLayers(this.model.info);
  }

  private async sessionFor(layer: number): Promise<{ session: InferenceSession; output: string }> {
    const { info, bytes, backend, ort } = this.model;
    const a = info.attention;
    if (a.exportedOutputs.length > 0) {
      return { session: this.model.session, output: a.exportedOutputs[layer] };
    }
    if (this.cached?.layer === layer) return this.cached;
    await this.release();
    const output = a.softmaxOutputs[layer];
    // The Softmax computes in the model's float type; try it first, then the other.
    const types =
      info.input.elemType === 'float16' ? ['float16', 'float32'] : ['float32', 'float16'];
    let lastError: unknown = null;
    for (const elemType of types as ('float16' | 'float32')[]) {
      try {
        const model = addOutputs(bytes.model, [{ name: output, elemType }]);
        const session = await createSession(ort, { ...bytes, model }, backend, info.fileName);
        this.cached = { layer, session, output };
        return this.cached;
      } catch (e) {
        lastError = e;
      }
    }
    throw lastError;
  }

  async run(
    layer: number,
    chw: Float32Array,
    height: number,
    width: number,
  ): Promise<AttentionTensor> {
    const { ort, info } = this.model;
    // Checked before the layer: with no attention to read there are no layers, and saying so
    // beats "Layer 0 does not exist".
    const unreachable = unreachableAttention(info);
    if (unreachable) throw new ExplorerError('unsupported-model', unreachable, info.fileName);
    if (layer < 0 || layer >= this.layers()) {
      throw new ExplorerError('internal', `Layer ${layer + 1} does not exist in this model.`);
    }
    const { session, output } = await this.sessionFor(layer);
    const input = imageTensor(ort, info, chw, height, width);
    let outputs: InferenceSession.OnnxValueMapType;
    try {
      outputs = await withOrt(() => session.run({ [info.input.name]: input }, [output]));
    } catch (e) {
      throw new ExplorerError(
        'inference-failed',
        `Computing the attention of layer ${layer + 1} failed: ${(e as Error).message}`,
      );
    }
    const t = outputs[output] as Tensor;
    try {
      const d = t.dims;
      // [B, heads, T, T]; some exports drop the batch axis.
      const [heads, tokens] = d.length === 4 ? [d[1], d[2]] : [d[0], d[1]];
      return { data: toFloat32(t.data), heads, tokens };
    } finally {
      t.dispose();
    }
  }

  async release(): Promise<void> {
    const c = this.cached;
    this.cached = null;
    if (c && c.session !== this.model.session) await withOrt(() => c.session.release());
  }
}
