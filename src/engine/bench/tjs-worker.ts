/// <reference lib="webworker" />
/**
 * transformers.js's `image-feature-extraction` pipeline on the same model, input file and backend,
 * end to end: the image file's bytes to the last hidden state. Everything is served locally (model
 * files in transformers.js's layout and its own onnxruntime-web WASM files); no remote models.
 */
import { env, pipeline, RawImage, type Tensor } from '@huggingface/transformers';
import type { TjsConfig, TjsInfo, TjsStep } from './bench-protocol';
import { serveSteps } from './reply';

serveSteps<TjsConfig, TjsInfo, TjsStep>(async (cfg) => {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = cfg.localModelPath;
  env.useBrowserCache = false;
  env.useWasmCache = false;
  const onnx = env.backends.onnx;
  if (!onnx.wasm) throw new Error('transformers.js has no onnxruntime-web WASM backend here');
  onnx.wasm.wasmPaths = cfg.wasmPaths;
  onnx.wasm.numThreads = cfg.threads;

  const t0 = performance.now();
  const extractor = await pipeline('image-feature-extraction', cfg.modelId, {
    device: cfg.device,
    dtype: 'fp32',
    use_external_data_format: cfg.externalData,
  });
  const loadMs = performance.now() - t0;
  const res = await fetch(cfg.imageUrl);
  if (!res.ok) throw new Error(`${cfg.imageUrl}: HTTP ${res.status}`);
  const blob = await res.blob();

  return {
    info: {
      loadMs,
      version: env.version,
      ortVersion: String((onnx as { versions?: { web?: string } }).versions?.web ?? ''),
    },
    async step() {
      const t1 = performance.now();
      const image = await RawImage.fromBlob(blob);
      const out = (await extractor(image)) as Tensor;
      const data = out.data as Float32Array;
      const e2eMs = performance.now() - t1;
      if (data.length === 0) throw new Error('transformers.js returned no features');
      return { e2eMs, dims: out.dims };
    },
  };
});
