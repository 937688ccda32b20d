/**
 * Parses the structure of an ONNX ModelProto (nodes, value infos, initializer metadata) without
 * touching weight bytes: raw_data is skipped in O(1) except for small tensors, so a 1 GB model reads
 * as fast as its graph is large.
 *
 * Strictness is deliberate: the user picks arbitrary files, and a PNG or a text file must be refused
 * as "not ONNX" rather than misread. Known fields must carry the wire type onnx.proto gives them,
 * the top level may only hold ModelProto fields, and there must be a graph with at least one node.
 */
import { ExplorerError } from '../../lib/errors';
import { ProtoReader, expectWire, WIRE_FIXED32, WIRE_LEN, WIRE_VARINT } from './protobuf';
import {
  DT_SIZE,
  type OnnxAttribute,
  type OnnxExternalData,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './types';

export type * from './types';

/** raw_data at or below this size is kept as a view (Reshape shapes, scale constants, ...). */
export const RAW_VIEW_LIMIT = 4096;

/** ModelProto field numbers that may appear at the top level (onnx.proto, IR v10). */
const MODEL_FIELDS: Record<number, number> = {
  1: WIRE_VARINT, // ir_version
  2: WIRE_LEN, // producer_name
  3: WIRE_LEN, // producer_version
  4: WIRE_LEN, // domain
  5: WIRE_VARINT, // model_version
  6: WIRE_LEN, // doc_string
  7: WIRE_LEN, // graph
  8: WIRE_LEN, // opset_import
  14: WIRE_LEN, // metadata_props
  20: WIRE_LEN, // training_info
  25: WIRE_LEN, // functions
  26: WIRE_LEN, // configuration (multi-device)
};

/** Highest IR version we consider plausible (onnx 1.17 writes 10; leave headroom). */
const MAX_IR_VERSION = 64;

function tensorBytes(t: OnnxTensor): number {
  let n = DT_SIZE[t.dataType] ?? 0;
  for (const d of t.dims) n *= Math.max(d, 0);
  return n;
}

function readTensor(r: ProtoReader): OnnxTensor {
  const t: OnnxTensor = {
    name: '',
    dataType: 0,
    dims: [],
    byteLength: -1,
    raw: null,
    int64Data: null,
    floatData: null,
    doubleData: null,
    int32Data: null,
    external: null,
  };
  let external = false;
  const ext: OnnxExternalData = { location: '', offset: null, length: null };
  while (!r.eof()) {
    const tg = r.tag();
    const wire = tg & 7;
    switch (tg >>> 3) {
      case 1:
        r.repeatedVarint(wire, t.dims);
        break;
      case 2:
        expectWire(wire, WIRE_VARINT, 'TensorProto.data_type');
        t.dataType = r.varint();
        break;
      case 4:
        r.repeatedFloat(wire, (t.floatData ??= []));
        break;
      case 5:
        r.repeatedVarint(wire, (t.int32Data ??= []));
        break;
      case 7:
        r.repeatedVarint(wire, (t.int64Data ??= []));
        break;
      case 8:
        expectWire(wire, WIRE_LEN, 'TensorProto.name');
        t.name = r.string();
        break;
      case 9: {
        expectWire(wire, WIRE_LEN, 'TensorProto.raw_data');
        // The one place size matters: never copy, only keep a view when it is small.
        const { start, length } = r.skipBytes();
        t.byteLength = length;
        if (length <= RAW_VIEW_LIMIT) t.raw = r.buf.subarray(start, start + length);
        break;
      }
      case 10:
        r.repeatedDouble(wire, (t.doubleData ??= []));
        break;
      case 13: {
        expectWire(wire, WIRE_LEN, 'TensorProto.external_data');
        const kv = r.message();
        let key = '';
        let value = '';
        while (!kv.eof()) {
          const kt = kv.tag();
          if (kt >>> 3 === 1 && (kt & 7) === WIRE_LEN) key = kv.string();
          else if (kt >>> 3 === 2 && (kt & 7) === WIRE_LEN) value = kv.string();
          else kv.skip(kt & 7);
        }
        if (key === 'location') ext.location = value;
        else if (key === 'offset') ext.offset = Number(value);
        else if (key === 'length') ext.length = Number(value);
        break;
      }
      case 14:
        expectWire(wire, WIRE_VARINT, 'TensorProto.data_location');
        external = r.varint() === 1;
        break;
      default:
        r.skip(wire);
    }
  }
  if (external) t.external = ext;
  if (t.byteLength < 0) {
    t.byteLength =
      external && ext.length !== null && Number.isFinite(ext.length) ? ext.length : tensorBytes(t);
  }
  return t;
}

function readAttribute(r: ProtoReader): OnnxAttribute {
  const a: OnnxAttribute = {
    name: '',
    type: 0,
    f: null,
    i: null,
    s: null,
    t: null,
    floats: [],
    ints: [],
  };
  while (!r.eof()) {
    const tg = r.tag();
    const wire = tg & 7;
    switch (tg >>> 3) {
      case 1:
        expectWire(wire, WIRE_LEN, 'AttributeProto.name');
        a.name = r.string();
        break;
      case 2:
        expectWire(wire, WIRE_FIXED32, 'AttributeProto.f');
        a.f = r.float32();
        break;
      case 3:
        expectWire(wire, WIRE_VARINT, 'AttributeProto.i');
        a.i = r.varint();
        break;
      case 4:
        expectWire(wire, WIRE_LEN, 'AttributeProto.s');
        a.s = r.string();
        break;
      case 5:
        expectWire(wire, WIRE_LEN, 'AttributeProto.t');
        a.t = readTensor(r.message());
        break;
      case 7:
        r.repeatedFloat(wire, a.floats);
        break;
      case 8:
        r.repeatedVarint(wire, a.ints);
        break;
      case 20:
        expectWire(wire, WIRE_VARINT, 'AttributeProto.type');
        a.type = r.varint();
        break;
      default:
        // g (6), graphs (11), sparse tensors, ...: subgraphs are not needed for a ViT.
        r.skip(wire);
    }
  }
  return a;
}

function readNode(r: ProtoReader): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  while (!r.eof()) {
    const tg = r.tag();
    const wire = tg & 7;
    switch (tg >>> 3) {
      case 1:
        expectWire(wire, WIRE_LEN, 'NodeProto.input');
        n.inputs.push(r.string());
        break;
      case 2:
        expectWire(wire, WIRE_LEN, 'NodeProto.output');
        n.outputs.push(r.string());
        break;
      case 3:
        expectWire(wire, WIRE_LEN, 'NodeProto.name');
        n.name = r.string();
        break;
      case 4:
        expectWire(wire, WIRE_LEN, 'NodeProto.op_type');
        n.opType = r.string();
        break;
      case 5:
        expectWire(wire, WIRE_LEN, 'NodeProto.attribute');
        n.attributes.push(readAttribute(r.message()));
        break;
      case 7:
        expectWire(wire, WIRE_LEN, 'NodeProto.domain');
        n.domain = r.string();
        break;
      default:
        r.skip(wire);
    }
  }
  return n;
}

