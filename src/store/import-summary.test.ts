import { describe, expect, it } from 'vitest';
import { importSummary, matchEntries, mismatchedModel, type ImageKey } from './import-summary';

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
    expect(m).toContain('1 entry has no image of that name (and content) in the collection');
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
      'missing',
      'missing',
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
});
