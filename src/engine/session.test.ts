import fs from 'node:fs';
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { inspectModel } from '../model/inspect';
import type { ModelInfo } from '../model/model-info';
import type { Ort } from './runtime';
import { createSession, LoadedModel, sizeOverrides } from './session';

const FIXTURE = 'tests/fixtures/dinov2/dinov2-tiny';

function withDims(dims: (number | string)[]): ModelInfo {
  return { input: { name: 'pixel_values', elemType: 'float32', dims } } as ModelInfo;
}

describe('sizeOverrides', () => {
  it('fixes batch, height and width by their symbolic names', () => {
    expect(sizeOverrides(withDims(['batch_size', 3, 'height', 'width']), 224, 308)).toEqual({
      batch_size: 1,
      height: 224,
      width: 308,
    });
  });

  it('accepts one name for both sides only for a square size', () => {
    const info = withDims(['b', 3, 'side', 'side']);
    expect(sizeOverrides(info, 224, 224)).toEqual({ b: 1, side: 224 });
    expect(sizeOverrides(info, 224, 308)).toBeNull();
  });

  it('needs nothing for static dims, and refuses unnamed or mismatched ones', () => {
    expect(sizeOverrides(withDims([1, 3, 224, 224]), 224, 224)).toBeNull();
    expect(sizeOverrides(withDims([1, 3, 224, 224]), 448, 448)).toBeNull();
    expect(sizeOverrides(withDims(['?', 3, 'h', 'w']), 224, 224)).toBeNull();
    expect(sizeOverrides(withDims(['n', 3, 224, 224]), 224, 224)).toEqual({ n: 1 });
  });
});

describe('LoadedModel', () => {
  const ort = ortWeb as unknown as Ort;
  ort.env.wasm.numThreads = 1;

  const f32 = (file: string) => {
    const b = fs.readFileSync(`tests/fixtures/dinov2/${file}`);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };

  const maxAbsDiff = (a: Float32Array, b: Float32Array) =>
    a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

  const open = async (sizedSessions: boolean) => {
    const model = new Uint8Array(fs.readFileSync(`${FIXTURE}/model.onnx`));
    const info = inspectModel(model, 'model.onnx');
    const bytes = { model, externalData: [] };
    const session = await createSession(ort, bytes, 'wasm', 'model.onnx');
    const report = { backend: 'wasm', sizedSessions } as ConstructorParameters<
      typeof LoadedModel
    >[5];
    return new LoadedModel(ort, info, bytes, session, 'wasm', report);
  };

  it('keeps its one session when sized sessions are off', async () => {
    const loaded = await open(false);
    const input = f32('dinov2-tiny/square224.pixel_values.f32');
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push((await loaded.run(input, 224, 224)).sized);
    expect(runs).toEqual([false, false, false]);
    await loaded.dispose();
  });

  it('runs a repeated size on a session fixed to it, matching PyTorch', async () => {
    const loaded = await open(true);
    const input = f32('dinov2-tiny/square224.pixel_values.f32');
    const want = f32('dinov2-tiny/square224.last_hidden_state.f32');
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await loaded.run(input, 224, 224));
    // Another size goes on running on the session open to any size.
    const wide = await loaded.run(f32('dinov2-tiny/wide224x308.pixel_values.f32'), 224, 308);
    expect(runs.map((r) => r.sized)).toEqual([false, false, true]);
    expect(runs.map((r) => r.replay)).toEqual([false, false, false]); // graph replay is WebGPU's
    expect(wide.sized).toBe(false);
    expect(wide.tokens).toBe(1 + 16 * 22);
    for (const r of runs) expect(maxAbsDiff(r.data, want)).toBeLessThan(1e-4);
    await loaded.dispose();
  }, 60_000); // three sessions on a loaded 2-core machine

  it('answers from the session open to any size when the sized one fails, and drops it', async () => {
    const loaded = await open(true);
    const input = f32('dinov2-tiny/square224.pixel_values.f32');
    const want = f32('dinov2-tiny/square224.last_hidden_state.f32');
    for (let i = 0; i < 3; i++) await loaded.run(input, 224, 224);
    // As a lost GPU device would: the sized session's runs fail from now on.
    const sized = (loaded as unknown as { sized: { run: () => Promise<never> } }).sized;
    sized.run = () => Promise.reject(new Error('device lost'));
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await loaded.run(input, 224, 224));
    expect(runs.map((r) => r.sized)).toEqual([false, false, false]);
    for (const r of runs) expect(maxAbsDiff(r.data, want)).toBeLessThan(1e-4);
    await loaded.dispose();
  }, 60_000);
});