/** TypeProto.Tensor.shape → dims; a dim with neither value nor param is unknown (null). */
function readShape(r: ProtoReader): (number | string | null)[] {
  const dims: (number | string | null)[] = [];
  while (!r.eof()) {
    const tg = r.tag();
    if (tg >>> 3 === 1) {
      expectWire(tg & 7, WIRE_LEN, 'TensorShapeProto.dim');
      const d = r.message();
      let dim: number | string | null = null;
      while (!d.eof()) {
        const dt = d.tag();
        if (dt >>> 3 === 1) {
          expectWire(dt & 7, WIRE_VARINT, 'Dimension.dim_value');
          dim = d.varint();
        } else if (dt >>> 3 === 2) {
          expectWire(dt & 7, WIRE_LEN, 'Dimension.dim_param');
          dim = d.string();
        } else d.skip(dt & 7);
      }
      dims.push(dim);
    } else r.skip(tg & 7);
  }
  return dims;
}

function readValueInfo(r: ProtoReader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', elemType: 0, dims: null };
  while (!r.eof()) {
    const tg = r.tag();
    const wire = tg & 7;
    if (tg >>> 3 === 1) {
      expectWire(wire, WIRE_LEN, 'ValueInfoProto.name');
      v.name = r.string();
    } else if (tg >>> 3 === 2) {
      expectWire(wire, WIRE_LEN, 'ValueInfoProto.type');
      const type = r.message();
      while (!type.eof()) {
        const tt = type.tag();
        if (tt >>> 3 === 1) {
          // tensor_type (other kinds — sequence, map, optional — stay elemType 0).
          expectWire(tt & 7, WIRE_LEN, 'TypeProto.tensor_type');
          const tensor = type.message();
          while (!tensor.eof()) {
            const ft = tensor.tag();
            if (ft >>> 3 === 1) {
              expectWire(ft & 7, WIRE_VARINT, 'TypeProto.Tensor.elem_type');
              v.elemType = tensor.varint();
            } else if (ft >>> 3 === 2) {
              expectWire(ft & 7, WIRE_LEN, 'TypeProto.Tensor.shape');
              v.dims = readShape(tensor.message());
            } else tensor.skip(ft & 7);
          }
        } else type.skip(tt & 7);
      }
    } else r.skip(wire);
  }
  return v;
}

