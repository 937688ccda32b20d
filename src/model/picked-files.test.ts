import { describe, expect, it } from 'vitest';
import { imagesInModelPick, splitModelPick } from './picked-files';

const file = (name: string, type = '') => new File([new Uint8Array(4)], name, { type });

describe('splitModelPick', () => {
  it('keeps graphs, weights and unknown files for the model, and sets images and inputs apart', () => {
    const onnx = file('model.onnx');
    const data = file('model.onnx_data');
    const odd = file('weights.bin');
    const png = file('astronaut.png', 'image/png');
    const heic = file('IMG_0001.HEIC');
    const npy = file('input.npy');
    expect(splitModelPick([png, onnx, data, heic, odd, npy])).toEqual({
      model: [onnx, data, odd],
      images: [png, heic, npy],
    });
  });
});

describe('imagesInModelPick', () => {
  it('names an image picked alone and says where images go', () => {
    const m = imagesInModelPick([file('astronaut.png', 'image/png')], false);
    expect(m).toBe(
      '"astronaut.png" is an image, not a model. To add it to the collection, use the "Images" ' +
        'picker; in "Model file", pick the model\'s .onnx file.',
    );
  });

  it('names the images left out beside a model', () => {
    const m = imagesInModelPick([file('a.jpg'), file('b.png')], true);
    expect(m).toBe(
      '"a.jpg" and "b.png" are images, so they were not used for the model. To add them to the ' +
        'collection, use the "Images" picker.',
    );
  });

  it('calls .npy files model inputs', () => {
    expect(imagesInModelPick([file('x.npy')], false)).toMatch(
      /^"x\.npy" is a model input \(\.npy\)/,
    );
    expect(imagesInModelPick([file('x.npy'), file('y.png')], true)).toContain(
      'are images and model inputs',
    );
  });
});
