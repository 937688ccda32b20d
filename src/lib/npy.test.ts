import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from './npy';

const ascii = (b: Uint8Array) => String.fromCharCode(...b);

describe('encodeNpy', () => {
  it('writes the same header bytes as np.save', () => {
    const bytes = encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLen = bytes[8] | (bytes[9] << 8);
    expect(10 + headerLen).toBe(128);
    const header = ascii(bytes.subarray(10, 10 + headerLen));
    // np.save(io, np.zeros((2, 3), np.float32)) with numpy 2.4, byte for byte.
    expect(header).toBe(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + ' '.repeat(58) + '\n',
    );
    expect(bytes.length).toBe(128 + 24);
    expect(new Float32Array(bytes.slice(128).buffer)).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
  });

  it.each([
    [[5], "'shape': (5,), }", '<f4'],
    [[], "'shape': (), }", '<f4'],
    [[1, 3, 224, 224], "'shape': (1, 3, 224, 224), }", '<f4'],
  ])('shape %j -> %s', (shape, text, descr) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const bytes = encodeNpy(new Float32Array(n), shape);
    const headerLen = bytes[8] | (bytes[9] << 8);
    expect((10 + headerLen) % 64).toBe(0);
    const header = ascii(bytes.subarray(10, 10 + headerLen));
    expect(header).toContain(`{'descr': '${descr}', 'fortran_order': False, ${text}`);
    expect(header.endsWith(' \n')).toBe(true);
  });

  it('picks the dtype from the array type and checks the shape', () => {
    const h = (b: Uint8Array) => ascii(b.subarray(10, 30));
    expect(h(encodeNpy(new Uint8Array(4), [4]))).toContain("'|u1'");
    expect(h(encodeNpy(new Int32Array(4), [2, 2]))).toContain("'<i4'");
    expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(RangeError);
  });
});

describe('decodeNpy', () => {
  it('round-trips every supported type', () => {
    const cases = [
      [new Float32Array([0.5, -1e-30, Infinity, NaN, 3]), [5]],
      [new Uint8Array([0, 1, 255, 7, 8, 9]), [3, 2]],
      [new Int32Array([-2147483648, 2147483647, 0, -1]), [2, 1, 2]],
      [new Float32Array(0), [0, 3]],
      [new Float32Array([42]), []],
    ] as const;
    for (const [data, shape] of cases) {
      const out = decodeNpy(encodeNpy(data, [...shape]));
      expect(out.shape).toEqual(shape);
      expect(out.data.constructor).toBe(data.constructor);
      expect(out.data).toEqual(data);
    }
  });

  /** A hand-made file: any header text, version 1 or 2, payload appended. */
  function npyFile(header: string, payload: ArrayBufferView, major: 1 | 2): Uint8Array {
    const start = major === 1 ? 10 : 12;
    const bytes = new Uint8Array(start + header.length + payload.byteLength);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
    const view = new DataView(bytes.buffer);
    if (major === 1) view.setUint16(8, header.length, true);
    else view.setUint32(8, header.length, true);
    for (let i = 0; i < header.length; i++) bytes[start + i] = header.charCodeAt(i);
    bytes.set(
      new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength),
      start + header.length,
    );
    return bytes;
  }

  it('reads unaligned headers, version 2, float64 and float16', () => {
    const f64 = decodeNpy(
      npyFile(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n",
        new Float64Array([Math.PI, -2]),
        2,
      ),
    );
    expect(f64.dtype).toBe('float64');
    expect(f64.shape).toEqual([2]);
    expect(Array.from(f64.data)).toEqual([Math.PI, -2]);

    const f16 = decodeNpy(
      npyFile(
        "{'descr': '<f2', 'fortran_order': False, 'shape': (1, 2), }\n",
        new Uint16Array([0x3c00, 0xc000]),
        1,
      ),
    );
    expect(f16.dtype).toBe('float16');
    expect(f16.shape).toEqual([1, 2]);
    expect(Array.from(f16.data)).toEqual([0x3c00, 0xc000]);
  });

  it('rejects what it cannot read', () => {
    expect(() => decodeNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))).toThrow(/magic/);
    const big = ascii(encodeNpy(new Float32Array(2), [2])).replace("'<f4'", "'>f4'");
    expect(() => decodeNpy(Uint8Array.from(big, (c) => c.charCodeAt(0)))).toThrow(/dtype/);
    const fortran = ascii(encodeNpy(new Float32Array(4), [2, 2])).replace('False', 'True ');
    expect(() => decodeNpy(Uint8Array.from(fortran, (c) => c.charCodeAt(0)))).toThrow(/Fortran/);
    const full = encodeNpy(new Float32Array(4), [4]);
    expect(() => decodeNpy(full.subarray(0, full.length - 1))).toThrow(/truncated/);
  });
});

describe('decodeNpy from a Node Buffer', () => {
  it('reads the data, not the rest of the Buffer pool', () => {
    const file = encodeNpy(Float32Array.from([1, 2, 3]), [3]);
    // A small Buffer lives inside a larger shared pool at some offset.
    const pooled = Buffer.from(file);
    const got = decodeNpy(pooled);
    expect([...(got.data as Float32Array)]).toEqual([1, 2, 3]);
  });
});
