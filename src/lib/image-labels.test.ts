import { describe, expect, it } from 'vitest';
import { imageLabels, labelStem, shortFolders, type NamedImage } from './image-labels';

const labelsOf = (images: NamedImage[]) => images.map((im) => imageLabels(images).get(im.id));
const im = (id: string, name: string, folder?: string): NamedImage => ({
  id,
  name,
  ...(folder ? { folder } : {}),
});

describe('imageLabels', () => {
  it('shows a name no other image has alone, whatever its folder', () => {
    expect(labelsOf([im('a', 'cat.jpg', 'pets/cats'), im('b', 'dog.jpg')])).toEqual([
      'cat.jpg',
      'dog.jpg',
    ]);
  });

  it('tells images of one name apart by the shortest end of their folders', () => {
    expect(
      labelsOf([
        im('a', '001.jpg', 'data/cats'),
        im('b', '001.jpg', 'data/dogs'),
        im('c', '002.jpg', 'data/cats'),
      ]),
    ).toEqual(['cats/001.jpg', 'dogs/001.jpg', '002.jpg']);
    // The last folder alone is the same: one more level up tells them apart.
    expect(
      labelsOf([im('a', 'x.png', 'trip/day1/raw'), im('b', 'x.png', 'trip/day2/raw')]),
    ).toEqual(['day1/raw/x.png', 'day2/raw/x.png']);
  });

  it('numbers those a folder cannot tell apart, in the order they came', () => {
    expect(
      labelsOf([
        im('a', 'x.png'),
        im('b', 'x.png', 'shoot'),
        im('c', 'x.png'),
        im('d', 'x.png', 'shoot'),
      ]),
    ).toEqual(['x.png', 'shoot/x.png', 'x.png (2)', 'shoot/x.png (2)']);
  });

  it('gives every image a label, and no two the same', () => {
    // Random collections of a few names and folders: the labels are unique and end in the name.
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const folders = [undefined, 'a', 'b', 'a/b', 'c/b', 'x/a/b'];
    for (let trial = 0; trial < 200; trial++) {
      const images = Array.from({ length: 1 + rand(12) }, (_, k) =>
        im(String(k), `${rand(3)}.png`, folders[rand(folders.length)]),
      );
      const labels = imageLabels(images);
      expect(labels.size).toBe(images.length);
      expect(new Set(labels.values()).size).toBe(images.length);
      for (const i of images) expect(labels.get(i.id)!.includes(i.name)).toBe(true);
    }
  });
});

describe('labelStem', () => {
  it('keeps what tells two images apart in the file name', () => {
    expect(labelStem('coffee.png')).toBe('coffee');
    expect(labelStem('cats/001.jpg')).toBe('cats_001');
    expect(labelStem('day1/raw/x.png (2)')).toBe('day1_raw_x-2');
    expect(labelStem('photo (2).jpg')).toBe('photo (2)');
    expect(labelStem('astronaut.npy')).toBe('astronaut');
  });
});

describe('shortFolders', () => {
  const short = (folders: string[]) => folders.map((f) => shortFolders(folders).get(f));
  it('leaves out the leading folders all share, and keeps at least the last', () => {
    expect(short(['ds/cats', 'ds/dogs', 'ds/cups'])).toEqual(['cats', 'dogs', 'cups']);
    expect(short(['ds/a/x', 'ds/a/y'])).toEqual(['x', 'y']);
    // A root with images of its own keeps its name, so its subfolders keep it too.
    expect(short(['ds', 'ds/cats'])).toEqual(['ds', 'ds/cats']);
    expect(short(['shoot'])).toEqual(['shoot']);
    expect(short(['a/x', 'b/x'])).toEqual(['a/x', 'b/x']);
    expect(short([])).toEqual([]);
  });
});
