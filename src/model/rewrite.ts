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
import { lenField, message, stringField, varintField } from './onnx/protobuf-writer';
import { DT_FLOAT, DT_FLOAT16, DT_INT64 } from './onnx/types';

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
