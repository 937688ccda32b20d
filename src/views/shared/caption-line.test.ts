import { describe, expect, it } from 'vitest';
import { inputLine } from './captioned';

describe('inputLine', () => {
  it('names the recipe and the input size, so two resolutions are told apart', () => {
    const r = { inputWidth: 672, inputHeight: 448 };
    expect(inputLine('cats/000.png', 'dense', 448, r)).toBe(
      'cats/000.png · dense, short side 448 (672×448 px input)',
    );
    expect(inputLine('a.png', 'dense', 224, { inputWidth: 336, inputHeight: 224 })).not.toBe(
      inputLine('a.png', 'dense', 448, r),
    );
    expect(inputLine('a.png', 'classifier', 448, { inputWidth: 224, inputHeight: 224 })).toBe(
      'a.png · classifier centre crop (224×224 px input)',
    );
    // A .npy model input had no recipe, whatever the settings say.
    expect(inputLine('wide.npy', 'tensor', 224, { inputWidth: 308, inputHeight: 224 })).toBe(
      'wide.npy · model input as given (308×224 px input)',
    );
  });
});
