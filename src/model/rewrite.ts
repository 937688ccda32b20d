/**
 * Adds graph outputs (e.g. attention Softmax results) to a model without re-encoding it.
 *
 * Protobuf merges an embedded message that appears twice: a second `graph` field at the end of a
 * ModelProto is merged into the first, and its repeated `output` entries are appended. So the
 * rewrite is "original bytes + a small tail" — weights are never decoded or re-encoded, which
 * matters for models of hundreds of MB. (External-data models keep working: the tail does not
 * touch initializers.)
 */
import { ExplorerError } from '../lib/errors';
import type { ElemType } from './model-info';
import { GraphIndex } from './onnx/graph';
import { floatField, lenField, message, stringField, varintField } from './onnx/protobuf-writer';
import { readOnnxModel } from './onnx/read-model';
import { DT_FLOAT, DT_FLOAT16, DT_INT64, type OnnxAttribute, type OnnxNode } from './onnx/types';

export interface ExtraOutput {
  name: string;
  elemType: ElemType;
}

function dataType(t: ElemType): number {
  switch (t) {
    case 'float32':
      return DT_FLOAT;
    case 'float16':
      return DT_FLOAT16;
    case 'int64':
      return DT_INT64;
    default:
      // ORT needs an element type on a graph output; 'other' cannot be expressed.
      throw new ExplorerError('internal', `Cannot add a model output of element type '${t}'.`);
  }
}

/**
 * The tail `ModelProto { graph (7) { output (12): ValueInfoProto { name (1),
 * type (2) { tensor_type (1) { elem_type (1) } } } } }`. The shape is left out: ORT infers it.
 */
export function encodeExtraOutputs(outputs: ExtraOutput[]): Uint8Array {
  const valueInfos = outputs.map((o) =>
    lenField(
      12,
      message(
        stringField(1, o.name),
        lenField(2, lenField(1, varintField(1, dataType(o.elemType)))),
      ),
    ),
  );
  return lenField(7, message(...valueInfos));
}

/** The model bytes followed by the extra-output tail (one copy: a contiguous buffer is needed). */
export function addOutputs(bytes: Uint8Array, outputs: ExtraOutput[]): Uint8Array {
  const tail = encodeExtraOutputs(outputs);
  const out = new Uint8Array(bytes.length + tail.length);
  out.set(bytes, 0);
  out.set(tail, bytes.length);
  return out;
}

/** Attribute types a cloned node may carry (FLOAT, INT, STRING, FLOATS, INTS): no tensors, graphs. */
const CLONABLE_ATTRIBUTES = new Set([1, 2, 3, 6, 7]);

/** Integers beyond 2^53 (INT64_MAX as "to the end") do not survive a JavaScript number. */
function clonable(a: OnnxAttribute): boolean {
  const exact = (i: number) => Number.isSafeInteger(i);
  return CLONABLE_ATTRIBUTES.has(a.type) && (a.i === null || exact(a.i)) && a.ints.every(exact);
}

function encodeAttribute(a: OnnxAttribute): Uint8Array {
  const fields = [stringField(1, a.name), varintField(20, a.type)];
  if (a.type === 1 && a.f !== null) fields.push(floatField(2, a.f));
  if (a.type === 2 && a.i !== null) fields.push(varintField(3, a.i));
  if (a.type === 3 && a.s !== null) fields.push(stringField(4, a.s));
  for (const f of a.floats) fields.push(floatField(7, f));
  for (const i of a.ints) fields.push(varintField(8, i));
  return message(...fields);
}

function encodeNode(n: OnnxNode): Uint8Array {
  return message(
    ...n.inputs.map((i) => stringField(1, i)),
    ...n.outputs.map((o) => stringField(2, o)),
    stringField(3, n.name),
    stringField(4, n.opType),
    ...(n.domain ? [stringField(7, n.domain)] : []),
    ...n.attributes.map((a) => lenField(5, encodeAttribute(a))),
  );
}

/**
 * The model, plus an output holding block `block`'s tokens (1-based) passed through the model's
 * own final norm, as DINOv2's `get_intermediate_layers(norm=True)` gives them. The nodes between
 * the last block's output and the token output (the final LayerNorm, fused or written out, and
 * any casts) are appended again, reading the chosen block's output instead; like addOutputs this
 * only appends bytes, so the weights are shared, never decoded. onnxruntime orders the nodes
 * itself, so the copies may follow the output they feed. A graph whose token output is the last
 * block's output itself (no final norm) gives block K's output as it is. Null for a block that
 * does not exist, or when the nodes cannot be copied faithfully: an attribute holding a tensor, a
 * subgraph or an integer beyond 2^53, or a QuantizeLinear (its scale was calibrated on the last
 * block's values, and would clip another block's).
 */
export function addBlockTokens(
  bytes: Uint8Array,
  fileName: string,
  tokens: { name: string; elemType: ElemType },
  blockOutputs: string[],
  block: number,
): { bytes: Uint8Array; output: string } | null {
  const from = blockOutputs[block - 1];
  const last = blockOutputs[blockOutputs.length - 1];
  if (!from || !last) return null;
  const { graph } = readOnnxModel(bytes, fileName);
  const g = new GraphIndex(graph);
  // What the last block's output reaches...
  const after = new Set<OnnxNode>();
  const reach = [last];
  for (let name = reach.pop(); name !== undefined; name = reach.pop()) {
    for (const c of g.consumers(name)) {
      if (after.has(c)) continue;
      after.add(c);
      reach.push(...c.outputs.filter(Boolean));
    }
  }
  // ...and of that, what the token output is computed from.
  const copied = new Set<OnnxNode>();
  const back = [tokens.name];
  for (let name = back.pop(); name !== undefined; name = back.pop()) {
    const p = g.producer(name);
    if (!p || !after.has(p) || copied.has(p)) continue;
    copied.add(p);
    back.push(...p.inputs.filter(Boolean));
  }
  if (copied.size === 0) {
    return tokens.name === last
      ? { bytes: addOutputs(bytes, [{ name: from, elemType: tokens.elemType }]), output: from }
      : null;
  }
  const prefix = `explorer/block${block}/`;
  const rename = (name: string) => {
    if (name === last) return from;
    const p = g.producer(name);
    return p && copied.has(p) ? prefix + name : name;
  };
  const nodes: Uint8Array[] = [];
  for (const n of graph.nodes) {
    if (!copied.has(n)) continue;
    if (n.opType === 'QuantizeLinear' || n.attributes.some((a) => !clonable(a))) return null;
    const copy: OnnxNode = {
      ...n,
      name: prefix + (n.name || n.outputs[0]),
      inputs: n.inputs.map((i) => (i ? rename(i) : i)),
      outputs: n.outputs.map((o) => (o ? prefix + o : o)),
    };
    nodes.push(lenField(1, encodeNode(copy)));
  }
  const output = prefix + tokens.name;
  const outputInfo = lenField(
    12,
    message(
      stringField(1, output),
      lenField(2, lenField(1, varintField(1, dataType(tokens.elemType)))),
    ),
  );
  const tail = lenField(7, message(...nodes, outputInfo));
  const out = new Uint8Array(bytes.length + tail.length);
  out.set(bytes, 0);
  out.set(tail, bytes.length);
  return { bytes: out, output };
}
