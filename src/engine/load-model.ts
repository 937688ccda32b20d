/**
 * Turns a model source (picked files or a URL) into inspected bytes plus external data, refusing
 * bad input with a message that names the file. Nothing here touches the running session, so a
 * refused model never disturbs the one already loaded.
 */
import { ExplorerError } from '../lib/errors';
import { formatBytes } from '../lib/files';
import { deleteCachedModel } from '../model/cache';
import { fetchModelFile, type FetchProgress } from '../model/fetch-model';
import { inspectModel } from '../model/inspect';
import { adviceFor, notOnnx, weightsTooShort, type ModelOrigin } from '../model/refusals';
import type { ModelInfo } from '../model/model-info';
import type { ModelSource } from './protocol';
import type { ModelBytes } from './session';

export interface ResolvedModel {
  name: string;
  bytes: ModelBytes;
  info: ModelInfo;
  fromCache: boolean;
  /**
   * The addresses this model's files are cached under (a URL source): a model that later fails
   * to load (its session cannot be made) must leave none of them behind, or every retry would
   * load the same bad bytes from the cache.
   */
  cachedUrls: string[];
  /** Where the bytes came from: a later refusal's advice depends on it. */
  origin: ModelOrigin;
  /** Files picked with the model that it did not use (a weights file it has no need of). */
  unused?: string[];
}

/** Removes a refused model's files from the cache; a failure to do so changes nothing else. */
export async function forgetCachedFiles(urls: string[]): Promise<void> {
  await Promise.all(urls.map((u) => deleteCachedModel(u).catch(() => undefined)));
}

/** About what one file read can give here: Chromium refuses larger ones. */
const READ_MAX = 2 ** 31;

/** A picked file's bytes, or a message naming it when the browser cannot read it whole. */
async function readWhole(file: File): Promise<Uint8Array> {
  try {
    return new Uint8Array(await file.arrayBuffer());
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ExplorerError(
      'unsupported-model',
      `"${file.name}" (${formatBytes(file.size)}) could not be read by the browser (${why}). ` +
        (file.size >= READ_MAX
          ? 'A browser tab cannot load a file over 2 GB: use a smaller export of this model ' +
            '(fp16 or int8) or a smaller model.'
          : 'Check that the file is still where it was and readable, then pick it again.'),
      file.name,
    );
  }
}

/** inspectModel, refusing bytes that are not ONNX, or not a ViT, with advice fit for `origin`. */
function inspect(bytes: Uint8Array, name: string, origin: ModelOrigin): ModelInfo {
  try {
    return inspectModel(bytes, name, adviceFor(origin));
  } catch (e) {
    if (e instanceof ExplorerError && e.code === 'not-onnx') throw notOnnx(name, bytes, origin);
    throw e;
  }
}

/** Refuses an external-data file too short for the tensors the graph reads from it. */
function checkDataSize(
  info: ModelInfo,
  location: string,
  data: { name: string; bytes: number },
  origin: ModelOrigin,
): void {
  const need = info.externalDataBytes[location] ?? 0;
  if (data.bytes >= need) return;
  throw weightsTooShort(info.fileName, { ...data, need }, origin);
}

const DATA_FILE = /\.(onnx_data|onnx\.data|data|bin|weights)$/i;

export async function resolveModel(
  source: ModelSource,
  opts: {
    signal: AbortSignal;
    onDownload: (p: FetchProgress) => void;
    onStage: (m: string) => void;
  },
): Promise<ResolvedModel> {
  if (source.kind === 'files') return resolveFiles(source.files, opts.onStage);
  return resolveUrl(source.url, source.expectedBytes, opts);
}

