/**
 * The parts of an ONNX ModelProto that the explorer reads. Plain objects (structured-clone safe,
 * apart from the small `raw` views) with field names following onnx.proto.
 */

/** TensorProto.DataType values we care about. */
export const DT_FLOAT = 1;
export const DT_UINT8 = 2;
export const DT_INT8 = 3;
export const DT_INT32 = 6;
export const DT_INT64 = 7;
export const DT_FLOAT16 = 10;
export const DT_DOUBLE = 11;

/** Bytes per element by data type (0 = unknown / variable, e.g. strings). */
export const DT_SIZE: Record<number, number> = {
  1: 4, // float
  2: 1, // uint8
  3: 1, // int8
  4: 2, // uint16
  5: 2, // int16
  6: 4, // int32
  7: 8, // int64
  9: 1, // bool
  10: 2, // float16
  11: 8, // double
  12: 4, // uint32
  13: 8, // uint64
  16: 2, // bfloat16
  17: 1, // float8 variants
  18: 1,
  19: 1,
  20: 1,
};

export interface OnnxExternalData {
  location: string;
  offset: number | null;
  length: number | null;
}

export interface OnnxTensor {
  name: string;
  dataType: number;
  dims: number[];
  /** Bytes of tensor data, wherever it lives (raw_data, typed fields, or external file). */
  byteLength: number;
  /** View of raw_data, only for small tensors (≤ RAW_VIEW_LIMIT): enough for shape constants. */
  raw: Uint8Array | null;
  int64Data: number[] | null;
  floatData: number[] | null;
  doubleData: number[] | null;
  int32Data: number[] | null;
  /** Set when data_location = EXTERNAL. */
  external: OnnxExternalData | null;
}

export interface OnnxAttribute {
  name: string;
  /** AttributeProto.AttributeType (1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 6 FLOATS, 7 INTS, ...). */
  type: number;
  f: number | null;
  i: number | null;
  s: string | null;
  t: OnnxTensor | null;
  floats: number[];
  ints: number[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

export interface OnnxValueInfo {
  name: string;
  /** TensorProto.DataType of a tensor type; 0 if not a tensor or unknown. */
  elemType: number;
  /** Dims: number (dim_value), string (dim_param), or null (unknown). null if the rank is unknown. */
  dims: (number | string | null)[] | null;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsets: { domain: string; version: number }[];
  graph: OnnxGraph;
}
