import { describe, expect, it } from 'vitest';
import type { ExplorerError } from '../lib/errors';
import { resolveModel } from './load-model';

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
});
