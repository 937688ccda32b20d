import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../model/model-info';
import { AttentionSessions } from './attention-session';
import type { LoadedModel } from './session';

function modelWith(attention: ModelInfo['attention']): LoadedModel {
  const info = { fileName: 'hidden.onnx', attention } as unknown as ModelInfo;
  return { info, ort: {} } as unknown as LoadedModel;
}

describe('AttentionSessions', () => {
  it('says why attention cannot be read, whatever layer is asked for', async () => {
    const none = { softmaxOutputs: [], exportedOutputs: [], fused: false };
    const s = new AttentionSessions(modelWith(none));
    expect(s.layers()).toBe(0);
    // The last layer (-1 + 0) and a layer by number both get the reason, not "Layer 0 does not exist".
    for (const layer of [-1, 1]) {
      await expect(s.run(layer, new Float32Array(3 * 14 * 14), 14, 14)).rejects.toThrow(
        /cannot be reached: no attention Softmax was found.*Features and PCA maps still work/,
      );
    }
    const fused = new AttentionSessions(modelWith({ ...none, fused: true }));
    await expect(fused.run(0, new Float32Array(3 * 14 * 14), 14, 14)).rejects.toThrow(
      /fused attention operator/,
    );
  });

  it('counts exported attention outputs first, then tapped Softmax nodes', () => {
    const both = { softmaxOutputs: ['a', 'b'], exportedOutputs: ['x', 'y', 'z'], fused: false };
    expect(new AttentionSessions(modelWith(both)).layers()).toBe(3);
    const taps = { softmaxOutputs: ['a', 'b'], exportedOutputs: [], fused: false };
    expect(new AttentionSessions(modelWith(taps)).layers()).toBe(2);
  });
});
