/**
 * Finds out what a DINOv2-style ONNX export looks like: which input is the image, which output the
 * tokens, patch size, width, depth, heads, register tokens and where attention can be tapped.
 *
 * Everything is read from graph structure and shapes, because exports differ in names (HF vs timm
 * vs hand-made), in precision (fp16 casts, quantized ConvInteger/MatMulInteger) and in how much
 * shape information they carry. Names are used only to break ties.
 */
import { ExplorerError } from '../lib/errors';
import type { ElemType, ModelInfo, TensorSig } from './model-info';
import { findBlockOutputs, FUSED_ATTENTION_OPS } from './blocks';
import { findBackward, findForward, GraphIndex } from './onnx/graph';
import { readOnnxModel } from './onnx/read-model';
import { DT_FLOAT, DT_FLOAT16, DT_INT64, type OnnxNode, type OnnxValueInfo } from './onnx/types';

export function elemTypeOf(dataType: number): ElemType {
  if (dataType === DT_FLOAT) return 'float32';
  if (dataType === DT_FLOAT16) return 'float16';
  if (dataType === DT_INT64) return 'int64';
  return 'other';
}

function sig(v: OnnxValueInfo): TensorSig {
  return {
    name: v.name,
    elemType: elemTypeOf(v.elemType),
    dims: (v.dims ?? []).map((d) => d ?? '?'),
  };
}

const isFloat = (v: OnnxValueInfo) => v.elemType === DT_FLOAT || v.elemType === DT_FLOAT16;

/** Ops between the image input and the patch Conv that do not change what the tensor is. */
const INPUT_PASS_OPS = new Set([
  'Cast',
  'Identity',
  'DynamicQuantizeLinear',
  'QuantizeLinear',
  'DequantizeLinear',
  'Sub',
  'Div',
  'Mul',
  'Add',
]);
const CONV_OPS = new Set(['Conv', 'ConvInteger', 'QLinearConv']);
/** Ops that may sit between the q·kᵀ MatMul and its Softmax (scale, mask, dtype casts). */
const SCORE_PASS_OPS = new Set(['Mul', 'Div', 'Add', 'Sub', 'Cast', 'Where', 'Identity']);
/** Ops between a head-split Reshape and the q·kᵀ MatMul (transposes, pre-scaling of q and k). */
const QK_INPUT_PASS_OPS = new Set([
  'Transpose',
  'Mul',
  'Div',
  'Cast',
  'Identity',
  'DynamicQuantizeLinear',
  'DequantizeLinear',
]);
const QK_MATMUL_OPS = new Set(['MatMul', 'MatMulInteger', 'FusedMatMul', 'Einsum']);
const QUANT_OPS = new Set([
  'DynamicQuantizeLinear',
  'MatMulInteger',
  'ConvInteger',
  'QuantizeLinear',
  'DequantizeLinear',
  'MatMulNBits',
  'DynamicQuantizeMatMul',
  'MatMulIntegerToFloat',
  'QAttention',
  'QGemm',
  'GatherBlockQuantized',
  'MatMulBnb4',
]);
/** Ops a register/CLS token goes through before it is concatenated with the patch tokens. */
const TOKEN_PASS_OPS = new Set(['Expand', 'Tile', 'Cast', 'Identity']);

function attr(n: OnnxNode, name: string) {
  return n.attributes.find((a) => a.name === name);
}

/** What a refusal advises by default: the model was a picked file. */
export const PICK_ADVICE = 'Pick the .onnx file of a DINOv2 export.';

function notVit(fileName: string, why: string, advice: string): ExplorerError {
  return new ExplorerError(
    'not-vit',
    `"${fileName}" is an ONNX model but not a ViT image encoder (${why}). ${advice}`,
    fileName,
  );
}

interface PatchEmbed {
  input: OnnxValueInfo;
  patchSize: number;
  hiddenSize: number | null;
}

