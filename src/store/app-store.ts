/**
 * The app's state, in one zustand store made of small slices. Engine calls live in
 * controller.ts; components read state here and call the controller.
 */
import { useCallback } from 'react';
import { create } from 'zustand';
import type {
  AlphaBackground,
  BackendChoice,
  BackendReport,
  EmbedResult,
  PreprocessMode,
} from '../engine/protocol';
import type { LinkModel, ViewId } from '../lib/link-state';
import type { ModelInfo } from '../model/model-info';
import { imageLabels, labelStem } from '../lib/image-labels';

export interface Alert {
  id: number;
  message: string;
  subject?: string;
  kind: 'error' | 'notice';
  /**
   * 'model': a model that failed to load, moot once one loads (then taken away). 'removed': the
   * last image removed, with its undo (one such notice at a time). 'import': an index import's
   * summary (the next import's replaces it). 'export': an index export refused (moot once one
   * is made).
   */
  topic?: 'model' | 'removed' | 'import' | 'export';
  /** A button beside the message (an undo); it dismisses the alert when pressed. */
  action?: { label: string; run: () => void };
}

export interface ImageEntry {
  id: string;
  name: string;
  file: File;
  /** Object URL for display; revoked when the image is removed. */
  url: string;
  status: 'queued' | 'done' | 'error';
  /** The folder it came from (its path inside a picked or dropped folder), if any. */
  folder?: string;
  /** Where the image came from when it was added by URL (such images can travel in a link). */
  sourceUrl?: string;
  result?: EmbedResult;
}

export interface DownloadState {
  callId: number;
  label: string;
  loaded: number;
  total: number | null;
  bytesPerSecond: number;
}

export interface ModelState {
  status: 'none' | 'loading' | 'ready';
  /** What is loading now (a file name or URL), while status is 'loading'. */
  loading: string | null;
  stage: string | null;
  download: DownloadState | null;
  info: ModelInfo | null;
  report: BackendReport | null;
  source: string | null;
  fromCache: boolean;
  /**
   * Identifies the model's bytes, backend and block (stored features and exported indexes carry
   * it: `<fingerprint>:<backend>[:block<K>]`).
   */
  modelKey: string | null;
  /** The block the features come from (1-based); null: the model's output (its last block). */
  block: number | null;
}

export interface SettingsState {
  backend: BackendChoice;
  preprocess: PreprocessMode;
  resolution: number;
  background: AlphaBackground;
  /** The block whose tokens are the features (1-based); null: the model's output. */
  block: number | null;
}

export interface AppState {
  settings: SettingsState;
  model: ModelState;
  images: ImageEntry[];
  alerts: Alert[];
  engine: { webgpu: boolean | null; crossOriginIsolated: boolean | null };
  view: ViewId;
  /** The image the user picked last (in the grid, a search result or the 3D view). */
  selectedImageId: string | null;
  /** How the loaded model can be named in a link (null: a local file, which never travels). */
  linkModel: LinkModel | null;
  /** A model named by an opened link, waiting for the user's consent to download. */
  pendingLinkModel: LinkModel | null;
}

export const initialModel: ModelState = {
  status: 'none',
  loading: null,
  stage: null,
  download: null,
  info: null,
  report: null,
  source: null,
  fromCache: false,
  modelKey: null,
  block: null,
};

export const useApp = create<AppState>()(() => ({
  settings: {
    backend: 'auto',
    preprocess: 'dense',
    resolution: 224,
    background: 'white',
    block: null,
  },
  model: initialModel,
  images: [],
  alerts: [],
  engine: { webgpu: null, crossOriginIsolated: null },
  view: 'images',
  selectedImageId: null,
  linkModel: null,
  pendingLinkModel: null,
}));

let alertId = 1;

/**
 * Shows an alert (the last 8 are kept). The same alert again (same kind, subject and message, as
 * when a folder is added twice) replaces the one shown, moved to the end, rather than stacking a
 * second identical banner; its new id makes it a new row, so a screen reader hears it again.
 */
export function pushAlert(a: Omit<Alert, 'id'>): void {
  const same = (b: Alert) =>
    b.kind === a.kind && b.subject === a.subject && b.message === a.message;
  useApp.setState((s) => ({
    alerts: [...s.alerts.filter((b) => !same(b)), { ...a, id: alertId++ }].slice(-8),
  }));
}

/** Takes away the alerts about one topic (a model that loaded makes earlier failures moot). */
export function dismissTopic(topic: NonNullable<Alert['topic']>): void {
  useApp.setState((s) =>
    s.alerts.some((a) => a.topic === topic)
      ? { alerts: s.alerts.filter((a) => a.topic !== topic) }
      : {},
  );
}

export function dismissAlert(id: number): void {
  useApp.setState((s) => ({ alerts: s.alerts.filter((a) => a.id !== id) }));
}

export function patchModel(p: Partial<ModelState>): void {
  useApp.setState((s) => ({ model: { ...s.model, ...p } }));
}

export function patchImage(id: string, p: Partial<ImageEntry>): void {
  useApp.setState((s) => ({ images: s.images.map((im) => (im.id === id ? { ...im, ...p } : im)) }));
}

let lastLabels: { images: readonly ImageEntry[]; labels: Map<string, string> } | null = null;

/**
 * Each image's label on screen (see lib/image-labels: its name, with folder or number where two
 * share a name). The same map is given back while no label changes, so a status change of one
 * image does not re-render everything that shows names.
 */
export function imageLabelsOf(images: readonly ImageEntry[]): Map<string, string> {
  if (lastLabels?.images === images) return lastLabels.labels;
  let labels = imageLabels(images);
  const prev = lastLabels?.labels;
  if (prev && prev.size === labels.size && [...labels].every(([id, l]) => prev.get(id) === l)) {
    labels = prev;
  }
  lastLabels = { images, labels };
  return labels;
}

/** What to call an image on screen: `label(entry)`. */
export function useImageLabel(): (im: { id: string; name: string }) => string {
  const labels = useApp((s) => imageLabelsOf(s.images));
  return useCallback((im) => labels.get(im.id) ?? im.name, [labels]);
}

/** The stem of an image's download names (its label's: two images never share one). */
export function fileStemOf(im: { id: string; name: string }): string {
  return labelStem(imageLabelsOf(useApp.getState().images).get(im.id) ?? im.name);
}

/** Selects an image; views that show one image follow the selection. */
export function selectImage(id: string | null): void {
  useApp.setState({ selectedImageId: id });
}
