#!/usr/bin/env node
/**
 * `npm run bench`: the built app, driven in Chromium, on real-size DINOv2 graphs (ViT-S/14 and
 * ViT-B/14 skeletons with seeded weights), at 224 and 448 px, on WASM with one thread and with all
 * the threads the app uses (and on WebGPU when a real adapter exists). Next to each app case, on
 * the same model, input and backend: a bare onnxruntime-web session.run, transformers.js's
 * image-feature-extraction pipeline, and onnxruntime-node. Writes bench/results.json and
 * bench/results.md and prints the table.
 *
 *   npm run bench                      # everything (about 25 minutes on 2 cores)
 *   npm run bench -- --quick           # ViT-S at 224 only, 3 repeats, to bench/out/results-quick.*
 *   (any option other than --no-build writes bench/out/results-custom.* instead of bench/results.*;
 *   --into bench/results.json replaces the re-measured cases in that file instead)
 *   options: --repeats N --warmup N --models s,b --res 224,448 --threads 1,all
 *            --backends wasm,webgpu (WebGPU runs only where a real adapter exists)
 *            --webgpu (time WebGPU even on a software adapter: checks the code path, not speed)
 *            --no-webgpu --no-tjs --no-node --no-app --no-build --no-features --features-only --debug
 */
/* global window, document -- used inside page.evaluate callbacks, which run in Chromium */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { materialize } from './materialize.mjs';
import { serve } from './server.mjs';
import {
  bytesPerImage,
  caseComparisons,
  judge,
  markdown,
  pairedRatio,
  round,
  ratio,
  summarize,
} from './stats.mjs';
import { BASE_FLAGS, findChromium } from '../chromium.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OUT = path.join(ROOT, 'bench/out');
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const quick = flag('quick');
/** Most extra warm-up steps the app path may take to reach its sized session. */
const SETTLE_MAX = 6;
/**
 * Repeats of a case whose bare run takes under a second. On the two-core benchmark machine a
 * ViT-S 224 run varies by ±15% from one repeat to the next; with 33 pairs the app's and the bare
 * run's inference medians still came out 4% apart by chance (their paired ratio: 1%).
 */
const SHORT_REPEATS = quick ? 5 : 21;
/**
 * Idle time before each path's step. onnxruntime's thread pool keeps a core spinning for about
 * 50 ms after a multi-threaded run (see src/engine/session.ts); without a pause the next path
 * would start on a machine still busy with the previous one's tail.
 */
const QUIET_MS = 150;
const quiet = () => new Promise((resolve) => setTimeout(resolve, QUIET_MS));
/** At most this many times the planned repeats when a target is still within noise. */
const MORE_REPEATS = quick ? 1 : 3;
/** ... and at most this much extra time per case. */
const MORE_SECONDS = Number(opt('more-seconds', 120));
const MODELS = {
  s: { id: 'dinov2-s', label: 'ViT-S/14' },
  b: { id: 'dinov2-b', label: 'ViT-B/14' },
  // The test fixture (hidden 64, 4 layers): for checking code paths (e.g. WebGPU on SwiftShader).
  tiny: { id: 'dinov2-tiny', label: 'tiny', fixture: 'tests/fixtures/dinov2/dinov2-tiny' },
};
const models = flag('features-only') ? [] : opt('models', quick ? 's' : 's,b').split(',');
const resolutions = opt('res', quick ? '224' : '224,448')
  .split(',')
  .map(Number);
const threadSettings = opt('threads', '1,all').split(',');
const backends = opt('backends', 'wasm,webgpu').split(',');
const warmup = Number(opt('warmup', quick ? 1 : 2));
const repeats = Number(opt('repeats', quick ? 3 : 5));
/** The most measured repeats a case can get (see MORE_REPEATS). */
const maxRepeats = MORE_REPEATS * Math.max(repeats, SHORT_REPEATS);
// Only the full matrix (the default options) writes the committed bench/results.*.
const official = argv.every((a) => a === '--no-build');
const outBase = official
  ? path.join(ROOT, 'bench/results')
  : path.join(OUT, quick ? 'results-quick' : 'results-custom');
const IMAGE = path.join(ROOT, 'public/samples/astronaut.png'); // 512 x 512: square at any res

const log = (...a) => console.log('[bench]', ...a);

/** An installed package's folder (some packages do not export their package.json). */
function packageDir(name) {
  let dir = path.dirname(require.resolve(name, { paths: [ROOT] }));
  while (dir !== path.dirname(dir)) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p) && JSON.parse(fs.readFileSync(p, 'utf8')).name === name) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`${name} is not installed`);
}