async function resolveFiles(files: File[], onStage: (m: string) => void): Promise<ResolvedModel> {
  if (files.length === 0) {
    throw new ExplorerError('not-onnx', "No file was given. Pick the model's .onnx file.");
  }
  const graphs = files.filter((f) => f.name.toLowerCase().endsWith('.onnx'));
  const others = files.filter((f) => !DATA_FILE.test(f.name) && !graphs.includes(f));
  const candidates = graphs.length > 0 ? graphs : others;
  if (candidates.length === 0) {
    const names = files.map((f) => `"${f.name}"`).join(', ');
    throw new ExplorerError(
      'not-onnx',
      `${names} ${files.length > 1 ? 'are' : 'is'} external weights only. Pick the model's .onnx ` +
        'file together with its weights file.',
      files[0].name,
    );
  }
  if (candidates.length > 1) {
    const names = candidates.map((f) => `"${f.name}"`).join(', ');
    throw new ExplorerError(
      'not-onnx',
      `Several model files were picked (${names}). Pick one .onnx file (with its .onnx_data ` +
        'file if it has one).',
      candidates[0].name,
    );
  }
  const file = candidates[0];
  onStage(`Reading ${file.name}`);
  const model = await readWhole(file);
  onStage(`Inspecting ${file.name}`);
  const info = inspect(model, file.name, { kind: 'file' });
  const externalData: ModelBytes['externalData'] = [];
  for (const location of info.externalData) {
    const base = location.split('/').pop() ?? location;
    const data = files.find((f) => f.name === base || f.name === location);
    if (!data) {
      // A weights file of another name was picked: it cannot be matched, and saying so helps.
      const others = files.filter((f) => f !== file && DATA_FILE.test(f.name));
      throw new ExplorerError(
        'missing-external-data',
        `"${file.name}" keeps its weights in a separate file, "${base}", which was not given. ` +
          `Pick both files at once: "${file.name}" and "${base}".` +
          (others.length > 0
            ? ` ("${others[0].name}" was picked, but the graph looks for its weights by name: ` +
              `if it is that file, rename it to "${base}".)`
            : ''),
        file.name,
      );
    }
    checkDataSize(info, location, { name: data.name, bytes: data.size }, { kind: 'file' });
    onStage(`Reading ${data.name}`);
    externalData.push({ path: location, data: await readWhole(data) });
  }
  const used = new Set(
    info.externalData.map((l) => l.split('/').pop() ?? l).concat(info.externalData),
  );
  const unused = files.filter((f) => f !== file && !used.has(f.name)).map((f) => f.name);
  return {
    name: file.name,
    bytes: { model, externalData },
    info,
    fromCache: false,
    cachedUrls: [],
    origin: { kind: 'file' },
    ...(unused.length > 0 ? { unused } : {}),
  };
}

async function resolveUrl(
  url: string,
  expectedBytes: number | undefined,
  opts: {
    signal: AbortSignal;
    onDownload: (p: FetchProgress) => void;
    onStage: (m: string) => void;
  },
): Promise<ResolvedModel> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ExplorerError(
      'download-failed',
      `"${url}" is not a valid address. Give a full URL.`,
      url,
    );
  }
  const name = decodeURIComponent(parsed.pathname.split('/').pop() || parsed.host);
  const main = await fetchModelFile(parsed.href, {
    signal: opts.signal,
    onProgress: opts.onDownload,
    expectedBytes,
  });
  // Whatever is refused from here on leaves nothing in the cache (see ResolvedModel.cachedUrls).
  const cachedUrls = [parsed.href];
  try {
    opts.onStage(`Inspecting ${name}`);
    const info = inspect(main.bytes, name, { kind: 'url', address: parsed.href });
    const externalData: ModelBytes['externalData'] = [];
    let fromCache = main.fromCache;
    for (const location of info.externalData) {
      const dataUrl = new URL(location, parsed).href;
      const data = await fetchModelFile(dataUrl, {
        signal: opts.signal,
        onProgress: opts.onDownload,
      }).catch((e: unknown) => {
        throw missingSideFile(e, name, location, dataUrl);
      });
      cachedUrls.push(dataUrl);
      checkDataSize(
        info,
        location,
        { name: location.split('/').pop() ?? location, bytes: data.bytes.length },
        { kind: 'url', address: dataUrl },
      );
      fromCache &&= data.fromCache;
      externalData.push({ path: location, data: data.bytes });
    }
    const origin: ModelOrigin = { kind: 'url', address: parsed.href };
    return {
      name,
      bytes: { model: main.bytes, externalData },
      info,
      fromCache,
      cachedUrls,
      origin,
    };
  } catch (e) {
    // A refused file is never kept. The graph of a data file that failed to download is fine,
    // but is dropped with the rest: a retry fetches both.
    await forgetCachedFiles(cachedUrls);
    throw e;
  }
}

/**
 * A graph's weights file that did not download: the address the user gave was right (the graph
 * came), so the message names the side file the graph needs beside it, not "check the address".
 */
function missingSideFile(e: unknown, name: string, location: string, dataUrl: string): unknown {
  if (!(e instanceof ExplorerError) || e.code !== 'download-failed') return e;
  const file = location.split('/').pop() ?? location;
  const answer = /the server answered ([^.]*)\./.exec(e.message)?.[1];
  return new ExplorerError(
    'download-failed',
    `"${name}" keeps its weights in a separate file, "${file}", which must sit next to it: ` +
      (answer
        ? `${dataUrl} failed (the server answered ${answer.trim()}). Put ${file} beside ${name} ` +
          'on the server, or pick both files from disk at once.'
        : `${dataUrl} could not be downloaded (no answer: the connection, or a server that does ` +
          'not allow cross-origin requests). Check both, or pick both files from disk at once.'),
    dataUrl,
  );
}