/** The image input: 4-D float, 3 channels, reaching a Conv whose stride equals its kernel. */
function findPatchEmbed(g: GraphIndex): PatchEmbed | null {
  const initNames = new Set(g.graph.initializers.map((t) => t.name));
  for (const input of g.graph.inputs) {
    // Old IR versions list initializers as inputs too; those are weights, not images.
    if (initNames.has(input.name) || !isFloat(input) || input.dims?.length !== 4) continue;
    const channels = input.dims[1];
    if (typeof channels === 'number' && channels !== 3) continue;
    // Filled by the predicate (a closure, so TS would narrow a plain `let` to null).
    const found: { patch: PatchEmbed | null } = { patch: null };
    findForward(
      g,
      input.name,
      INPUT_PASS_OPS,
      (n) => {
        if (!CONV_OPS.has(n.opType)) return false;
        const weightName = n.opType === 'QLinearConv' ? n.inputs[3] : n.inputs[1];
        const w = weightName ? g.constTensor(weightName) : undefined;
        const kernel = attr(n, 'kernel_shape')?.ints ?? w?.dims.slice(2) ?? [];
        const strides = attr(n, 'strides')?.ints ?? [];
        if (kernel.length !== 2 || kernel[0] !== kernel[1] || kernel[0] < 2) return false;
        if (strides.length !== 2 || strides[0] !== kernel[0] || strides[1] !== kernel[1])
          return false;
        // Channels come from the weight when the input's are symbolic.
        if (w && w.dims.length === 4 && w.dims[1] !== 3) return false;
        found.patch = {
          input,
          patchSize: kernel[0],
          hiddenSize: w && w.dims.length === 4 ? w.dims[0] : null,
        };
        return true;
      },
      6,
    );
    if (found.patch) return found.patch;
  }
  return null;
}

/** Rank-3 float output, preferring a static last dim equal to the width, then a "hidden" name. */
function pickTokens(outputs: OnnxValueInfo[], hidden: number | null): OnnxValueInfo | null {
  let best: OnnxValueInfo | null = null;
  let bestScore = -1;
  for (const o of outputs) {
    if (!isFloat(o) || o.dims?.length !== 3) continue;
    const last = o.dims[2];
    if (typeof last === 'number' && hidden !== null && last !== hidden) continue;
    let score = 0;
    if (typeof last === 'number') score += 4;
    if (/last_hidden/i.test(o.name)) score += 2;
    else if (/hidden/i.test(o.name)) score += 1;
    if (score > bestScore) {
      best = o;
      bestScore = score;
    }
  }
  return best;
}

interface Attention {
  softmax: OnnxNode;
  qk: OnnxNode;
}

/** Softmax nodes fed (through scale/mask ops) by a MatMul of two activations: q·kᵀ. */
function findAttention(g: GraphIndex): Attention[] {
  const found: Attention[] = [];
  for (const n of g.graph.nodes) {
    if (n.opType !== 'Softmax' || !n.inputs[0]) continue;
    const qk = findBackward(
      g,
      n.inputs[0],
      SCORE_PASS_OPS,
      (p) => QK_MATMUL_OPS.has(p.opType) && p.inputs.slice(0, 2).every((i) => i && !g.isConst(i)),
      4,
    );
    if (qk) found.push({ softmax: n, qk });
  }
  return found;
}

/** Head dim from the score scale: Mul by 1/√d or Div by √d between q·kᵀ and Softmax. */
function headDimFromScale(g: GraphIndex, a: Attention): number | null {
  // A holder, not a `let`: it is set inside visit callbacks.
  const found: { d: number | null } = { d: null };
  findBackward(
    g,
    a.softmax.inputs[0],
    SCORE_PASS_OPS,
    (p) => p === a.qk,
    4,
    (p) => {
      if (found.d !== null || (p.opType !== 'Mul' && p.opType !== 'Div')) return;
      for (const i of p.inputs) {
        const c = g.scalarFloat(i);
        if (c === null || c <= 0) continue;
        found.d = p.opType === 'Mul' ? 1 / (c * c) : c * c;
      }
    },
  );
  if (found.d === null) {
    // Some exporters scale q and k each by d^-1/4 before the MatMul.
    for (const i of a.qk.inputs.slice(0, 2)) {
      findBackward(
        g,
        i,
        QK_INPUT_PASS_OPS,
        () => false,
        3,
        (p) => {
          if (found.d !== null || p.opType !== 'Mul') return;
          for (const x of p.inputs) {
            const c = g.scalarFloat(x);
            if (c !== null && c > 0 && c < 1) found.d = 1 / c ** 4;
          }
        },
      );
    }
  }
  const d = found.d;
  if (d === null) return null;
  const r = Math.round(d);
  // fp16 scales are inexact; accept within 1%.
  return r >= 1 && Math.abs(d - r) <= 0.01 * r ? r : null;
}

