import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExplorerError } from '../lib/errors';
import { matMulModel } from '../model/onnx/test-models';
import { resolveModel } from './load-model';
import { noiseBytes } from '../lib/noise-bytes';

const opts = { signal: new AbortController().signal, onDownload: () => {}, onStage: () => {} };

/** A picked file whose read fails, as Chromium's does for one over 2 GB. */
function unreadable(name: string, size: number): File {
  return {
    name,
    size,
    arrayBuffer: () => Promise.reject(new Error('The requested file could not be read')),
  } as unknown as File;
}

async function refusal(files: File[]): Promise<ExplorerError> {
  try {
    await resolveModel({ kind: 'files', files }, opts);
  } catch (e) {
    return e as ExplorerError;
  }
  throw new Error('not refused');
}

async function urlRefusal(url: string): Promise<ExplorerError> {
  try {
    await resolveModel({ kind: 'url', url }, opts);
  } catch (e) {
    return e as ExplorerError;
  }
  throw new Error('not refused');
}

/** Serves `files` (by address) to the loader's fetch; any other address is a 404. */
function serve(files: Record<string, Uint8Array | string>): void {
  vi.stubGlobal('fetch', async (url: string) =>
    url in files
      ? new Response(files[url] as BodyInit)
      : new Response('not found', { status: 404, statusText: 'Not Found' }),
  );
}

const fixture = async (p: string) => new Uint8Array(await readFile(`tests/fixtures/dinov2/${p}`));

/** The protobuf reader's words, which mean nothing to people. */
const JARGON = /field|tag|wire|varint/i;

describe('resolveModel on picked files', () => {
  it('names a file the browser cannot read, its size, and what to do when it is over 2 GB', async () => {
    const err = await refusal([unreadable('vit-g.onnx', 4.5 * 2 ** 30)]);
    expect(err.subject).toBe('vit-g.onnx');
    expect(err.message).toContain('"vit-g.onnx" (4.5 GB) could not be read by the browser');
    expect(err.message).toContain('use a smaller export of this model (fp16 or int8)');
  });

  it('asks to pick a smaller file again when one under 2 GB fails to read', async () => {
    const err = await refusal([unreadable('model.onnx', 3 * 2 ** 20)]);
    expect(err.message).toContain('pick it again');
  });

  it('says a saved web page is not a model', async () => {
    const page = new File(['<!DOCTYPE html><html><body>model.onnx</body></html>'], 'model.onnx');
    const err = await refusal([page]);
    expect(err.code).toBe('not-onnx');
    expect(err.message).toContain('"model.onnx" is a web page, not an ONNX model');
  });

  it('says when a weights file of another name was picked beside the graph', async () => {
    const graph = new Uint8Array(
      await (
        await import('node:fs/promises')
      ).readFile('tests/fixtures/dinov2/skeletons/dinov2-s/skeleton.onnx'),
    );
    const err = await refusal([
      new File([graph], 'skeleton.onnx'),
      new File([new Uint8Array(8)], 'weights.onnx_data'),
    ]);
    expect(err.code).toBe('missing-external-data');
    expect(err.message).toContain('"weights.onnx_data" was picked');
    expect(err.message).toContain('rename it to "model.onnx_data"');
  });

  it('lists the files picked with a model that it does not read', async () => {
    const graph = await fixture('dinov2-tiny/model.onnx');
    const alone = await resolveModel(
      { kind: 'files', files: [new File([graph], 'model.onnx')] },
      opts,
    );
    expect(alone.unused).toBeUndefined();
    const r = await resolveModel(
      {
        kind: 'files',
        files: [new File([graph], 'model.onnx'), new File([new Uint8Array(8)], 'model.onnx_data')],
      },
      opts,
    );
    expect(r.unused).toEqual(['model.onnx_data']);
  });
});

describe('resolveModel refusals of picked files', () => {
  it("says bytes are not ONNX without the parser's detail, and to pick the .onnx file", async () => {
    const err = await refusal([new File([noiseBytes(4096) as BlobPart], 'noise.onnx')]);
    expect(err.code).toBe('not-onnx');
    expect(err.subject).toBe('noise.onnx');
    expect(err.message).toBe(
      '"noise.onnx" is not an ONNX model (the file\'s bytes are not ONNX). Pick the .onnx file of ' +
        'a DINOv2 export.',
    );
  });

  it('says a picked image is an image, and where images go', async () => {
    const png = await fixture('astronaut.png');
    const err = await refusal([new File([png as BlobPart], 'astronaut.png')]);
    expect(err.message).not.toMatch(JARGON);
    expect(err.message).toContain('"astronaut.png" is not an ONNX model (it is a PNG image).');
    expect(err.message).toContain('use the "Images" picker');
  });

  it('says an empty file and a text file are what they are', async () => {
    const empty = await refusal([new File([], 'empty.onnx')]);
    expect(empty.message).toContain('"empty.onnx" is not an ONNX model (the file is empty).');
    const lfs = 'version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 88\n';
    const pointer = await refusal([new File([lfs], 'model.onnx')]);
    expect(pointer.message).toContain('(it is a Git LFS pointer, not the file)');
    const text = await refusal([new File(['{"models": []}'], 'manifest.onnx')]);
    expect(text.message).toContain('(it is a text file)');
  });
});

describe('resolveModel refusals of a model from an address', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('names the address of a file that is not ONNX, and asks to check it', async () => {
    const url = 'https://example.com/models/broken/model.onnx';
    serve({ [url]: noiseBytes(2048) });
    const err = await urlRefusal(url);
    expect(err.code).toBe('not-onnx');
    expect(err.subject).toBe('model.onnx');
    expect(err.message).toBe(
      `The file at ${url} is not an ONNX model (the file's bytes are not ONNX). Check the ` +
        'address, or load another model.',
    );
  });

  it('names the address of a web page', async () => {
    const url = 'https://huggingface.co/org/repo/blob/main/model.onnx';
    serve({ [url]: '<!doctype html><html><head></head></html>' });
    const err = await urlRefusal(url);
    expect(err.message).toContain(`The file at ${url} is a web page, not an ONNX model.`);
    expect(err.message).toContain('the "resolve" link');
  });

  it('names the address of an ONNX model that is not a ViT, without asking to pick a file', async () => {
    const url = 'https://example.com/matmul.onnx';
    serve({ [url]: matMulModel() });
    const err = await urlRefusal(url);
    expect(err.code).toBe('not-vit');
    expect(err.message).toContain('"matmul.onnx" is an ONNX model but not a ViT image encoder');
    expect(err.message).toContain(`It came from ${url}: check the address, or load another model.`);
    expect(err.message).not.toContain('Pick');
  });

  it('names the address of a weights file too short, without asking to pick one', async () => {
    const url = 'https://example.com/models/bad/skeleton.onnx';
    const data = 'https://example.com/models/bad/model.onnx_data';
    serve({
      [url]: await fixture('skeletons/dinov2-s/skeleton.onnx'),
      [data]: new Uint8Array(1024),
    });
    const err = await urlRefusal(url);
    expect(err.code).toBe('missing-external-data');
    expect(err.subject).toBe('model.onnx_data');
    expect(err.message).toContain('"model.onnx_data" holds 1.0 KB, but "skeleton.onnx" reads');
    expect(err.message).toContain(`It came from ${data}, which does not hold`);
    expect(err.message).toContain('load another model');
    expect(err.message).not.toContain('Pick');
  });
});
