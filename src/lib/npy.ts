/**
 * NumPy `.npy` files (format spec: numpy/lib/format.py). We write version 1.0, exactly the bytes
 * `np.save` writes, so exported features load with `np.load` and diff cleanly against Python; we
 * read versions 1-3 for importing.
 */

export type NpyEncodable = Float32Array | Uint8Array | Int32Array;
export type NpyDtype = 'float32' | 'float64' | 'float16' | 'uint8' | 'int32';
export type NpyData = Float32Array | Float64Array | Uint16Array | Uint8Array | Int32Array;

export interface NpyArray {
  /** float16 comes back as raw bits (Uint16Array); see float16.ts. */
  data: NpyData;
  shape: number[];
  dtype: NpyDtype;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy's ARRAY_ALIGN: the data starts on a 64-byte boundary. */
const ALIGN = 64;

const DESCR: Record<NpyDtype, string> = {
  float32: '<f4',
  float64: '<f8',
  float16: '<f2',
  uint8: '|u1',
  int32: '<i4',
};

function dtypeOf(data: NpyEncodable): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  return 'uint8';
}

/** Python's repr of a shape tuple: `()`, `(n,)`, `(a, b)`. */
function shapeRepr(shape: number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

export function encodeNpy(data: NpyEncodable, shape: number[]): Uint8Array {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`bad dimension ${d} in shape`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new RangeError(
      `shape (${shape.join(', ')}) holds ${count} values, data has ${data.length}`,
    );
  }
  // format.py `_write_array_header`: the dict repr, GROWTH_AXIS_MAX_DIGITS (21) worth of spare
  // room for the first axis (so np.save output can grow in place), then spaces and '\n' up to
  // ARRAY_ALIGN. Same bytes as np.save.
  const dict =
    `{'descr': '${DESCR[dtypeOf(data)]}', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }` +
    ' '.repeat(shape.length > 0 ? Math.max(0, 21 - String(shape[0]).length) : 0);
  const prefix = MAGIC.length + 2 + 2; // magic, version, uint16 header length
  const total = Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN;
  const header = dict.padEnd(total - prefix - 1, ' ') + '\n';
  if (header.length > 0xffff) throw new RangeError('shape too long for an NPY 1.0 header');

  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1; // major
  out[7] = 0; // minor
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  // Little-endian data: typed arrays are little-endian on every platform we run on.
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

/** Where the header dict of an NPY file starts and how long it is, from its first 12 bytes. */
function headerSpan(lead: Uint8Array): { start: number; length: number } {
  if (lead.length < 10 || MAGIC.some((b, i) => lead[i] !== b)) {
    throw new Error('not an NPY file (bad magic)');
  }
  const view = new DataView(lead.buffer, lead.byteOffset, lead.byteLength);
  const major = lead[6];
  if (major === 1) return { start: 10, length: view.getUint16(8, true) };
  if (major === 2 || major === 3) {
    if (lead.length < 12) throw new Error('truncated NPY header');
    return { start: 12, length: view.getUint32(8, true) };
  }
  throw new Error(`unsupported NPY version ${major}.${lead[7]}`);
}

/** What an NPY header says of the array: its dtype (numpy's descr, e.g. '<f4') and shape. */
export interface NpyHeader {
  descr: string;
  shape: number[];
}

function parseHeader(bytes: Uint8Array): NpyHeader & { fortran: boolean } {
  // Version 3 allows UTF-8 in the header; field names and dtypes we accept are ASCII anyway.
  const header = new TextDecoder().decode(bytes);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error('malformed NPY header');
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error('malformed NPY shape');
  return { descr, fortran: fortran === 'True', shape };
}

/**
 * A .npy file's header alone, read from the file without its data (a features file can be
 * hundreds of MB); null when the file is not an NPY file.
 */
export async function readNpyHeader(file: Blob): Promise<NpyHeader | null> {
  try {
    const { start, length } = headerSpan(new Uint8Array(await file.slice(0, 12).arrayBuffer()));
    const { descr, shape } = parseHeader(
      new Uint8Array(await file.slice(start, start + length).arrayBuffer()),
    );
    return { descr, shape };
  } catch {
    return null;
  }
}

export function decodeNpy(bytes: Uint8Array): NpyArray {
  const { start, length } = headerSpan(bytes);
  const dataStart = start + length;
  if (bytes.length < dataStart) throw new Error('truncated NPY header');
  const { descr, fortran, shape } = parseHeader(bytes.subarray(start, dataStart));

  const dtype = (Object.keys(DESCR) as NpyDtype[]).find(
    (k) => DESCR[k] === descr || (descr === '<u1' && k === 'uint8'),
  );
  if (!dtype) throw new Error(`unsupported NPY dtype ${descr} (want little-endian f2/f4/f8/u1/i4)`);
  const count = shape.reduce((a, b) => a * b, 1);
  // Fortran order with more than one non-trivial axis would need a transpose; refuse it instead.
  if (fortran && shape.filter((d) => d > 1).length > 1) {
    throw new Error('Fortran-ordered NPY arrays are not supported');
  }

  const itemSize = { float32: 4, float64: 8, float16: 2, uint8: 1, int32: 4 }[dtype];
  const byteLength = count * itemSize;
  if (bytes.length < dataStart + byteLength) throw new Error('truncated NPY data');
  // Copy: the data offset need not be aligned for the typed array (versions 2/3, odd headers).
  // Uint8Array's slice, not Buffer's: a Node Buffer's slice is a view of its whole pool.
  const buf = Uint8Array.prototype.slice.call(bytes, dataStart, dataStart + byteLength).buffer;
  const data: NpyData =
    dtype === 'float32'
      ? new Float32Array(buf)
      : dtype === 'float64'
        ? new Float64Array(buf)
        : dtype === 'float16'
          ? new Uint16Array(buf)
          : dtype === 'int32'
            ? new Int32Array(buf)
            : new Uint8Array(buf);
  return { data, shape, dtype };
}