/** (heads, headDim) candidates from the Reshapes that split q and k into heads: [..., h, d]. */
function headSplits(g: GraphIndex, a: Attention, hidden: number): { h: number; d: number }[] {
  const out: { h: number; d: number }[] = [];
  for (const i of a.qk.inputs.slice(0, 2)) {
    const reshape = findBackward(g, i, QK_INPUT_PASS_OPS, (p) => p.opType === 'Reshape', 4);
    const shape = reshape?.inputs[1] ? g.shapeValues(reshape.inputs[1]) : null;
    if (!shape || shape.values.length < 2) continue;
    const h = shape.values[shape.values.length - 2];
    const d = shape.values[shape.values.length - 1];
    if (h !== null && d !== null && h >= 1 && d > 1 && h * d === hidden) out.push({ h, d });
  }
  return out;
}

function countHeads(g: GraphIndex, attention: Attention[], hidden: number): number | null {
  const votes = new Map<number, number>();
  for (const a of attention) {
    const d = headDimFromScale(g, a);
    const splits = headSplits(g, a, hidden);
    let h: number | null = null;
    if (splits.length) {
      // Heads are split as [..., h, d]; a scale 1/sqrt(d) that names the other factor means the
      // export orders them the other way round.
      const s = splits[0];
      h = d !== null && d === s.h && d !== s.d ? s.d : s.h;
    } else if (d !== null && hidden % d === 0) {
      h = hidden / d;
    }
    if (h !== null) votes.set(h, (votes.get(h) ?? 0) + 1);
  }
  let best: number | null = null;
  for (const [h, n] of votes) if (best === null || n > (votes.get(best) ?? 0)) best = h;
  return best;
}

/** Register tokens: a [1,R,D] constant concatenated along the token axis, like the [1,1,D] CLS. */
function countRegisters(g: GraphIndex, hidden: number): number | null {
  const isTokenConcat = (n: OnnxNode) => {
    const axis = attr(n, 'axis')?.i;
    return n.opType === 'Concat' && (axis === 1 || axis === -2);
  };
  let sawCls = false;
  let registers: number | null = null;
  // Initializers, plus Constant outputs and aliases (Identity) of them.
  const candidates = new Map<string, number[]>();
  for (const t of g.graph.initializers) candidates.set(t.name, t.dims);
  for (const n of g.graph.nodes) {
    if (n.opType !== 'Constant' && n.opType !== 'Identity') continue;
    const t = n.outputs[0] ? g.constTensor(n.outputs[0]) : undefined;
    if (t) candidates.set(n.outputs[0], t.dims);
  }
  for (const [name, dims] of candidates) {
    if (dims.length !== 3 || dims[0] !== 1 || dims[2] !== hidden || dims[1] > 16) continue;
    if (!findForward(g, name, TOKEN_PASS_OPS, isTokenConcat, 3)) {
      // Name hint for exports that add registers some other way.
      if (dims[1] > 1 && /register/i.test(name)) registers = dims[1];
      continue;
    }
    if (dims[1] === 1) sawCls = true;
    else registers = dims[1];
  }
  if (registers !== null) return registers;
  // Only CLS (and its position embedding) are prepended: no registers.
  return sawCls ? 0 : null;
}

/** Graph outputs that are attention probabilities: produced by an attention Softmax, or named so. */
function exportedAttention(g: GraphIndex, attention: Attention[]): string[] {
  const layerOf = new Map<string, number>();
  attention.forEach((a, i) => layerOf.set(a.softmax.outputs[0], i));
  const found: { name: string; key: number }[] = [];
  for (const o of g.graph.outputs) {
    let name = o.name;
    // Look through Identity/Cast the exporter may put before an output.
    for (
      let p = g.producer(name);
      p && (p.opType === 'Identity' || p.opType === 'Cast');
      p = g.producer(name)
    )
      name = p.inputs[0];
    const layer = layerOf.get(name);
    if (layer !== undefined) found.push({ name: o.name, key: layer });
    else if (o.dims?.length === 4 && isFloat(o) && /attention/i.test(o.name)) {
      const m = /(\d+)\D*$/.exec(o.name);
      found.push({ name: o.name, key: m ? Number(m[1]) : found.length });
    }
  }
  return found.sort((a, b) => a.key - b.key).map((f) => f.name);
}

