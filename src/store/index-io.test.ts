import { describe, expect, it } from 'vitest';
import { encodeNpy, readNpyHeader, type NpyHeader } from '../lib/npy';
import { featuresPickMessage, findFeaturesFile, INDEX_NPY } from './index-io';

/** A picked file as far as finding the features goes: its name and what its header says. */
interface Picked {
  name: string;
  header: NpyHeader | null;
}

const features = (name: string, rows = 514): Picked => ({
  name,
  header: { descr: '<f4', shape: [rows, 64] },
});
const input = (name: string): Picked => ({
  name,
  header: { descr: '<f4', shape: [1, 3, 224, 224] },
});
const want = { rows: 514, dim: 64 };
const find = (npys: Picked[], recorded: unknown = INDEX_NPY) =>
  findFeaturesFile(npys, recorded, want, (f) => Promise.resolve(f.header));

describe('findFeaturesFile', () => {
  it('takes the features, not a model input picked before them', async () => {
    const npys = [input('a-tensor.npy'), features(INDEX_NPY)];
    expect(await find(npys)).toEqual({ file: npys[1] });
  });

  it('prefers the name the manifest records, then the default name', async () => {
    const npys = [features(INDEX_NPY), features('mine.npy')];
    expect(await find(npys, 'mine.npy')).toEqual({ file: npys[1] });
    // An index without a recorded name (or naming a file not picked): the export's default.
    expect(await find(npys, undefined)).toEqual({ file: npys[0] });
    expect(await find(npys, 'elsewhere.npy')).toEqual({ file: npys[0] });
  });

  it('finds a renamed features file by its shape', async () => {
    const npys = [input('a.npy'), features('collection.features (1).npy'), input('b.npy')];
    expect(await find(npys)).toEqual({ file: npys[1] });
  });

  it('does not take a features file too short or of another width', async () => {
    const npys = [features('short.npy', 100), input('a.npy')];
    expect(await find(npys)).toEqual({ problem: 'none', candidates: npys });
    const wide = { name: 'wide.npy', header: { descr: '<f4', shape: [514, 128] } };
    const f64 = { name: 'f64.npy', header: { descr: '<f8', shape: [514, 64] } };
    expect(await find([wide, f64, input('a.npy')])).toMatchObject({ problem: 'none' });
  });

  it('takes a lone .npy as the features, so that the shape check can name it', async () => {
    const npys = [input('a-tensor.npy')];
    expect(await find(npys)).toEqual({ file: npys[0] });
  });

  it('refuses to guess between two files that both fit', async () => {
    const npys = [features('x.npy'), input('a.npy'), features('y.npy')];
    expect(await find(npys)).toEqual({ problem: 'several', candidates: [npys[0], npys[2]] });
  });

  it('counts a file whose header cannot be read as not the features', async () => {
    const npys = [{ name: 'bad.npy', header: null }, features('renamed.npy')];
    const failing = (f: Picked) =>
      f.header ? Promise.resolve(f.header) : Promise.reject(new Error('unreadable'));
    expect(await findFeaturesFile(npys, INDEX_NPY, want, failing)).toEqual({ file: npys[1] });
  });
});

describe('featuresPickMessage', () => {
  const to = { ...want, file: INDEX_NPY };
  it('names the picked files, the shape wanted and the file to pick', () => {
    const m = featuresPickMessage(
      'collection.index.json',
      { problem: 'none', candidates: [{ name: 'a.npy' }, { name: 'b.npy' }] },
      to,
    );
    expect(m).toContain('None of the picked .npy files ("a.npy" and "b.npy")');
    expect(m).toContain('float32 [514, 64] features that collection.index.json describes');
    expect(m).toContain(`Pick ${INDEX_NPY} of the same export`);
  });
  it('asks for only one of several files that fit', () => {
    const m = featuresPickMessage(
      'i.json',
      { problem: 'several', candidates: [{ name: 'x.npy' }, { name: 'y.npy' }] },
      to,
    );
    expect(m).toMatch(/^"x\.npy" and "y\.npy" could each be the float32 \[514, 64\] features/);
    expect(m).toContain(`Pick only the one that came with i.json (${INDEX_NPY})`);
  });
});

describe('readNpyHeader', () => {
  it('reads the dtype and shape that encodeNpy wrote, without the data', async () => {
    // slice(): a Blob takes bytes of a plain ArrayBuffer.
    const npy = encodeNpy(new Float32Array(2 * 3 * 4 * 5), [2, 3, 4, 5]).slice();
    expect(await readNpyHeader(new Blob([npy]))).toEqual({ descr: '<f4', shape: [2, 3, 4, 5] });
    // The header alone is enough: a features file is read only once it is chosen.
    const head = new Blob([npy.slice(0, 128)]);
    expect(await readNpyHeader(head)).toEqual({ descr: '<f4', shape: [2, 3, 4, 5] });
  });
  it('returns null for a file that is not an NPY file', async () => {
    expect(await readNpyHeader(new Blob(['not numpy at all']))).toBeNull();
    expect(await readNpyHeader(new Blob([]))).toBeNull();
  });
});
