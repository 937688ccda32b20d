/**
 * Settings that live in the URL (`backend`, `preprocess`, `res`), parsed defensively: unknown or
 * malformed values are ignored and reported as notices, never thrown.
 */
import { RESOLUTIONS, type BackendChoice, type PreprocessMode } from '../engine/protocol';

export interface UrlSettings {
  backend?: BackendChoice;
  preprocess?: PreprocessMode;
  resolution?: number;
}

export function parseUrlSettings(search: string): { settings: UrlSettings; notices: string[] } {
  const params = new URLSearchParams(search);
  const settings: UrlSettings = {};
  const notices: string[] = [];
  const backend = params.get('backend');
  if (backend !== null) {
    if (backend === 'auto' || backend === 'webgpu' || backend === 'wasm')
      settings.backend = backend;
    else notices.push(`Ignored backend=${clip(backend)}: use auto, webgpu or wasm.`);
  }
  const pre = params.get('preprocess');
  if (pre !== null) {
    if (pre === 'dense' || pre === 'classifier') settings.preprocess = pre;
    else notices.push(`Ignored preprocess=${clip(pre)}: use dense or classifier.`);
  }
  const res = params.get('res');
  if (res !== null) {
    const n = Number(res);
    if ((RESOLUTIONS as readonly number[]).includes(n)) settings.resolution = n;
    else notices.push(`Ignored res=${clip(res)}: use one of ${RESOLUTIONS.join(', ')}.`);
  }
  return { settings, notices };
}

/** Writes the settings into a query string, keeping any other parameters. */
export function withUrlSettings(search: string, s: Required<UrlSettings>): string {
  const params = new URLSearchParams(search);
  params.set('backend', s.backend);
  params.set('preprocess', s.preprocess);
  params.set('res', String(s.resolution));
  return `?${params.toString()}`;
}

function clip(v: string): string {
  return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
}
