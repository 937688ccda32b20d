/**
 * Where each transformer block's output is in a ViT graph, so features can come from a block
 * other than the last (DINOv2's `get_intermediate_layers`, which the dense heads of the paper use).
 *
 * Found by structure, never by names: a block is `x + attn(norm1(x))` then `+ mlp(norm2(·))`, so
 * the residual stream is a chain of Adds whose one input is an ancestor of the other (the branch
 * is computed from the stream it is added to). Walking that chain back from the token output
 * gives, two Adds per block, every block's output. The attention branch of each block must hold
 * its Softmax (or fused attention op), which tells block boundaries apart from other Adds.
 */
import { ANY_OP, findBackward, type GraphIndex } from './onnx/graph';
import type { OnnxNode } from './onnx/types';

/** onnxruntime's fused attention operators (a graph that has them has no Softmax to tap). */
export const FUSED_ATTENTION_OPS = new Set([
  'Attention',
  'MultiHeadAttention',
  'PackedAttention',
  'PackedMultiHeadAttention',
  'QAttention',
  'GroupQueryAttention',
  'SparseAttention',
]);
const attends = (n: OnnxNode) => n.opType === 'Softmax' || FUSED_ATTENTION_OPS.has(n.opType);

/** Nodes computing `to` from graph tensors, walking back over non-constant inputs, not past `stop`. */
function ancestors(g: GraphIndex, to: string, stop: string | null): Set<OnnxNode> {
  const nodes = new Set<OnnxNode>();
  const seen = new Set<string>([to]);
  const stack = [to];
  while (stack.length) {
    const name = stack.pop()!;
    if (name === stop) continue;
    const p = g.producer(name);
    if (!p || nodes.has(p)) continue;
    nodes.add(p);
    for (const i of p.inputs) {
      if (i && !seen.has(i) && !g.isConst(i)) {
        seen.add(i);
        stack.push(i);
      }
    }
  }
  return nodes;
}

/** Whether tensor `a` is computed on the way to tensor `b`. */
function feeds(g: GraphIndex, a: string, b: string): boolean {
  const seen = new Set<string>([b]);
  const stack = [b];
  while (stack.length) {
    const name = stack.pop()!;
    if (name === a) return true;
    const p = g.producer(name);
    if (!p) continue;
    for (const i of p.inputs) {
      if (i && !seen.has(i) && !g.isConst(i)) {
        seen.add(i);
        stack.push(i);
      }
    }
  }
  return false;
}

/** A residual Add: [stream, branch] when one input is computed from the other; else null. */
function residual(g: GraphIndex, n: OnnxNode): { stream: string; branch: string } | null {
  if (n.opType !== 'Add' || n.inputs.length !== 2) return null;
  const [a, b] = n.inputs;
  if (!a || !b || a === b || g.isConst(a) || g.isConst(b)) return null;
  if (feeds(g, a, b)) return { stream: a, branch: b };
  if (feeds(g, b, a)) return { stream: b, branch: a };
  return null;
}

/**
 * The output tensor of each of the `layers` blocks, first to last, or [] when the graph does not
 * show them as a residual chain with one attention per block (then only the model's own output
 * is offered).
 */
export function findBlockOutputs(g: GraphIndex, tokens: string, layers: number | null): string[] {
  if (!layers || layers < 1) return [];
  // The residual Add nearest before the token output: the last block's output (the final norm,
  // fused or written out as a dozen ops, and a cast or two lie between).
  const last = findBackward(g, tokens, ANY_OP, (p) => residual(g, p) !== null, 16);
  if (!last) return [];
  // The whole chain of residual Adds, from the last block's output back: [h_L, mid_L, h_L-1,
  // ...], then maybe the position embedding's Add (its branch is computed from the tokens' shape).
  const chain: { output: string; stream: string; branch: string }[] = [];
  const seen = new Set<OnnxNode>();
  for (let n: OnnxNode | undefined = last; n && !seen.has(n);) {
    seen.add(n);
    const r = residual(g, n);
    if (!r) break;
    chain.push({ output: n.outputs[0], ...r });
    n = g.producer(r.stream);
  }
  if (chain.length < 2 * layers) return [];
  // Each block adds its attention first, then its MLP: only the first branch attends. And no
  // attention before the first block: a layer count short of the real one would otherwise
  // number the last blocks from 1.
  for (let i = 0; i < chain.length; i++) {
    const { branch, stream } = chain[i];
    const attention = [...ancestors(g, branch, stream)].some(attends);
    if (attention !== (i < 2 * layers && i % 2 === 1)) return [];
  }
  const outputs: string[] = [];
  for (let i = 2 * (layers - 1); i >= 0; i -= 2) outputs.push(chain[i].output);
  return outputs;
}
