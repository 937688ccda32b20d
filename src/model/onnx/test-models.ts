/**
 * Builders for small synthetic ONNX models: a ModelProto is assembled field by field with the
 * protobuf writer, so tests can make models the fixtures do not cover (a non-ViT MatMul graph, odd
 * shapes) without an ONNX toolchain, and the engine can make its one-node helper graphs (the
 * covariance product of the PCA).
 */
import { lenField, message, packedVarints, stringField, varintField } from './protobuf-writer';
import { DT_FLOAT, DT_INT64 } from './types';

/** ValueInfoProto with a tensor type; dims are numbers (dim_value) or strings (dim_param). */
export function valueInfo(name: string, elemType: number, dims: (number | string)[]): Uint8Array {
  const dimMsgs = dims.map((d) =>
    lenField(1, typeof d === 'number' ? varintField(1, d) : stringField(2, d)),
  );
  const tensorType = message(varintField(1, elemType), lenField(2, message(...dimMsgs)));
  return message(stringField(1, name), lenField(2, lenField(1, tensorType)));
}

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  name = '',
  attrs: Uint8Array[] = [],
): Uint8Array {
  return message(
    ...inputs.map((i) => stringField(1, i)),
    ...outputs.map((o) => stringField(2, o)),
    ...(name ? [stringField(3, name)] : []),
    stringField(4, opType),
    ...attrs.map((a) => lenField(5, a)),
  );
}

/** AttributeProto of type INT (2). */
export function intAttr(name: string, value: number): Uint8Array {
  return message(stringField(1, name), varintField(20, 2), varintField(3, value));
}

/** AttributeProto of type INTS (7). */
export function intsAttr(name: string, ints: number[]): Uint8Array {
  return message(stringField(1, name), varintField(20, 7), packedVarints(8, ints));
}

/** A float initializer with zeroed raw_data. */
export function floatInit(name: string, dims: number[]): Uint8Array {
  const n = dims.reduce((a, b) => a * b, 1);
  return message(
    ...dims.map((d) => varintField(1, d)),
    varintField(2, DT_FLOAT),
    stringField(8, name),
    lenField(9, new Uint8Array(n * 4)),
  );
}

export interface GraphParts {
  nodes: Uint8Array[];
  initializers?: Uint8Array[];
  inputs: Uint8Array[];
  outputs: Uint8Array[];
}

/** ModelProto { ir_version 8, producer, graph, opset_import { "" 17 } } in writer field order. */
export function model(parts: GraphParts): Uint8Array {
  const graph = message(
    ...parts.nodes.map((n) => lenField(1, n)),
    stringField(2, 'test'),
    ...(parts.initializers ?? []).map((t) => lenField(5, t)),
    ...parts.inputs.map((v) => lenField(11, v)),
    ...parts.outputs.map((v) => lenField(12, v)),
  );
  return message(
    varintField(1, 8),
    stringField(2, 'unit-test'),
    lenField(7, graph),
    lenField(8, message(stringField(1, ''), varintField(2, 17))),
  );
}

/** y = x · W: a valid ONNX model that is not a vision transformer. */
export function matMulModel(): Uint8Array {
  return model({
    nodes: [node('MatMul', ['x', 'W'], ['y'], 'mm')],
    initializers: [floatInit('W', [8, 4])],
    inputs: [valueInfo('x', DT_FLOAT, ['batch', 8])],
    outputs: [valueInfo('y', DT_FLOAT, ['batch', 4])],
  });
}

/** An int64 initializer (raw_data, little-endian): shape constants. */
export function int64Init(name: string, values: number[]): Uint8Array {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return message(
    varintField(1, values.length),
    varintField(2, DT_INT64),
    stringField(8, name),
    lenField(9, raw),
  );
}

/**
 * A patch embedding alone: a 14 x 14 stride-14 Conv to 8 channels, its grid flattened into a
 * [1, 256, 8] token output. It looks like a ViT's input end but has no attention at all.
 */
export function patchTokensModel(): Uint8Array {
  return patchGraph(false);
}

/**
 * The patch embedding above with a Softmax over its tokens: it has an op a ViT has, so its graph
 * passes for one, but its 256 tokens have no CLS token (only a run tells).
 */
export function patchSoftmaxModel(): Uint8Array {
  return patchGraph(true);
}

function patchGraph(softmax: boolean): Uint8Array {
  const tokens = softmax ? 't' : 'tokens';
  return model({
    nodes: [
      node('Conv', ['pixel_values', 'W'], ['grid'], 'patch', [
        intsAttr('kernel_shape', [14, 14]),
        intsAttr('strides', [14, 14]),
      ]),
      node('Reshape', ['grid', 'shape'], ['flat'], 'flatten'),
      node('Transpose', ['flat'], [tokens], 'to_tokens', [intsAttr('perm', [0, 2, 1])]),
      ...(softmax ? [node('Softmax', ['t'], ['tokens'], 'softmax', [intAttr('axis', -1)])] : []),
    ],
    initializers: [floatInit('W', [8, 3, 14, 14]), int64Init('shape', [1, 8, 256])],
    inputs: [valueInfo('pixel_values', DT_FLOAT, [1, 3, 224, 224])],
    outputs: [valueInfo('tokens', DT_FLOAT, [1, 256, 8])],
  });
}