function readGraph(r: ProtoReader): OnnxGraph {
  const g: OnnxGraph = {
    name: '',
    nodes: [],
    initializers: [],
    inputs: [],
    outputs: [],
    valueInfo: [],
  };
  while (!r.eof()) {
    const tg = r.tag();
    const wire = tg & 7;
    switch (tg >>> 3) {
      case 1:
        expectWire(wire, WIRE_LEN, 'GraphProto.node');
        g.nodes.push(readNode(r.message()));
        break;
      case 2:
        expectWire(wire, WIRE_LEN, 'GraphProto.name');
        g.name = r.string();
        break;
      case 5:
        expectWire(wire, WIRE_LEN, 'GraphProto.initializer');
        g.initializers.push(readTensor(r.message()));
        break;
      case 11:
        expectWire(wire, WIRE_LEN, 'GraphProto.input');
        g.inputs.push(readValueInfo(r.message()));
        break;
      case 12:
        expectWire(wire, WIRE_LEN, 'GraphProto.output');
        g.outputs.push(readValueInfo(r.message()));
        break;
      case 13:
        expectWire(wire, WIRE_LEN, 'GraphProto.value_info');
        g.valueInfo.push(readValueInfo(r.message()));
        break;
      default:
        r.skip(wire);
    }
  }
  return g;
}

function notOnnx(fileName: string, why: string): ExplorerError {
  return new ExplorerError(
    'not-onnx',
    `"${fileName}" is not an ONNX model (${why}). Pick the .onnx file of a DINOv2 export.`,
    fileName,
  );
}

function truncated(fileName: string, why: string): ExplorerError {
  return new ExplorerError(
    'truncated',
    `"${fileName}" is cut short (${why}); the download or copy did not finish. Fetch the file again.`,
    fileName,
  );
}

