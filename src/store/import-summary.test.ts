import { describe, expect, it } from 'vitest';
import { importSummary, mismatchedModel } from './import-summary';

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
