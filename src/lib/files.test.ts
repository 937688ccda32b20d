import { describe, expect, it } from 'vitest';
import {
  byRelativePath,
  formatBytes,
  isHiddenFile,
  isImageFile,
  isModelFile,
  nameList,
  recipeSuffix,
  shownPaths,
  stem,
} from './files';

describe('file helpers', () => {
  it('classifies files', () => {
    expect(isImageFile({ name: 'a.JPG', type: '' })).toBe(true);
    expect(isImageFile({ name: 'a.bin', type: 'image/png' })).toBe(true);
    expect(isImageFile({ name: 'notes.txt', type: 'text/plain' })).toBe(false);
    expect(isModelFile({ name: 'model.onnx' })).toBe(true);
    expect(isModelFile({ name: 'model.onnx_data' })).toBe(true);
  });
  it('names downloads after the file stem', () => {
    expect(stem('astronaut.png')).toBe('astronaut');
    expect(stem('dir/photo.final.jpeg')).toBe('photo.final');
    expect(stem('.hidden')).toBe('.hidden');
  });
  it('formats sizes and lists', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(88.5 * 1024 * 1024)).toBe('89 MB');
    expect(nameList(['a', 'b'])).toBe('"a" and "b"');
    expect(nameList(['a', 'b', 'c', 'd', 'e'])).toBe('"a", "b", "c" and 2 more');
  });
});

describe('files of a picked folder', () => {
  const inFolder = (webkitRelativePath: string) => ({
    name: webkitRelativePath.split('/').pop()!,
    webkitRelativePath,
  });
  const paths = (files: { webkitRelativePath: string }[]) => files.map((f) => f.webkitRelativePath);

  it('orders them by path, folder by folder, numbers in natural order', () => {
    const disk = [
      'ds/cups/001.png',
      'ds/dogs/10.png',
      'ds/cats/004.png',
      'ds/dogs/2.png',
      'ds/cats/001.png',
      'ds/cats-old/001.png',
      'ds/cats/sub/000.png',
      'ds/cats/007.png',
    ].map(inFolder);
    expect(paths([...disk].sort(byRelativePath))).toEqual([
      'ds/cats/001.png',
      'ds/cats/004.png',
      'ds/cats/007.png',
      'ds/cats/sub/000.png',
      'ds/cats-old/001.png',
      'ds/cups/001.png',
      'ds/dogs/2.png',
      'ds/dogs/10.png',
    ]);
  });

  it('names them by their path inside the picked folder, a loose file by its name', () => {
    const files = ['ds/cats/001.png', 'ds/dogs/001.png', 'ds/readme.txt'].map(inFolder);
    expect(shownPaths(files)).toEqual(['cats/001.png', 'dogs/001.png', 'readme.txt']);
    // Two folders dropped at once: their own names tell them apart.
    expect(shownPaths([inFolder('ds/cats/001.png'), inFolder('ds2/cats/001.png')])).toEqual([
      'ds/cats/001.png',
      'ds2/cats/001.png',
    ]);
    expect(shownPaths([{ name: 'a.png', webkitRelativePath: '' }, { name: 'b.png' }])).toEqual([
      'a.png',
      'b.png',
    ]);
    expect(shownPaths([])).toEqual([]);
  });

  it('leaves out hidden files and the files of hidden folders below the picked one', () => {
    const hidden = ['ds/.DS_Store', 'ds/cats/._1.png', 'ds/.thumbnails/1.png', 'ds/a/.git/x.png'];
    for (const p of hidden) expect(isHiddenFile(inFolder(p))).toBe(true);
    // The picked folder may be hidden itself: the user chose it.
    for (const p of ['.data/cats/1.png', 'ds/cats/1.png', 'ds/cats/a.b.png'])
      expect(isHiddenFile(inFolder(p))).toBe(false);
    expect(isHiddenFile({ name: '.hidden.png' })).toBe(true);
    expect(isHiddenFile({ name: 'photo.png', webkitRelativePath: '' })).toBe(false);
  });
});

describe('recipeSuffix', () => {
  const photo = { name: 'chelsea.png' };
  it('names the recipe, and a block before the last', () => {
    expect(recipeSuffix(photo, 'dense', 448)).toBe('.dense-448');
    expect(recipeSuffix(photo, 'classifier', 448)).toBe('.classifier');
    expect(recipeSuffix(photo, 'dense', 224, 3)).toBe('.dense-224.block3');
    expect(recipeSuffix(photo, 'classifier', 224, null)).toBe('.classifier');
  });
  it('names no recipe for an input given as .npy, but still the block', () => {
    expect(recipeSuffix({ name: 'x.npy' }, 'dense', 224)).toBe('');
    expect(recipeSuffix({ name: 'x.npy' }, 'dense', 224, 2)).toBe('.block2');
  });
});
