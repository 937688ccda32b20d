import { describe, expect, it } from 'vitest';
import { filesOfEntries } from './drop';

/** A dropped file or folder as Chromium's FileSystemEntry API gives it, for the walk. */
function fileEntry(fullPath: string): FileSystemEntry {
  const file = new File(['x'], fullPath.split('/').pop()!);
  return {
    isFile: true,
    isDirectory: false,
    fullPath,
    file: (res: (f: File) => void) => res(file),
  } as unknown as FileSystemEntry;
}
function folderEntry(fullPath: string, children: FileSystemEntry[]): FileSystemEntry {
  return {
    isFile: false,
    isDirectory: true,
    fullPath,
    createReader: () => {
      // Two batches, then an empty one: the walk must keep reading until it gets none.
      const batches = [children.slice(0, 1), children.slice(1), []];
      return { readEntries: (res: (b: FileSystemEntry[]) => void) => res(batches.shift()!) };
    },
  } as unknown as FileSystemEntry;
}

describe('filesOfEntries', () => {
  it('gives files of a dropped folder the relative path the folder picker would', async () => {
    const files = await filesOfEntries([
      folderEntry('/shoot', [
        fileEntry('/shoot/coffee.png'),
        folderEntry('/shoot/sub', [fileEntry('/shoot/sub/chelsea.png')]),
        fileEntry('/shoot/a.png'),
      ]),
      fileEntry('/loose.png'),
    ]);
    expect(files.map((f) => [f.name, f.webkitRelativePath || ''])).toEqual([
      ['coffee.png', 'shoot/coffee.png'],
      ['chelsea.png', 'shoot/sub/chelsea.png'],
      ['a.png', 'shoot/a.png'],
      // A file dropped on its own has no folder.
      ['loose.png', ''],
    ]);
  });
});