// ---------------------------------------------------------------------------------------------
// Chromium (never downloaded): the same lookup and flags as tests/browser/chromium.ts.

/** A real GPU's WebGPU (Vulkan on Linux); SwiftShader is detected and not timed. */
const GPU_FLAGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--ignore-gpu-blocklist'];

// ---------------------------------------------------------------------------------------------
// Machine

function machine(chromiumVersion) {
  let distro = '';
  try {
    distro = /PRETTY_NAME="?([^"\n]+)/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    // not Linux
  }
  const pkg = (name) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(packageDir(name), 'package.json'), 'utf8'))
        .version;
    } catch {
      return null;
    }
  };
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    ramBytes: os.totalmem(),
    os: `${distro || os.type()} (${os.platform()} ${os.release()}, ${os.arch()})`,
    chromium: chromiumVersion,
    node: process.versions.node,
    ortWeb: pkg('onnxruntime-web'),
    transformersJs: pkg('@huggingface/transformers'),
    ortNode: pkg('onnxruntime-node'),
    loadAverage: os.loadavg().map((x) => round(x)),
  };
}

// ---------------------------------------------------------------------------------------------
// Builds

async function buildAll() {
  const { build } = await import('vite');
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    log('building the app (production) into bench/out/app');
    await build({
      root: ROOT,
      mode: 'production',
      logLevel: 'warn',
      build: { outDir: path.join(OUT, 'app'), emptyOutDir: true },
    });
    log('building the bench page into bench/out/page');
    await build({
      configFile: false,
      root: path.join(ROOT, 'bench/page'),
      base: './',
      mode: 'production',
      logLevel: 'warn',
      worker: { format: 'es' },
      build: {
        outDir: path.join(OUT, 'page'),
        emptyOutDir: true,
        target: 'es2022',
        chunkSizeWarningLimit: 4000,
      },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

// ---------------------------------------------------------------------------------------------
// Models

function skeletonDir(id) {
  const inRepo = path.join(ROOT, 'bench/skeletons', id);
  if (fs.existsSync(path.join(inRepo, 'skeleton.onnx'))) return inRepo;
  const shared = path.resolve(ROOT, '../shared/fixtures/dinov2/skeletons', id);
  if (fs.existsSync(path.join(shared, 'skeleton.onnx'))) return shared;
  throw new Error(
    `The ${id} skeleton is missing: expected bench/skeletons/${id}/ (skeleton.onnx, weights.json, config.json).`,
  );
}

function prepareModel(key) {
  if (!MODELS[key])
    throw new Error(`Unknown model "${key}": use ${Object.keys(MODELS).join(', ')}`);
  const { id, fixture } = MODELS[key];
  const dir = path.join(OUT, 'models', id);
  if (fixture) {
    fs.mkdirSync(dir, { recursive: true });
    for (const f of ['model.onnx', 'config.json']) {
      fs.copyFileSync(path.join(ROOT, fixture, f), path.join(dir, f));
    }
    return { ...MODELS[key], key, dir, model: path.join(dir, 'model.onnx'), data: null };
  }
  const t0 = performance.now();
  const r = materialize(skeletonDir(id), dir, { seed: 1 });
  log(
    `${id}: ${(r.weightBytes / 2 ** 20).toFixed(0)} MiB of seeded weights` +
      (r.reused ? ' (cached)' : ` (${((performance.now() - t0) / 1000).toFixed(1)} s)`),
  );
  return { ...MODELS[key], key, dir, model: r.model, data: r.data };
}

/** transformers.js's preprocessor for a square input of `res` (the app's dense mode at `res`). */
function preprocessorConfig(res) {
  return {
    do_resize: true,
    size: { shortest_edge: res },
    resample: 3,
    do_center_crop: true,
    crop_size: { height: res, width: res },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.485, 0.456, 0.406],
    image_std: [0.229, 0.224, 0.225],
    do_convert_rgb: true,
    image_processor_type: 'BitImageProcessor',
  };
}

function routes() {
  // transformers.js's own onnxruntime-web (nested when its version differs from the app's).
  const tjsOrt = path.join(packageDir('@huggingface/transformers'), 'node_modules/onnxruntime-web');
  const ortDist = path.join(fs.existsSync(tjsOrt) ? tjsOrt : packageDir('onnxruntime-web'), 'dist');
  return {
    '/app/': path.join(OUT, 'app'),
    '/page/': path.join(OUT, 'page'),
    '/models/': path.join(OUT, 'models'),
    '/tjs-ort/': ortDist,
    '/images/': path.dirname(IMAGE),
    // transformers.js's layout: <model>/config.json, preprocessor_config.json, onnx/model.onnx(_data)
    '/tjs/': (rest) => {
      const m = /^(dinov2-[a-z0-9-]+)-(\d+)\/(.+)$/.exec(rest);
      if (!m) return null;
      const [, id, res, file] = m;
      const dir = path.join(OUT, 'models', id);
      if (file === 'preprocessor_config.json') {
        return { body: JSON.stringify(preprocessorConfig(Number(res))), type: 'application/json' };
      }
      if (file === 'config.json') return { file: path.join(dir, 'config.json') };
      if (file === 'onnx/model.onnx') return { file: path.join(dir, 'model.onnx') };
      if (file === 'onnx/model.onnx_data') return { file: path.join(dir, 'model.onnx_data') };
      return null;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The app, driven like a person would

async function newPage(browser, url) {
  // Service workers off: the app's one would cache the shell and isolate the plain origin.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') console.error('[console]', m.text());
  });
  await page.goto(url);
  return page;
}

/** The app on one model, resolution and backend: loaded once, then one image per `step`. */
async function openApp(browser, origin, model, res, backend) {
  const page = await newPage(
    browser,
    `${origin}/app/?backend=${backend}&preprocess=dense&res=${res}&view=pca&bench=1`,
  );
  await page.waitForFunction(() => window.__dinov2Bench !== undefined, null, { timeout: 60_000 });
  await page
    .getByLabel('Model file', { exact: true })
    .setInputFiles([model.model, model.data].filter(Boolean));
  await page.waitForFunction(
    () => /Model ready on/.test(document.querySelector('[role=status]')?.textContent ?? ''),
    null,
    { timeout: 600_000, polling: 200 },
  );
  const load = await page.evaluate(() =>
    window.__dinov2Bench.records.findLast((r) => r.type === 'loadModel' && r.ok),
  );
  return {
    load,
    /** Picks `file` in the Images input; measures until its PCA map is drawn; removes it. */
    async step(file) {
      const name = path.basename(file);
      await page.evaluate(
        ([n, w, h]) => {
          window.__benchDrawn = window.__dinov2Bench.whenPcaDrawn(n, w, h);
        },
        [name, res, res],
      );
      await page.getByLabel('Images', { exact: true }).setInputFiles([file]);
      const r = await page.evaluate(async (n) => {
        const hook = window.__dinov2Bench;
        const drawnAt = await window.__benchDrawn;
        const picked = hook.inputs.findLast((i) => i.label === 'Images' && i.names.includes(n));
        const embed = hook.records.findLast((x) => x.type === 'embed' && x.fileName === n && x.ok);
        // The maps came with the features (EmbedResult.pca), or answered a request of their own.
        const pca =
          embed?.pcaMs !== undefined
            ? { ms: embed.pcaMs, startedEarly: true, withFeatures: true }
            : embed
              ? hook.records.findLast(
                  (x) =>
                    x.type === 'pca' &&
                    x.ok &&
                    x.imageIds.includes(embed.imageIds[0]) &&
                    x.doneAt <= drawnAt,
                )
              : undefined;
        return {
          e2e: drawnAt - picked.at,
          // When the features were ready in the worker: before any map computed with them.
          features: embed ? embed.doneAt - picked.at - (embed.timings.mapMs ?? 0) : null,
          embed,
          pca,
        };
      }, name);
      // Back to an empty collection, so every run's PCA is over one image.
      await page.getByRole('tab', { name: 'Collection' }).click();
      await page.getByRole('button', { name: `Remove ${name}`, exact: true }).click();
      await page.getByRole('tab', { name: 'PCA maps' }).click();
      await page.waitForTimeout(200);
      return r;
    },
    async dump() {
      return page.evaluate(() => window.__dinov2Bench);
    },
    close: () => page.context().close(),
  };
}

/** The bench page: bare onnxruntime-web and transformers.js, each in its own worker. */
async function openBenchPage(browser, origin) {
  const page = await newPage(browser, `${origin}/page/`);
  await page.waitForFunction(() => window.benchPage !== undefined, null, { timeout: 60_000 });
  return {
    open: (name, job) => page.evaluate(([n, j]) => window.benchPage.open(n, j), [name, job]),
    step: (name) => page.evaluate((n) => window.benchPage.step(n), name),
    closeJob: (name) => page.evaluate((n) => window.benchPage.close(n), name),
    features: (cfg) => page.evaluate((c) => window.benchPage.features(c), cfg),
    close: () => page.context().close(),
  };
}

// ---------------------------------------------------------------------------------------------
// onnxruntime-node (the native ceiling on this machine)

async function openNode(model, res, threads) {
  let ort;
  try {
    ort = (await import('onnxruntime-node')).default;
  } catch (e) {
    throw new Error(`onnxruntime-node is not installed (${e.message.split('\n')[0]})`);
  }
  const session = await ort.InferenceSession.create(model.model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const data = new Float32Array(3 * res * res).map((_, i) => Math.sin(i * 0.37));
  const input = new ort.Tensor('float32', data, [1, 3, res, res]);
  const out = session.outputNames.includes('last_hidden_state')
    ? 'last_hidden_state'
    : session.outputNames[0];
  return {
    async step() {
      const t0 = performance.now();
      const r = await session.run({ [session.inputNames[0]]: input }, [out]);
      const ms = performance.now() - t0;
      r[out].dispose?.();
      return ms;
    },
    close: () => session.release(),
  };
}

// ---------------------------------------------------------------------------------------------

async function probeWebGpu(chromiumPath, origin) {
  if (flag('no-webgpu')) return { present: false, reason: 'skipped (--no-webgpu)' };
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [...BASE_FLAGS, ...GPU_FLAGS],
  });
  try {
    const page = await newPage(browser, `${origin}/page/`);
    const info = await page.evaluate(async () => {
      if (!navigator.gpu) return { present: false, reason: 'this Chromium has no WebGPU' };
      const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) return { present: false, reason: 'no WebGPU adapter' };
      const i = adapter.info ?? {};
      const name = [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ');
      const soft = /swiftshader|llvmpipe|lavapipe|software/i.test(name) || i.isFallbackAdapter;
      return soft
        ? {
            present: false,
            reason: `only a software adapter (${name || 'fallback'})`,
            adapter: name,
          }
        : { present: true, adapter: name };
    });
    if (!info.present && flag('webgpu')) return { ...info, present: true, forced: true, browser };
    if (!info.present) await browser.close();
    return info.present ? { ...info, browser } : info;
  } catch (e) {
    await browser.close();
    return { present: false, reason: `WebGPU probe failed: ${e.message.split('\n')[0]}` };
  }
}

async function main() {
  const chromiumPath = findChromium();
  if (!chromiumPath) {
    console.error(
      'npm run bench needs a Chromium (it never downloads one): sudo apt-get install -y chromium, ' +
        'or set CHROMIUM_PATH.',
    );
    process.exit(1);
  }
  fs.mkdirSync(OUT, { recursive: true });
  const prepared = models.map(prepareModel);
  if (!flag('no-build')) await buildAll();
  const images = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-bench-'));
  // Each step needs a file of its own name (a new collection image); the app path may take up to
  // SETTLE_MAX extra warm-up steps (see below).
  const imageCopies = Array.from({ length: warmup + maxRepeats + SETTLE_MAX }, (_, i) => {
    const f = path.join(images, `bench-${i}.png`);
    fs.copyFileSync(IMAGE, f);
    return f;
  });

  const r = routes();
  const isolated = await serve(r, { isolation: true });
  const plain = await serve(r, { isolation: false });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [...BASE_FLAGS, '--disable-gpu'],
  });
  const results = {
    date: new Date().toISOString(),
    machine: machine(browser.version()),
    warmup,
    repeats,
    image: `${path.relative(ROOT, IMAGE)} (512 x 512 PNG, dense preprocessing: a square input of the resolution)`,
    notes: [
      'Models: DINOv2 skeleton graphs (transformers 5.17 export, opset 17) with seeded random weights (scripts/bench/materialize.mjs): real shapes and ops, meaningless numbers.',
      'threads "1": pages served without cross-origin isolation (the app then runs onnxruntime-web on one thread); "all": isolated, the app uses min(cores, 8) threads. Bare, transformers.js and onnxruntime-node use the same count.',
      "e2e_ms: from the change event of the Images file input to the first draw of that image's PCA map (decode, preprocess, inference, store, PCA, render). tjs_e2e_ms: RawImage.fromBlob + the image-feature-extraction pipeline on the same file bytes.",
      'bare_run_ms: session.run on a prepared tensor, on the session the app runs a repeated size on: one whose free input dims are fixed to the size (freeDimensionOverrides; the app case warms up until its own is made). bare_any_size_ms: on a session open to any size, what the app runs a new size on and what a plain onnxruntime-web (or transformers.js) user gets.',
      'read-back on WASM: onnxruntime-web copies the output out of its heap inside session.run; the figure is that [T, D] float32 copy timed on its own (already included in inference and bare run).',
      "targets: 'holds' compares the medians, as the issue states the targets. 'paired ratio' is the median of the per-repeat ratios (repeats of the paths run back to back, so each pair saw the same machine load), with its 95% bootstrap interval; 'beyond noise' is yes (or no) when the whole interval meets (or misses) the target, unresolved when it spans it. A case whose comparison is still unresolved after its planned repeats gets more (at most 3 times as many, 2 minutes more).",
    ],
    webgpu: null,
    cases: [],
    features: null,
    bytes_per_image: null,
  };
  const allThreads = Math.max(1, Math.min(os.cpus().length, 8));

  const gpu = await probeWebGpu(chromiumPath, isolated.origin);
  results.webgpu = {
    present: gpu.present && !gpu.forced,
    adapter: gpu.adapter ?? null,
    reason: gpu.reason ?? null,
    ...(gpu.forced && { forced: 'timed on a software adapter (--webgpu): a code-path check only' }),
  };
  log(`WebGPU: ${gpu.present ? gpu.adapter : `not present (${gpu.reason})`}`);

  const tjsPaths = (origin) => ({
    mjs: `${origin}/tjs-ort/ort-wasm-simd-threaded.asyncify.mjs`,
    wasm: `${origin}/tjs-ort/ort-wasm-simd-threaded.asyncify.wasm`,
  });

  const configs = [];
  for (const model of prepared) {
    for (const res of resolutions) {
      if (backends.includes('wasm')) {
        for (const t of threadSettings) {
          configs.push({ model, res, backend: 'wasm', threads: t === '1' ? 1 : allThreads });
        }
      }
      if (gpu.present && backends.includes('webgpu')) {
        configs.push({ model, res, backend: 'webgpu', threads: 0 });
      }
    }
  }

  for (const { model, res, backend, threads } of configs) {
    const b = backend === 'webgpu' ? gpu.browser : browser;
    const origin = backend === 'wasm' && threads === 1 ? plain.origin : isolated.origin;
    const tag = `${model.label} ${res} ${backend}${backend === 'wasm' ? ` ${threads}t` : ''}`;
    const pathThreads = backend === 'wasm' ? threads : allThreads;
    const row = {
      model: model.label,
      backend,
      resolution: res,
      threads,
      stages: {},
      e2e_ms: null,
      bare_run_ms: null,
      bare_any_size_ms: null,
      overhead_ratio: null,
      tjs_e2e_ms: null,
      ort_node_ms: null,
      machine: results.machine,
      detail: {},
      ...(backend === 'webgpu' && gpu.forced && { note: 'software adapter: not a speed figure' }),
    };
    const paths = {}; // name -> { step, close } for the paths that opened
    const raw = { app: [], bare: [], tjs: [], node: [] };
    let benchPageHandle = null;
    try {
      log(`${tag}: loading the model in every path`);
      if (!flag('no-app')) {
        const app = await openApp(b, origin, model, res, backend);
        const appThreads = app.load?.backend?.threads;
        if (backend === 'wasm' && appThreads !== threads) {
          await app.close();
          throw new Error(`the app ran on ${appThreads} threads, expected ${threads}`);
        }
        row.detail.app = {
          load_ms: app.load ? round(app.load.doneAt - app.load.sentAt) : null,
          sized_sessions: app.load?.backend?.sizedSessions ?? null,
        };
        paths.app = app;
      }
      benchPageHandle = await openBenchPage(b, origin);
      const bp = benchPageHandle;
      const bareInfo = await bp.open('bare', {
        kind: 'bare',
        modelUrl: `${origin}/models/${model.id}/model.onnx`,
        dataUrl: model.data ? `${origin}/models/${model.id}/model.onnx_data` : null,
        dataPath: 'model.onnx_data',
        backend,
        threads: pathThreads,
        height: res,
        width: res,
      });
      row.detail.bare = { load_ms: round(bareInfo.loadMs), threads: bareInfo.threads };
      paths.bare = { step: () => bp.step('bare'), close: () => bp.closeJob('bare') };
      if (!flag('no-tjs')) {
        try {
          const info = await bp.open('tjs', {
            kind: 'tjs',
            localModelPath: '/tjs/',
            modelId: `${model.id}-${res}`,
            wasmPaths: tjsPaths(origin),
            device: backend,
            threads: pathThreads,
            imageUrl: `${origin}/images/${path.basename(IMAGE)}`,
            externalData: model.data !== null,
          });
          row.detail.tjs = {
            load_ms: round(info.loadMs),
            version: info.version,
            onnxruntime_web: info.ortVersion,
          };
          paths.tjs = { step: () => bp.step('tjs'), close: () => bp.closeJob('tjs') };
        } catch (e) {
          row.detail.tjs = { error: e.message.split('\n')[0] };
          log(`${tag}: transformers.js failed to load: ${e.message.split('\n')[0]}`);
        }
      }
      if (!flag('no-node') && backend === 'wasm') {
        try {
          paths.node = await openNode(model, res, threads);
          row.detail.ort_node = { ep: 'cpu', intra_op_threads: threads };
        } catch (e) {
          row.detail.ort_node = { error: e.message };
        }
      }

      // The app makes a session fixed to an input size once that size repeats; its steady state
      // is what the measured runs time, so warm-up goes on until that session ran (at most
      // SETTLE_MAX more steps).
      let file = 0;
      if (paths.app?.load?.backend?.sizedSessions) {
        for (let s = 0; s < SETTLE_MAX; s++) {
          const r = await paths.app.step(imageCopies[file++]);
          row.detail.app_settle_steps = s + 1;
          if (r.embed?.sizedSession) break;
        }
      }
      // Interleaved: repeat i of every path runs back to back, so all see the same machine load.
      // Cases whose run takes under a second get more repeats: there a few ms of machine noise
      // move the ratios most, and the repeats are cheap.
      let total = warmup + repeats;
      // After the planned repeats, more while a target's paired comparison is still within noise
      // (its 95% interval spans the threshold), up to MORE_REPEATS times as many repeats and
      // MORE_SECONDS of extra time for the case.
      let extraFrom = null;
      // The fastest warm-up bare run decides: one slowed by a noisy moment (a 550 ms case once
      // took 1023 ms) must not cost the case its extra repeats.
      let fastestWarmup = Infinity;
      const undecided = () =>
        caseComparisons(row, {
          app: raw.app.map((x) => x.e2e),
          features: raw.app.map((x) => x.features),
          bare: raw.bare.map((x) => x.runMs),
          tjs: raw.tjs.map((x) => x.e2eMs),
        }).filter((c) => c.verdict === 'unresolved');
      for (let i = 0; ; i++) {
        if (i >= total) {
          extraFrom ??= Date.now();
          const open = undecided();
          // Within maxRepeats, so within the image copies made for the app path.
          const cap = warmup + MORE_REPEATS * (total - warmup);
          if (open.length === 0 || i >= cap || Date.now() - extraFrom > MORE_SECONDS * 1000) break;
          if (i === total)
            log(`${tag}: more repeats, within noise so far: ${open.map((c) => c.key).join(', ')}`);
        }
        const keep = i >= warmup;
        if (paths.app) {
          await quiet();
          const r = await paths.app.step(imageCopies[file++]);
          if (keep) raw.app.push(r);
        }
        await quiet();
        const bare = await paths.bare.step();
        if (keep) raw.bare.push(bare);
        if (!keep) fastestWarmup = Math.min(fastestWarmup, bare.runMs);
        if (i === warmup - 1 && fastestWarmup < 1000)
          total = warmup + Math.max(repeats, SHORT_REPEATS);
        if (paths.tjs) {
          try {
            await quiet();
            const t = await paths.tjs.step();
            if (keep) raw.tjs.push(t);
          } catch (e) {
            row.detail.tjs = { ...row.detail.tjs, error: e.message.split('\n')[0] };
            await paths.tjs.close();
            delete paths.tjs;
          }
        }
        if (paths.node) {
          await quiet();
          const ms = await paths.node.step();
          if (keep) raw.node.push(ms);
        }
        log(
          `${tag}: run ${i + 1}/${total}${keep ? '' : ' (warm-up)'}: ` +
            [
              raw.app.length && keep ? `app e2e ${round(raw.app.at(-1).e2e, 0)}` : null,
              `bare ${round(bare.runMs, 0)}`,
              raw.tjs.length && keep ? `tjs ${round(raw.tjs.at(-1).e2eMs, 0)}` : null,
              raw.node.length && keep ? `node ${round(raw.node.at(-1), 0)}` : null,
            ]
              .filter(Boolean)
              .join(', '),
        );
      }
      if (flag('debug') && paths.app) {
        fs.writeFileSync(
          path.join(OUT, 'debug-app-records.json'),
          JSON.stringify(await paths.app.dump(), null, 1),
        );
      }

      if (paths.app) {
        const pick = (f) => summarize(raw.app.map(f));
        const app = {
          decode: pick((x) => x.embed?.timings.decodeMs),
          preprocess: pick((x) => x.embed?.timings.preprocessMs),
          inference: pick((x) => x.embed?.timings.inferenceMs),
          pca: pick((x) => x.pca?.ms),
          e2e: pick((x) => x.e2e),
          // The same start, until the features are back from the worker (no PCA, no drawing).
          e2e_features: pick((x) => x.features),
          embed_round_trip: pick((x) => (x.embed ? x.embed.doneAt - x.embed.sentAt : null)),
          pca_round_trip: pick((x) =>
            x.pca && !x.pca.withFeatures ? x.pca.doneAt - x.pca.sentAt : null,
          ),
          // Maps the worker started with the features, before the UI asked (EmbedRequest.pcaNext).
          pca_started_early: raw.app.filter((x) => x.pca?.startedEarly).length / raw.app.length,
          // Of those, maps that came in the features' own answer (EmbedResult.pca).
          pca_with_features: raw.app.filter((x) => x.pca?.withFeatures).length / raw.app.length,
          tokens: raw.app[0]?.embed?.tokens ?? null,
          dim: raw.app[0]?.embed?.dim ?? null,
        };
        row.stages = {
          decode_ms: app.decode.median,
          preprocess_ms: app.preprocess.median,
          inference_ms: app.inference.median,
          readback_ms: null,
          pca_ms: app.pca.median,
        };
        row.e2e_ms = app.e2e.median;
        Object.assign(row.detail.app, app);
      }
      const bareRun = summarize(raw.bare.map((x) => x.runMs));
      const readback = summarize(raw.bare.map((x) => x.readbackMs));
      const anySize = summarize(raw.bare.map((x) => x.anySizeMs));
      row.bare_run_ms = bareRun.median;
      row.bare_any_size_ms = anySize.median;
      row.stages.readback_ms = readback.median;
      row.overhead_ratio = ratio(row.e2e_ms, row.bare_run_ms);
      row.overhead_ratio_paired = pairedRatio(
        raw.app.map((x) => x.e2e),
        raw.bare.map((x) => x.runMs),
      );
      Object.assign(row.detail.bare, {
        run: bareRun,
        any_size_run: anySize,
        readback,
        gpu_run: backend === 'webgpu' ? summarize(raw.bare.map((x) => x.gpuRunMs)) : null,
        tokens: raw.bare[0]?.tokens,
        dim: raw.bare[0]?.dim,
      });
      if (raw.tjs.length > 0) {
        const e = summarize(raw.tjs.map((x) => x.e2eMs));
        row.tjs_e2e_ms = e.median;
        Object.assign(row.detail.tjs, { e2e: e, dims: raw.tjs[0].dims });
      }
      if (raw.node.length > 0) {
        const n = summarize(raw.node);
        row.ort_node_ms = n.median;
        row.detail.ort_node.run = n;
      }
    } catch (e) {
      row.error = e.message.split('\n')[0];
      log(`${tag}: failed: ${e.stack}`);
    } finally {
      for (const p of Object.values(paths)) await p.close().catch(() => {});
      await benchPageHandle?.close().catch(() => {});
    }
    results.cases.push(row);
    log(
      `${tag}: e2e ${row.e2e_ms} ms, bare ${row.bare_run_ms} ms, overhead ${row.overhead_ratio}, ` +
        `tjs ${row.tjs_e2e_ms} ms, ort-node ${row.ort_node_ms} ms`,
    );
  }

  if (!flag('no-features')) log('feature stages (synthetic data)');
  if (!flag('no-features'))
    try {
      const bp = await openBenchPage(browser, isolated.origin);
      try {
        const f = await bp.features({ kind: 'features', warmup: 3, repeats: quick ? 5 : 15 });
        results.features = {
          knn_query_ms: summarize(f.knnMs),
          knn_query_js_ms: summarize(f.knnJsMs),
          knn_kernel: f.knnSimd ? 'WebAssembly SIMD (as the app)' : 'javascript',
          patch_similarity_ms: summarize(f.patchSimMs),
          pca_joint_ms: summarize(f.pcaMs),
          pca_joint_fg_ms: summarize(f.pcaFgMs),
          pca_joint_fit2048_ms: summarize(f.pcaFit2048Ms),
          pca_covariance: f.pcaUsedSession ? 'onnxruntime session (as the app)' : 'javascript',
        };
        results.collection_memory = f.collection;
      } finally {
        await bp.close();
      }
    } catch (e) {
      log(`feature stages failed: ${e.stack}`);
    }

  // Patch similarity and the joint PCA on WebGPU (the app's GPU paths) where an adapter is present.
  if (!flag('no-features') && gpu.present) {
    log('patch similarity and joint PCA on WebGPU (synthetic data)');
    try {
      const bp = await openBenchPage(gpu.browser, isolated.origin);
      try {
        const g = await bp.features({
          kind: 'features',
          gpu: true,
          warmup: 3,
          repeats: quick ? 5 : 15,
        });
        results.features = {
          ...results.features,
          patch_similarity_gpu: {
            adapter: g.adapter,
            gpu_ms: summarize(g.gpuMs),
            wasm_ms: summarize(g.wasmMs),
            max_cosine_difference: g.maxDiff,
            chosen: g.chosen,
            ...(gpu.forced && { note: 'software adapter: not a speed figure' }),
          },
          pca_joint_gpu: {
            adapter: g.adapter,
            gpu_ms: summarize(g.pca.gpuMs),
            wasm_session_ms: summarize(g.pca.sessionMs),
            webgpu_gemm_ms: summarize(g.pca.webgpuGemmMs),
            max_colour_difference: g.pca.maxDiff,
            chosen: g.pca.chosen,
            ...(gpu.forced && { note: 'software adapter: not a speed figure' }),
          },
        };
      } finally {
        await bp.close();
      }
    } catch (e) {
      log(`feature stages on WebGPU failed: ${e.stack}`);
    }
  }

  // Bytes per indexed image, for ViT-S at 448 (tokens from the run when there was one).
  const s448 = results.cases.find((c) => c.model === 'ViT-S/14' && c.resolution === 448);
  const tokens = s448?.detail.app?.tokens ?? 1 + 32 * 32;
  const dim = s448?.detail.app?.dim ?? 384;
  results.bytes_per_image = {
    model: 'ViT-S/14',
    resolution: 448,
    ...bytesPerImage({
      tokens,
      dim,
      imageFileBytes: fs.statSync(IMAGE).size,
      collection: results.collection_memory,
    }),
  };
  results.machine.loadAverageAtEnd = os.loadavg().map((x) => round(x));
  results.targets = judge(results);

  await browser.close();
  await gpu.browser?.close();
  await isolated.close();
  await plain.close();
  fs.rmSync(images, { recursive: true, force: true });

  const into = opt('into', null);
  if (into) {
    // Re-measured cases replace the same cases of an earlier results file; the rest stay.
    const file = path.resolve(into);
    const old = JSON.parse(fs.readFileSync(file, 'utf8'));
    const key = (c) => `${c.model}|${c.resolution}|${c.backend}|${c.threads}`;
    const fresh = new Map(results.cases.map((c) => [key(c), c]));
    const cases = old.cases.map((c) => fresh.get(key(c)) ?? c);
    for (const c of results.cases) if (!cases.includes(c)) cases.push(c);
    const merged = {
      ...old,
      cases,
      features: results.features ?? old.features,
      remeasured: [
        ...(old.remeasured ?? []),
        { date: results.date, cases: [...fresh.keys()], machine: results.machine },
      ],
    };
    merged.targets = judge(merged);
    await write(merged, file.replace(/\.json$/, ''));
    return;
  }
  await write(results, outBase);
}

