/**
 * What the explorer knows about a loaded model, found by `inspectModel` from the graph itself.
 * A plain object (strings, numbers, arrays) so it crosses the worker boundary by structured clone.
 */

export type ElemType = 'float32' | 'float16' | 'int64' | 'other';

export interface TensorSig {
  name: string;
  elemType: ElemType;
  /** Static sizes as numbers, symbolic ones by name ('batch_size'); '?' where the file says nothing. */
  dims: (number | string)[];
}

export interface ModelInfo {
  fileName: string;
  byteLength: number;
  producer: string;
  /** Version of the default ('' / ai.onnx) opset. */
  opset: number;
  /** The image input, [B,3,H,W] (found by shape and the patch Conv it feeds, not by name). */
  input: TensorSig;
  /** The [B,T,D] token output (last_hidden_state or whatever it is called). */
  tokens: TensorSig;
  /** A [B,D] output if present (pooler_output). */
  pooled: TensorSig | null;
  /** All graph outputs, in graph order. */
  outputs: TensorSig[];
  /** From the patch-embedding Conv (kernel_shape / weight dims). */
  patchSize: number;
  hiddenSize: number;
  numLayers: number | null;
  numHeads: number | null;
  /** From the graph when it can tell (a [1,R,D] register initializer); null = find at run time from T. */
  registerTokens: number | null;
  /**
   * Each transformer block's output tensor, first to last (see blocks.ts): features can come from
   * any of them. [] when the graph does not show its blocks plainly (only the output is offered).
   */
  blockOutputs: string[];
  attention: {
    /** Per layer, in order: output names of the attention Softmax nodes. */
    softmaxOutputs: string[];
    /** Graph outputs that already are attention probabilities (e.g. attentions.0..N), in layer order. */
    exportedOutputs: string[];
    /** True if attention is a fused op (Attention/MultiHeadAttention/...) with no Softmax to tap. */
    fused: boolean;
  };
  /** External-data file locations the graph needs (e.g. ["model.onnx_data"]); [] if none. */
  externalData: string[];
  /**
   * Bytes each external-data file must hold at least (the end of the furthest tensor in it), by
   * location; a shorter file is a wrong or cut-short weights file.
   */
  externalDataBytes: Record<string, number>;
  /** Sum of initializer bytes (inline + external). */
  weightsBytes: number;
  /** Sorted distinct op types. */
  ops: string[];
  /** Has DynamicQuantizeLinear, MatMulInteger, QLinear ops, MatMulNBits etc. */
  quantized: boolean;
}

/** How many layers' attention can be read: exported outputs, else tapped Softmax nodes. */
export function reachableAttentionLayers(info: ModelInfo): number {
  return info.attention.exportedOutputs.length || info.attention.softmaxOutputs.length;
}

/** Why the attention of a model cannot be shown, or null when it can. */
export function unreachableAttention(info: ModelInfo): string | null {
  if (reachableAttentionLayers(info) > 0) return null;
  return (
    `The attention of "${info.fileName}" cannot be reached: ` +
    (info.attention.fused
      ? 'it uses a fused attention operator with no Softmax to read. '
      : 'no attention Softmax was found in its graph. ') +
    'Export the model with eager attention (or with attention outputs) to see attention maps. ' +
    'Features and PCA maps still work.'
  );
}
