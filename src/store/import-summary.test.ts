import { describe, expect, it } from 'vitest';
import {
  folderFit,
  importSummary,
  matchEntries,
  mismatchedModel,
  type ImageKey,
} from './import-summary';

describe('importSummary', () => {
  it('counts only the entries that were imported', () => {
    const m = importSummary('i.json', 3, { imported: 0, refused: 3, kept: 0 });
    expect(m).toMatch(/^Imported features for 0 of 3 images from i\.json\./);
    expect(m).toContain('3 entries do not fit the loaded model');
    expect(m).not.toContain('no image of that name');
  });
  it('says that already indexed images keep their features, not that they are missing', () => {
    const m = importSummary('i.json', 3, { imported: 0, refused: 0, kept: 3 });
    expect(m).toContain('3 images already have features and keep them.');
    expect(m).not.toContain('no image of that name');
  });
  it('names the entries without an image, in the singular where there is one', () => {
    const m = importSummary('i.json', 4, { imported: 2, refused: 0, kept: 1 });
    expect(m).toContain('Imported features for 2 of 4 images');
    expect(m).toContain('1 image already has features and keeps them.');
    expect(m).toContain('1 entry has no image of that name in the collection');
  });
  it('says why each unmatched entry has no image, and counts only the rest as missing', () => {
    const m = importSummary('i.json', 24, { imported: 8, refused: 0, kept: 0, otherContent: 16 });
    expect(m).toContain('Imported features for 8 of 24 images');
    expect(m).toContain(
      '16 entries match no image in the collection: the images of the same name are other files (their size or content differs).',
    );
    expect(m).not.toContain('no image of that name');
    const n = importSummary('i.json', 5, {
      imported: 1,
      refused: 0,
      kept: 0,
      otherFolder: 2,
      taken: 1,
    });
    expect(n).toContain('2 entries name images found only in other folders');
    expect(n).toContain('1 entry was not imported because the image of that name and content went');
    expect(n).toContain('1 entry has no image of that name in the collection');
  });
});

describe('importSummary with entries that match no one image', () => {
  it('counts them apart, so the counts add up to what happened', () => {
    const m = importSummary('i.json', 4, { imported: 1, refused: 0, kept: 1, ambiguous: 2 });
    expect(m).toContain('Imported features for 1 of 4 images');
    expect(m).toContain('2 entries were not imported because their images could not be told apart');
    expect(m).not.toContain('no image of that name');
  });
});

