import { describe, expect, it } from 'vitest';
import { IMAGE_ADVICE, modelAddress } from './model-address';

const base = 'https://explorer.example.org/app/';

function url(typed: string) {
  const a = modelAddress(typed, base);
  if (!a.ok) throw new Error(`refused: ${a.message}`);
  return a;
}

function message(typed: string): string {
  const a = modelAddress(typed, base);
  if (a.ok) throw new Error(`taken as ${a.url}`);
  return a.message;
}

describe('modelAddress', () => {
  it.each([
    [
      'huggingface.co/onnx-community/dinov2-small/resolve/main/onnx/model.onnx',
      'https://huggingface.co/onnx-community/dinov2-small/resolve/main/onnx/model.onnx',
    ],
    ['www.example.com/model.onnx', 'https://www.example.com/model.onnx'],
    ['www.example.local/model.onnx', 'https://www.example.local/model.onnx'],
    ['cdn.example.io:8443/m/model.onnx?x=1', 'https://cdn.example.io:8443/m/model.onnx?x=1'],
    ['hf.co/org/repo/resolve/main/model.onnx', 'https://hf.co/org/repo/resolve/main/model.onnx'],
    // A local server has no TLS, as a rule.
    ['localhost:8000/model.onnx', 'http://localhost:8000/model.onnx'],
    ['192.168.1.20/models/model.onnx', 'http://192.168.1.20/models/model.onnx'],
  ])('adds the scheme to a host name: %s', (typed, want) => {
    expect(url(typed)).toEqual({ ok: true, url: want, completed: true });
  });

  it.each([
    ['models/tiny/model.onnx', 'https://explorer.example.org/app/models/tiny/model.onnx'],
    ['./models/x.onnx', 'https://explorer.example.org/app/models/x.onnx'],
    ['../other/model.onnx', 'https://explorer.example.org/other/model.onnx'],
    ['/models/x.onnx', 'https://explorer.example.org/models/x.onnx'],
    // A file name with a dot is not a host: "onnx" and "pt" are no endings of host names here.
    ['model.onnx', 'https://explorer.example.org/app/model.onnx'],
    ['model.pt', 'https://explorer.example.org/app/model.pt'],
    ['v1.2/model.onnx', 'https://explorer.example.org/app/v1.2/model.onnx'],
    ['//cdn.example.com/model.onnx', 'https://cdn.example.com/model.onnx'],
  ])('keeps a path on the site relative to the page: %s', (typed, want) => {
    expect(url(typed)).toEqual({ ok: true, url: want, completed: false });
  });

  it('takes a full address as given, trimmed', () => {
    expect(url('  https://example.com/a/model.onnx ')).toEqual({
      ok: true,
      url: 'https://example.com/a/model.onnx',
      completed: false,
    });
    expect(url('http://example.com/my model.onnx').url).toBe('http://example.com/my%20model.onnx');
  });

  it('says that text with spaces is not an address, and what to type', () => {
    const m = message('not a url');
    expect(m).toContain('"not a url" is not an address (it has spaces)');
    expect(m).toContain('https://huggingface.co/');
    expect(m).toContain('models/<name>/model.onnx');
    expect(message('huggingface.co/onnx community/model.onnx')).toContain('it has spaces');
  });

  it('says that a single word names no file', () => {
    expect(message('dinov2-small')).toContain('"dinov2-small" is not an address');
  });

  it('refuses schemes the browser cannot download a model from', () => {
    expect(message('javascript:alert(1)')).toContain('cannot download from "javascript:"');
    expect(message('mailto:me@example.com')).toContain('is not an address');
    expect(message('https://')).toContain('is not an address');
  });

  it('sends a path on this computer to the Model file picker', () => {
    for (const typed of ['C:\\Users\\me\\model.onnx', 'file:///home/me/model.onnx']) {
      expect(message(typed)).toContain('is a file on this computer, not a web address');
      expect(message(typed)).toContain('Pick it with "Model file"');
    }
    expect(message('C:\\My Models\\model.onnx')).toContain('is a file on this computer');
  });

  it('asks for an address when nothing was typed', () => {
    expect(message('   ')).toMatch(/^Type the address/);
  });

  it("gives the Image URL field's own advice, and completes its addresses the same way", () => {
    expect(modelAddress('www.example.org/cat.jpg', base, IMAGE_ADVICE)).toEqual({
      ok: true,
      url: 'https://www.example.org/cat.jpg',
      completed: true,
    });
    const local = modelAddress('C:\\photos\\cat.jpg', base, IMAGE_ADVICE);
    expect(local.ok ? '' : local.message).toContain('Add it with the "Images" picker');
    const words = modelAddress('a cat', base, IMAGE_ADVICE);
    expect(words.ok ? '' : words.message).toContain('Type the address of an image');
  });
});
