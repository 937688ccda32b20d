import { describe, expect, it } from 'vitest';
import type { ImageEntry } from './app-store';
import { classOfFolders, folderClasses } from './folder-classes';

describe('classOfFolders', () => {
  it('takes each subfolder of the picked folder as a class, as ImageFolder does', () => {
    expect(
      classOfFolders(['ds/cats', 'ds/dogs', 'ds/dogs/puppies', 'ds', undefined, 'ds/cats']),
    ).toEqual(['cats', 'dogs', 'dogs', null, null, 'cats']);
  });
  it('works from the folder all the images share, however deep', () => {
    expect(classOfFolders(['a/b/train/x', 'a/b/train/y/z'])).toEqual(['x', 'y']);
    // Two picked folders side by side: each is a class.
    expect(classOfFolders(['cats', 'dogs/big'])).toEqual(['cats', 'dogs']);
  });
  it('finds no class when all images are in one folder, or none', () => {
    expect(classOfFolders(['ds', 'ds'])).toEqual([null, null]);
    expect(classOfFolders([undefined])).toEqual([null]);
    expect(classOfFolders([])).toEqual([]);
  });
});

describe('folderClasses', () => {
  const image = (id: string, folder: string | undefined, status: ImageEntry['status']) =>
    ({
      id,
      name: `${id}.png`,
      status,
      ...(folder ? { folder } : {}),
      ...(status === 'done' ? { result: {} } : {}),
    }) as ImageEntry;

  it('counts the indexed members, those left out and those still to index', () => {
    const r = folderClasses([
      image('a', 'ds/cats', 'done'),
      image('b', 'ds/dogs', 'done'),
      image('c', 'ds/dogs', 'queued'),
      image('d', 'ds', 'done'),
      image('e', undefined, 'done'),
      image('f', 'ds/cats', 'error'),
    ]);
    expect(r.members.map((m) => [m.entry.id, m.label])).toEqual([
      ['a', 'cats'],
      ['b', 'dogs'],
    ]);
    expect(r.classes).toEqual(['cats', 'dogs']);
    expect(r.outside).toBe(2);
    // A failed image is not waited for; a queued one is.
    expect(r.pending).toBe(1);
  });

  it("refuses to mix another model's imported features with the loaded model's", () => {
    const imported = (id: string, folder: string) => {
      const e = image(id, folder, 'done');
      const from = { file: 'm.onnx', key: 'abc:wasm:block2', source: null, registers: 0 };
      return { ...e, result: { importedFrom: { ...from, patchSize: 14, block: 2 } } } as ImageEntry;
    };
    const mixed = folderClasses([
      imported('a', 'ds/cats'),
      imported('b', 'ds/dogs'),
      image('c', 'ds/dogs', 'done'),
    ]);
    expect(mixed.mixed).toBe(2);
    // All from one imported index: they are compared with each other only.
    expect(folderClasses([imported('a', 'ds/cats'), imported('b', 'ds/dogs')]).mixed).toBe(0);
    expect(
      folderClasses([image('a', 'ds/cats', 'done'), image('b', 'ds/dogs', 'done')]).mixed,
    ).toBe(0);
  });
});
