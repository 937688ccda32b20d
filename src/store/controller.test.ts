/** The notice for files added again (the rest of sameFiles: tests/unit/same-file.test.ts). */
import { describe, expect, it } from 'vitest';
import { sameFiles } from './controller';

describe('sameFiles', () => {
  it('counts every file already in the collection and names it by its path', () => {
    // The same folder added twice: 24 files, 8 names in each of three subfolders.
    const picks = ['cats', 'dogs', 'cups'].flatMap((d) =>
      Array.from({ length: 8 }, (_, i) => {
        const name = `${d}/00${i + 1}.png`;
        return { key: `ds/${name}:10:1`, name };
      }),
    );
    const r = sameFiles(
      picks.map((p) => p.key),
      picks,
    );
    expect(r.fresh).toEqual([]);
    expect(r.message).toEqual({
      subject: 'cats/001.png',
      text: '"cats/001.png", "cats/002.png", "cats/003.png" and 21 more are already in the collection (the same file), so they were not added again.',
    });
  });

  it('counts two files of one name already there as two', () => {
    const r = sameFiles(
      ['a.png:1', 'a.png:2'],
      [
        { key: 'a.png:1', name: 'a.png' },
        { key: 'a.png:2', name: 'a.png' },
      ],
    );
    expect(r.message?.text).toMatch(/^"a\.png" and "a\.png" are already in the collection/);
  });
});
