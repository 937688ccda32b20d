import { describe, expect, it } from 'vitest';
import { formatBytes, isImageFile, isModelFile, nameList, stem } from './files';

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