describe('matchEntries', () => {
  const img = (id: string, name: string, size = 10, more: Partial<ImageKey> = {}): ImageKey => ({
    id,
    name,
    size,
    needsFeatures: true,
    ...more,
  });
  /** Each image's content is its id, except where the test says otherwise. */
  const digestOf =
    (same: Record<string, string> = {}) =>
    async (id: string) =>
      same[id] ?? `sha-${id}`;

  it('gives two photos of one name each its own entry, by content', async () => {
    const images = [img('a', 'photo.png'), img('b', 'photo.png')];
    const entries = [
      { name: 'photo.png', bytes: 10, sha256: 'sha-b' },
      { name: 'photo.png', bytes: 10, sha256: 'sha-a' },
    ];
    expect(await matchEntries(entries, images, digestOf())).toEqual([
      { imageId: 'b' },
      { imageId: 'a' },
    ]);
  });

  it('tells them apart by size without reading them', async () => {
    const images = [img('a', 'photo.png', 10), img('b', 'photo.png', 20)];
    const read: string[] = [];
    const digest = async (id: string) => {
      read.push(id);
      return `sha-${id}`;
    };
    expect(await matchEntries([{ name: 'photo.png', bytes: 20 }], images, digest)).toEqual([
      { imageId: 'b' },
    ]);
    expect(read).toEqual([]);
  });

  it('refuses entries of an older index (no contents) that could be either of two images', async () => {
    const images = [img('a', 'photo.png'), img('b', 'photo.png')];
    const entries = [{ name: 'photo.png' }, { name: 'photo.png' }];
    expect(await matchEntries(entries, images, digestOf())).toEqual(['ambiguous', 'ambiguous']);
    // One image, but two entries of its name: which one is its own cannot be told either.
    expect(await matchEntries(entries, [images[0]], digestOf())).toEqual([
      'ambiguous',
      'ambiguous',
    ]);
  });

  it('matches an older entry when the images it could be are the same bytes (a fresh pick)', async () => {
    const images = [
      img('old', 'photo.png', 10, { needsFeatures: false }),
      img('new', 'photo.png', 10),
    ];
    const same = digestOf({ old: 'x', new: 'x' });
    expect(await matchEntries([{ name: 'photo.png' }], images, same)).toEqual([{ imageId: 'new' }]);
  });

  it('never gives one image two entries, and says which entries have no image', async () => {
    const images = [img('a', 'photo.png')];
    const entries = [
      { name: 'photo.png', sha256: 'sha-a' },
      { name: 'photo.png', sha256: 'sha-a' },
      { name: 'photo.png', sha256: 'sha-other' },
      { name: 'gone.png', sha256: 'sha-a' },
    ];
    expect(await matchEntries(entries, images, digestOf())).toEqual([
      { imageId: 'a' },
      'taken',
      'other-content',
      'missing',
    ]);
  });

  it('keeps to the folder when the entry has one, else takes an image without a folder', async () => {
    const images = [
      img('x', 'p.png', 10, { folder: 'x' }),
      img('y', 'p.png', 10, { folder: 'y' }),
      img('n', 'p.png'),
    ];
    const entries = [
      { name: 'p.png', folder: 'y' },
      { name: 'p.png', folder: 'z' },
    ];
    expect(await matchEntries(entries, images, digestOf())).toEqual([
      { imageId: 'y' },
      { imageId: 'n' },
    ]);
  });
});

describe('folderFit', () => {
  it('ranks the same folder first, then the longest shared tail, then none, then unrelated', () => {
    expect(folderFit('ds/cats', 'ds/cats')).toBeGreaterThan(folderFit('a/ds/cats', 'b/ds/cats'));
    expect(folderFit(undefined, undefined)).toBe(folderFit('ds', 'ds'));
    expect(folderFit('a/ds/cats', 'b/ds/cats')).toBe(2);
    expect(folderFit('ds/cats', 'dataset/cats')).toBe(1);
    expect(folderFit('ds/cats', 'cats')).toBe(1);
    expect(folderFit('ds/cats', undefined)).toBe(0);
    expect(folderFit(undefined, 'cats')).toBe(0);
    expect(folderFit('ds/cats', 'ds/dogs')).toBe(-1);
  });
});

