/// <reference lib="webworker" />
/**
 * The floor under the app's inference: onnxruntime-web's session.run on a tensor prepared once,
 * with the session the app runs a repeated input size on (same build, options, thread count and
 * size overrides), nothing else. Beside it, the same run on a session open to any size, which is
 * what the app runs a new size on, and what a plain onnxruntime-web user gets.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web/webgpu';
import { loadOrt } from '../runtime';
import { inspectModel } from '../../model/inspect';
import { createSession, sizeOverrides } from '../session';
import type { BareConfig, BareInfo, BareStep } from './bench-protocol';
import { fetchBytes, normals, serveSteps } from './reply';

serveSteps<BareConfig, BareInfo, BareStep>(async (cfg) => {
  const ort = await loadOrt(cfg.backend);
  // Before the first session: the WASM module starts its threads once.
  ort.env.wasm.numThreads = cfg.threads;
  const model = await fetchBytes(cfg.modelUrl);
  const externalData = cfg.dataUrl
    ? [{ path: cfg.dataPath, data: await fetchBytes(cfg.dataUrl) }]
    : [];
  // As the app runs a repeated size: on a session fixed to it.
  const overrides = sizeOverrides(inspectModel(model, 'model.onnx'), cfg.height, cfg.width);
  const t0 = performance.now();
  const session = await createSession(
    ort,
    { model, externalData },
    cfg.backend,
    'model.onnx',
    overrides ?? undefined,
  );
  const loadMs = performance.now() - t0;
  const anySize = overrides
    ? await createSession(ort, { model, externalData }, cfg.backend, 'model.onnx')
    : session;
  // WebGPU: a second session that leaves its output on the GPU, to time read-back on its own.
  let gpuSession: InferenceSession | null = null;
  if (cfg.backend === 'webgpu') {
    gpuSession = await ort.InferenceSession.create(model, {
      executionProviders: [{ name: 'webgpu' }],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      preferredOutputLocation: 'gpu-buffer',
      ...(overrides && { freeDimensionOverrides: overrides }),
      ...(externalData.length > 0 ? { externalData } : {}),
    });
  }
  const inputName = session.inputNames[0];
  // As the app asks: only the token output.
  const outputName = session.outputNames.includes('last_hidden_state')
    ? 'last_hidden_state'
    : session.outputNames[0];
  const dims = [1, 3, cfg.height, cfg.width];
  const input = new ort.Tensor('float32', normals(3 * cfg.height * cfg.width, 7), dims);

  return {
    info: { loadMs, threads: ort.env.wasm.numThreads ?? cfg.threads },
    async step() {
      const t1 = performance.now();
      const out = (await session.run({ [inputName]: input }, [outputName]))[outputName] as Tensor;
      const t2 = performance.now();
      // On WASM the output is already in JS memory (ORT copied it out of its heap inside run);
      // that same [T, D] copy, timed on its own, is what read-back costs there.
      const data = out.data as Float32Array;
      const copy = new Float32Array(data.length);
      copy.set(data);
      const t3 = performance.now();
      const [, tokens, dim] = out.dims;
      out.dispose();
      let readbackMs = t3 - t2;
      let gpuRunMs: number | null = null;
      if (gpuSession) {
        const device = await ort.env.webgpu.device;
        const g1 = performance.now();
        const g = (await gpuSession.run({ [inputName]: input }, [outputName]))[
          outputName
        ] as Tensor;
        // run() returns once the work is queued: wait for the GPU, then time the copy alone.
        await device.queue.onSubmittedWorkDone();
        const g2 = performance.now();
        await g.getData();
        const g3 = performance.now();
        g.dispose();
        gpuRunMs = g2 - g1;
        readbackMs = g3 - g2;
      }
      // Where the app runs no sized session, the two are the same session: time it once.
      let anySizeMs = t2 - t1;
      if (anySize !== session) {
        const a1 = performance.now();
        ((await anySize.run({ [inputName]: input }, [outputName]))[outputName] as Tensor).dispose();
        anySizeMs = performance.now() - a1;
      }
      return { runMs: t2 - t1, anySizeMs, readbackMs, gpuRunMs, tokens, dim };
    },
  };
});