/** results.json (formatted as the repo formats JSON), results.md, and the table on stdout. */
async function write(results, outBase) {
  const prettier = await import('prettier');
  const config = (await prettier.resolveConfig(path.join(ROOT, 'bench/results.json'))) ?? {};
  const json = JSON.stringify(results, null, 2);
  const md = `# Benchmark results\n\n${markdown(results)}`;
  fs.mkdirSync(path.dirname(outBase), { recursive: true });
  fs.writeFileSync(`${outBase}.json`, await prettier.format(json, { ...config, parser: 'json' }));
  fs.writeFileSync(`${outBase}.md`, await prettier.format(md, { ...config, parser: 'markdown' }));
  console.log(`\n${markdown(results)}`);
  log(`wrote ${path.relative(ROOT, outBase)}.json and .md`);
}

/**
 * `--render <results.json>`: recomputes the derived figures (paired overhead, targets) and the
 * Markdown from a results file, without running anything.
 */
async function render(file) {
  const results = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const c of results.cases) {
    c.overhead_ratio = ratio(c.e2e_ms, c.bare_run_ms);
    c.overhead_ratio_paired = pairedRatio(c.detail?.app?.e2e?.values, c.detail?.bare?.run?.values);
  }
  results.targets = judge(results);
  await write(results, file.replace(/\.json$/, ''));
}

(opt('render', null) ? render(path.resolve(opt('render'))) : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