/**
 * Reads the graph (never the weights) and describes the model, or refuses it. `advice` ends a
 * refusal of a graph that is no ViT: what to do depends on where the file came from (a picked
 * file, an address), which only the caller knows.
 */
export function inspectModel(
  bytes: Uint8Array,
  fileName: string,
  advice: string = PICK_ADVICE,
): ModelInfo {
  const model = readOnnxModel(bytes, fileName);
  const g = new GraphIndex(model.graph);

  const patch = findPatchEmbed(g);
  if (!patch)
    throw notVit(fileName, 'no 4-D 3-channel image input feeding a patch-embedding Conv', advice);
  const tokens = pickTokens(model.graph.outputs, patch.hiddenSize);
  if (!tokens) throw notVit(fileName, 'no [batch, tokens, width] output', advice);
  const hidden = patch.hiddenSize ?? (typeof tokens.dims?.[2] === 'number' ? tokens.dims[2] : null);
  if (!hidden) throw notVit(fileName, 'cannot tell the embedding width', advice);

  const pooled = model.graph.outputs.find(
    (o) =>
      o !== tokens &&
      isFloat(o) &&
      o.dims?.length === 2 &&
      (typeof o.dims[1] !== 'number' || o.dims[1] === hidden),
  );

  const attention = findAttention(g);
  const fusedNodes = model.graph.nodes.filter((n) => FUSED_ATTENTION_OPS.has(n.opType));
  // A ViT attends: a graph with no Softmax and no fused attention op is a patch embedding (or
  // something else) without transformer blocks. Ops of another domain may be local functions
  // that hide the attention, so such a graph is given the benefit of the doubt.
  const custom = model.graph.nodes.some((n) => n.domain !== '' && n.domain !== 'ai.onnx');
  const softmax = model.graph.nodes.some((n) => n.opType === 'Softmax');
  if (attention.length === 0 && fusedNodes.length === 0 && !custom && !softmax)
    throw notVit(fileName, 'no attention: it has no Softmax and no attention op', advice);
  const fused = attention.length === 0 && fusedNodes.length > 0;
  const layerNorms = model.graph.nodes.filter((n) => n.opType === 'LayerNormalization').length;
  // Each block has two LayerNorms (plus one final), hence floor(n / 2) as a fallback.
  const numLayers =
    attention.length ||
    (fused ? fusedNodes.length : 0) ||
    (layerNorms >= 2 ? Math.floor(layerNorms / 2) : null);
  let numHeads = countHeads(g, attention, hidden);
  if (numHeads === null && fused) numHeads = attr(fusedNodes[0], 'num_heads')?.i ?? null;

  const externalData: string[] = [];
  const externalDataBytes: Record<string, number> = {};
  let weightsBytes = 0;
  for (const t of model.graph.initializers) {
    weightsBytes += t.byteLength;
    if (!t.external) continue;
    const { location, offset } = t.external;
    if (!externalData.includes(location)) externalData.push(location);
    const end = (offset ?? 0) + t.byteLength;
    externalDataBytes[location] = Math.max(externalDataBytes[location] ?? 0, end);
  }
  const ops = [...new Set(model.graph.nodes.map((n) => n.opType))].sort();

  return {
    fileName,
    byteLength: bytes.length,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    opset: model.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0,
    input: sig(patch.input),
    tokens: sig(tokens),
    pooled: pooled ? sig(pooled) : null,
    outputs: model.graph.outputs.map(sig),
    patchSize: patch.patchSize,
    hiddenSize: hidden,
    numLayers,
    numHeads,
    registerTokens: countRegisters(g, hidden),
    blockOutputs: findBlockOutputs(g, tokens.name, numLayers),
    attention: {
      softmaxOutputs: attention.map((a) => a.softmax.outputs[0]),
      exportedOutputs: exportedAttention(g, attention),
      fused,
    },
    externalData,
    externalDataBytes,
    weightsBytes,
    ops,
    quantized: ops.some((op) => QUANT_OPS.has(op) || op.startsWith('QLinear')),
  };
}