function parseModel(r: ProtoReader): { model: OnnxModel; sawGraph: boolean; sawOpset: boolean } {
  const model: OnnxModel = {
    irVersion: 0,
    producerName: '',
    producerVersion: '',
    opsets: [],
    graph: { name: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [] },
  };
  let sawGraph = false;
  let sawOpset = false;
  while (!r.eof()) {
    const tg = r.tag();
    const field = tg >>> 3;
    const wire = tg & 7;
    const expected = MODEL_FIELDS[field];
    // Unknown top-level fields are far likelier to be garbage than a newer ONNX.
    if (expected === undefined) throw new ExplorerError('not-onnx', `unexpected field ${field}`);
    expectWire(wire, expected, `ModelProto field ${field}`);
    switch (field) {
      case 1:
        model.irVersion = r.varint();
        break;
      case 2:
        model.producerName = r.string();
        break;
      case 3:
        model.producerVersion = r.string();
        break;
      case 7: {
        // A repeated embedded message merges; in practice there is one graph, but an appended
        // `graph { output ... }` (see rewrite.ts) must merge into it, so read into the same object.
        const g = readGraph(r.message());
        const m = model.graph;
        if (g.name) m.name = g.name;
        m.nodes.push(...g.nodes);
        m.initializers.push(...g.initializers);
        m.inputs.push(...g.inputs);
        m.outputs.push(...g.outputs);
        m.valueInfo.push(...g.valueInfo);
        sawGraph = true;
        break;
      }
      case 8: {
        const o = r.message();
        let domain = '';
        let version = 0;
        while (!o.eof()) {
          const ot = o.tag();
          if (ot >>> 3 === 1) {
            expectWire(ot & 7, WIRE_LEN, 'OperatorSetIdProto.domain');
            domain = o.string();
          } else if (ot >>> 3 === 2) {
            expectWire(ot & 7, WIRE_VARINT, 'OperatorSetIdProto.version');
            version = o.varint();
          } else o.skip(ot & 7);
        }
        model.opsets.push({ domain, version });
        sawOpset = true;
        break;
      }
      default:
        r.skip(wire);
    }
  }
  return { model, sawGraph, sawOpset };
}

/**
 * Reads an ONNX model's structure. Throws ExplorerError 'not-onnx' for anything that is not a
 * ModelProto with a graph, 'truncated' for a ModelProto whose bytes stop early.
 */
export function readOnnxModel(bytes: Uint8Array, fileName: string): OnnxModel {
  if (bytes.length === 0) throw notOnnx(fileName, 'the file is empty');
  // Writers emit fields in number order, so a ModelProto starts with ir_version (tag 0x08). Only
  // when it does do we blame a short read on truncation; otherwise the bytes are just not ONNX.
  let plausible = false;
  if (bytes[0] === 0x08) {
    try {
      const ir = new ProtoReader(bytes, 1).varint();
      plausible = ir >= 1 && ir <= MAX_IR_VERSION;
    } catch {
      plausible = false;
    }
  }
  let parsed: ReturnType<typeof parseModel>;
  try {
    parsed = parseModel(new ProtoReader(bytes));
  } catch (err) {
    if (err instanceof ExplorerError && err.code === 'truncated' && plausible) {
      throw truncated(fileName, `${err.message} at ${bytes.length} bytes`);
    }
    if (err instanceof ExplorerError) throw notOnnx(fileName, err.message);
    throw err;
  }
  const { model, sawGraph, sawOpset } = parsed;
  if (!sawGraph) {
    throw plausible
      ? truncated(fileName, 'it ends before the graph')
      : notOnnx(fileName, 'there is no graph');
  }
  if (model.graph.nodes.length === 0) throw notOnnx(fileName, 'the graph has no nodes');
  if (model.irVersion < 1 || model.irVersion > MAX_IR_VERSION) {
    throw notOnnx(fileName, `implausible IR version ${model.irVersion}`);
  }
  if (!model.graph.nodes.every((n) => n.opType.length > 0)) {
    throw notOnnx(fileName, 'a node has no operator type');
  }
  // ORT refuses a model without opset_import; writers put it after the graph, so its absence in an
  // otherwise sound file means the end was cut off at a field boundary.
  if (!sawOpset) throw truncated(fileName, 'it ends before the opset imports');
  return model;
}
