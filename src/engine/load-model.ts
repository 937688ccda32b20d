/**
 * Turns a model source (picked files or a URL) into inspected bytes plus external data, refusing
 * bad input with a message that names the file. Nothing here touches the running session, so a
 * refused model never disturbs the one already loaded.
 */
import { ExplorerError } from '../lib/errors';
import { deleteCachedModel } from '../model/cache';
import { fetchModelFile, type FetchProgress } from '../model/fetch-model';
import { inspectModel } from '../model/inspect';
import type { ModelInfo } from '../model/model-info';
import type { ModelSource } from './protocol';
import type { ModelBytes } from './session';

export interface ResolvedModel {
  name: string;
  bytes: ModelBytes;
  info: ModelInfo;
  fromCache: boolean;
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
  const model = new Uint8Array(await file.arrayBuffer());
  onStage(`Inspecting ${file.name}`);
  const info = inspectModel(model, file.name);
  const externalData: ModelBytes['externalData'] = [];
  for (const location of info.externalData) {
    const base = location.split('/').pop() ?? location;
    const data = files.find((f) => f.name === base || f.name === location);
    if (!data) {
      throw new ExplorerError(
        'missing-external-data',
        `"${file.name}" keeps its weights in a separate file, "${base}", which was not given. ` +
          `Pick both files at once: "${file.name}" and "${base}".`,
        file.name,
      );
    }
    onStage(`Reading ${data.name}`);
    externalData.push({ path: location, data: new Uint8Array(await data.arrayBuffer()) });
  }
  return { name: file.name, bytes: { model, externalData }, info, fromCache: false };
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
  opts.onStage(`Inspecting ${name}`);
  let info: ModelInfo;
  try {
    info = inspectModel(main.bytes, name);
  } catch (e) {
    await deleteCachedModel(parsed.href); // never keep a file we refused
    throw e;
  }
  const externalData: ModelBytes['externalData'] = [];
  let fromCache = main.fromCache;
  for (const location of info.externalData) {
    const dataUrl = new URL(location, parsed).href;
    const data = await fetchModelFile(dataUrl, {
      signal: opts.signal,
      onProgress: opts.onDownload,
    });
    fromCache &&= data.fromCache;
    externalData.push({ path: location, data: data.bytes });
  }
  return { name, bytes: { model: main.bytes, externalData }, info, fromCache };
}