describe('matchEntries across folders', () => {
  const img = (id: string, folder?: string): ImageKey => ({
    id,
    name: '001.png',
    size: 10,
    needsFeatures: true,
    ...(folder ? { folder } : {}),
  });
  /** The content of image `cat1` is "sha-cat1", of `cat2` "sha-cat2", and so on. */
  const digest = async (id: string) => `sha-${id.replace(/^[a-z]+-/, '')}`;
  const entry = (folder: string, content: string) => ({
    name: '001.png',
    folder,
    bytes: 10,
    sha256: `sha-${content}`,
  });

  it('matches a dataset picked under another root by name and content', async () => {
    const images = [img('x-dog', 'dataset/dogs'), img('x-cat', 'dataset/cats')];
    const entries = [entry('ds/cats', 'cat'), entry('ds/dogs', 'dog')];
    expect(await matchEntries(entries, images, digest)).toEqual([
      { imageId: 'x-cat' },
      { imageId: 'x-dog' },
    ]);
  });

  it('matches the part of a dataset that was picked, and says the rest are other files', async () => {
    const images = [img('x-cat', 'cats')];
    const entries = [entry('ds/dogs', 'dog'), entry('ds/cats', 'cat'), entry('ds/cups', 'cup')];
    expect(await matchEntries(entries, images, digest)).toEqual([
      'other-content',
      { imageId: 'x-cat' },
      'other-content',
    ]);
  });

  it('gives identical files each the image whose folder ends most like its own', async () => {
    // The same photo in train/ and val/: both entries could be either image.
    const images = [img('val-s', 'data/val/cats'), img('train-s', 'data/train/cats')];
    const entries = [entry('ds/train/cats', 's'), entry('ds/val/cats', 's')];
    expect(await matchEntries(entries, images, digest)).toEqual([
      { imageId: 'train-s' },
      { imageId: 'val-s' },
    ]);
  });

  it('lets the exact folder win over an entry earlier in the index that fits less well', async () => {
    const images = [img('a-s', 'x/cats'), img('b-s', 'q/cats')];
    const entries = [entry('p/cats', 's'), entry('x/cats', 's')];
    expect(await matchEntries(entries, images, digest)).toEqual([
      { imageId: 'b-s' },
      { imageId: 'a-s' },
    ]);
  });

  it('takes any image of the same name and content when no folder fits', async () => {
    expect(await matchEntries([entry('ds/cats', 'cat')], [img('k-cat', 'pets')], digest)).toEqual([
      { imageId: 'k-cat' },
    ]);
    expect(await matchEntries([entry('ds/cats', 'cat')], [img('k-cat')], digest)).toEqual([
      { imageId: 'k-cat' },
    ]);
  });

  it('matches entries of an older index (no contents) by the folder that ends like theirs', async () => {
    const images = [img('x-cat', 'dataset/cats'), img('x-dog', 'dataset/dogs')];
    const old = (folder: string) => ({ name: '001.png', folder });
    expect(
      await matchEntries([old('ds/dogs'), old('ds/cats'), old('ds/cups')], images, digest),
    ).toEqual([{ imageId: 'x-dog' }, { imageId: 'x-cat' }, 'other-folder']);
  });
});

describe('mismatchedModel', () => {
  const made = {
    file: 'model.onnx',
    source: null,
    key: 'abc:wasm',
    dim: 64,
    registers: 0,
    patch_size: 14,
  };
  it('names both files when they differ', () => {
    expect(mismatchedModel(made, 'other.onnx')).toBe(
      'This index was made with model.onnx, not with the loaded model (other.onnx)',
    );
  });
  it('does not name one file as if it were two: it says the weights differ, and where it came from', () => {
    const m = mismatchedModel(
      { ...made, source: 'https://example.org/m/model.onnx' },
      'model.onnx',
    );
    expect(m).toBe(
      'This index was made with a model.onnx (https://example.org/m/model.onnx) that is not known to be the loaded one (their weights differ)',
    );
    expect(mismatchedModel({ ...made, key: null }, 'model.onnx')).toContain(
      'the index does not record its weights',
    );
  });
  it('says when the same weights gave another block', () => {
    const output = { key: 'abc:webgpu', block: null };
    expect(
      mismatchedModel({ ...made, key: 'abc:wasm:block3', block: 3 }, 'model.onnx', output),
    ).toBe(
      'This index holds the features of model.onnx from block 3, but the loaded model gives its output (Features from, under Preprocessing)',
    );
    expect(mismatchedModel(made, 'model.onnx', { key: 'abc:wasm:block2', block: 2 })).toContain(
      'from its output, but the loaded model gives block 2',
    );
    // The same weights and block (an index from before blocks were recorded is the output), on
    // another backend: said so, not blamed on the weights.
    expect(mismatchedModel({ ...made, block: null }, 'model.onnx', output)).toBe(
      'This index was made with model.onnx on wasm, and the loaded one runs on webgpu (their features differ by rounding)',
    );
    // Other weights of the same name are not blamed on the block.
    expect(
      mismatchedModel({ ...made, block: 3 }, 'model.onnx', { key: 'xyz:wasm', block: null }),
    ).toContain('their weights differ');
  });
});
