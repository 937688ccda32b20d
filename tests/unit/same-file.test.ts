/** Adding the same image file twice: the key that knows it (also after a reload) and the notice. */
import { describe, expect, it } from 'vitest';
import { restoredFile } from '../../src/store/collection';
import { sameFileKey, sameFiles } from '../../src/store/controller';

const pick = (name: string, key = name) => ({ key, name });

describe('same file', () => {
  it('knows a file restored from browser storage as the file it was', () => {
    const file = new File([new Uint8Array([1, 2, 3])], 'a.png', {
      type: 'image/png',
      lastModified: 1_600_000_000_000,
    });
    // As saveImages stores it, and as an older record (no lastModified field) kept it.
    const record = { name: 'a.png', blob: file, lastModified: file.lastModified };
    const plain = new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' });
    expect(sameFileKey(restoredFile(record), 'pics')).toBe(sameFileKey(file, 'pics'));
    expect(sameFileKey(restoredFile({ ...record, blob: plain }), 'pics')).toBe(
      sameFileKey(file, 'pics'),
    );
    expect(sameFileKey(restoredFile({ name: 'a.png', blob: file }), 'pics')).toBe(
      sameFileKey(file, 'pics'),
    );
    expect(restoredFile(record).type).toBe('image/png');
  });

  it('adds new files and says nothing', () => {
    expect(sameFiles([], [pick('a.png'), pick('b.png')])).toEqual({ fresh: [0, 1], message: null });
  });

  it('names a file already in the collection once, however often it was picked', () => {
    const r = sameFiles(['a.png'], [pick('a.png'), pick('a.png'), pick('b.png')]);
    expect(r.fresh).toEqual([2]);
    expect(r.message).toEqual({
      subject: 'a.png',
      text: '"a.png" is already in the collection (the same file), so it was not added again.',
    });
  });

  it('says a file picked twice in one pick was added once, not that it was in the collection', () => {
    const r = sameFiles([], [pick('a.png'), pick('b.png'), pick('a.png')]);
    expect(r.fresh).toEqual([0, 1]);
    expect(r.message?.text).toBe('"a.png" was picked twice; added once.');
    expect(sameFiles([], [pick('a.png'), pick('a.png'), pick('a.png')]).message?.text).toBe(
      '"a.png" was picked 3 times; added once.',
    );
  });

  it('says both kinds in one notice, each name once', () => {
    const r = sameFiles(
      ['a.png', 'c.png'],
      [pick('a.png'), pick('c.png'), pick('b.png'), pick('b.png'), pick('d.png'), pick('d.png')],
    );
    expect(r.fresh).toEqual([2, 4]);
    expect(r.message?.text).toBe(
      '"a.png" and "c.png" are already in the collection (the same file), so they were not added again. ' +
        '"b.png" and "d.png" were picked more than once; each was added once.',
    );
  });

  it('adds a same-named file that is a different file', () => {
    const r = sameFiles(['a.png:1'], [pick('a.png', 'a.png:2'), pick('a.png', 'a.png:3')]);
    expect(r).toEqual({ fresh: [0, 1], message: null });
  });
});
