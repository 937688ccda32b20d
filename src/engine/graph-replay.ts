/**
 * Sessions fixed to one input size, as LoadedModel runs a repeated size; on WebGPU with
 * onnxruntime's graph capture (`enableGraphCapture`): the first run records the model's GPU work,
 * later runs replay it, with none of onnxruntime-web's per-operator work on the CPU. The input is
 * written into a GPU buffer the session reads on every run (capture needs fixed buffers), and the
 * tokens are read back from the GPU output.
 *
 * Measured on an NVIDIA H200 (Node, dawn.node, onnxruntime-web 1.30; bench/gpu-node-results.json):
 * the same tokens, bit for bit, as the sized session without capture, in 6.2 against 15.9 ms for
 * ViT-S at 224 px and 17.4 against 27.2 ms for ViT-B at 448. LoadedModel checks every such session
 * against the dynamic run's tokens before it uses it, and falls back to the plain sized session
 * where that session cannot be made or the check fails. Quantized models are not tried: their
 * graphs keep nodes on the CPU, where onnxruntime cannot capture (see LoadedModel).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web/webgpu';
import { float32ToFloat16Bits } from '../lib/float16';
import type { ModelInfo } from '../model/model-info';
import { withOrt } from './ort-lock';
import type { Backend } from './protocol';
import type { Ort } from './runtime';
import { createSession, runTokens, toFloat32, type ModelBytes, type TokenOutput } from './session';

/** A session fixed to one input size, and how to run it. */
export interface SizedRunner {
  /** `${height}x${width}` */
  key: string;
  /** Whether runs replay a captured GPU graph. */
  replay: boolean;
  run(chw: Float32Array): Promise<TokenOutput>;
  release(): Promise<void>;
}

/** A plain session fixed to the size (freeDimensionOverrides), run like the dynamic one. */
export async function sizedRunner(
  ort: Ort,
  bytes: ModelBytes,
  info: ModelInfo,
  backend: Backend,
  overrides: Record<string, number>,
  height: number,
  width: number,
): Promise<SizedRunner> {
  const session = await createSession(ort, bytes, backend, info.fileName, overrides);
  return {
    key: `${height}x${width}`,
    replay: false,
    run: (chw) => runTokens(ort, session, info, chw, height, width),
    release: () => withOrt(() => session.release()),
  };
}

/** The same on WebGPU with graph capture; throws where the session cannot be made. */
export async function replayRunner(
  ort: Ort,
  bytes: ModelBytes,
  info: ModelInfo,
  overrides: Record<string, number>,
  height: number,
  width: number,
): Promise<SizedRunner> {
  const session: InferenceSession = await withOrt(() =>
    ort.InferenceSession.create(bytes.model, {
      executionProviders: [{ name: 'webgpu' }],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      freeDimensionOverrides: overrides,
      enableGraphCapture: true,
      preferredOutputLocation: 'gpu-buffer',
      ...(bytes.externalData.length > 0 ? { externalData: bytes.externalData } : {}),
    }),
  );
  let buffer: GPUBuffer | null = null;
  try {
    // onnxruntime-web 1.30 holds the device itself here, though its type says a promise.
    const device = (await ort.env.webgpu.device) as GPUDevice;
    const half = info.input.elemType === 'float16';
    const dims = [1, 3, height, width];
    // 3·H·W values, H and W multiples of the patch size: a whole number of 4-byte words either way.
    buffer = device.createBuffer({
      size: 3 * height * width * (half ? 2 : 4),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    const target = buffer;
    const input = ort.Tensor.fromGpuBuffer(target, {
      dataType: half ? 'float16' : 'float32',
      dims,
    });
    return {
      key: `${height}x${width}`,
      replay: true,
      run: (chw) =>
        withOrt(async () => {
          const data = half ? float32ToFloat16Bits(chw) : chw;
          device.queue.writeBuffer(target, 0, data.buffer, data.byteOffset, data.byteLength);
          const outputs = await session.run({ [info.input.name]: input }, [info.tokens.name]);
          const out = outputs[info.tokens.name] as Tensor;
          try {
            const [, tokens, dim] = out.dims;
            return { data: toFloat32(await out.getData()), tokens, dim };
          } finally {
            out.dispose();
          }
        }),
      release: async () => {
        await withOrt(() => session.release());
        target.destroy();
      },
    };
  } catch (e) {
    buffer?.destroy();
    await withOrt(() => session.release());
    throw e;
  }
}
