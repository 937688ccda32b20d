/**
 * The PCA view's state: its settings, the latest maps, and the request that computes them.
 * A newer request supersedes older ones: their results are dropped when they arrive.
 */
import { create } from 'zustand';
import type { PcaMap, PcaRequest, PcaResult, PcaSettings } from '../engine/protocol';
import type { ExplorerError } from '../lib/errors';
import { pushAlert, useApp } from './app-store';
import { engine, setPcaHooks } from './controller';

export type Channel = 'rgb' | 0 | 1 | 2;

export interface PcaDisplay {
  opacity: number;
  smooth: boolean;
  channel: Channel;
  showMask: boolean;
  /** The image shown large, or null for the grid. */
  focus: string | null;
}

export interface PcaState {
  settings: PcaSettings;
  display: PcaDisplay;
  maps: Record<string, PcaMap>;
  explained: number[];
  /** Explained variance of each image's own basis, by image id (per-image mode). */
  explainedById: Record<string, number[]>;
  invertUsed: boolean;
  computing: boolean;
  /** The ids (in order) and settings the current maps were computed for. */
  key: string;
  /** The settings the current maps were computed with (the controls may be ahead). */
  computedWith: PcaSettings | null;
  /** How long the worker took for the current maps. */
  ms: number | null;
  covariance: PcaResult['covariance'];
  /** The worker had started the current maps before they were asked for (EmbedRequest.pcaNext). */
  startedEarly: boolean;
  /** The current maps came in the answer with the last image's features (EmbedResult.pca). */
  withFeatures: boolean;
}

export const usePca = create<PcaState>()(() => ({
  settings: { joint: true, foregroundOnly: false, threshold: 0.5, invert: 'auto' },
  display: { opacity: 1, smooth: false, channel: 'rgb', showMask: false, focus: null },
  maps: {},
  explained: [],
  explainedById: {},
  invertUsed: false,
  computing: false,
  key: '',
  computedWith: null,
  ms: null,
  covariance: 'javascript',
  startedEarly: false,
  withFeatures: false,
}));

let latest = 0;

/** Whether the PCA view is on screen (it asks for maps whenever an image gets its features). */
let viewOpen = false;

export function setPcaViewOpen(open: boolean): void {
  viewOpen = open;
}

/**
 * The request the open PCA view will make once `imageId` has its features: the images with
 * features, in collection order, and the current settings. The worker starts on it early.
 */
export function pcaRequestAfter(imageId: string): PcaRequest | undefined {
  if (!viewOpen) return undefined;
  const imageIds = useApp
    .getState()
    .images.filter((i) => (i.status === 'done' && i.result) || i.id === imageId)
    .map((i) => i.id);
  return { type: 'pca', imageIds, ...usePca.getState().settings };
}

/** The key of maps that came with the features they follow: the view's request for them is moot. */
let cameWithFeatures: string | null = null;

function keyOf(imageIds: string[], settings: PcaSettings): string {
  return `${imageIds.join(',')}|${JSON.stringify(settings)}`;
}

function show(r: PcaResult, key: string, settings: PcaSettings, withFeatures = false): void {
  const maps: Record<string, PcaMap> = {};
  const explainedById: Record<string, number[]> = {};
  r.maps.forEach((m, i) => {
    maps[m.imageId] = m;
    explainedById[m.imageId] = r.perImageExplained[i] ?? [];
  });
  usePca.setState({
    maps,
    explained: r.explained,
    explainedById,
    invertUsed: r.invertUsed,
    computing: false,
    key,
    computedWith: settings,
    ms: r.ms,
    covariance: r.covariance,
    startedEarly: r.startedEarly === true,
    withFeatures,
  });
}

/**
 * Maps that came with an image's features (EmbedResult.pca), shown at once if they are still what
 * the view would ask for: the same images with features, in order, and the same settings.
 */
export function showPcaWithFeatures(req: PcaRequest, r: PcaResult): void {
  const { settings } = usePca.getState();
  const done = useApp
    .getState()
    .images.filter((i) => i.status === 'done' && i.result)
    .map((i) => i.id);
  const key = keyOf(done, settings);
  const asked = keyOf(req.imageIds, {
    ...settings,
    joint: req.joint,
    foregroundOnly: req.foregroundOnly,
    threshold: req.threshold,
    invert: req.invert,
  });
  if (!viewOpen || asked !== key) return;
  latest++; // an older request still under way would bring older maps
  show(r, key, settings, true);
  cameWithFeatures = key;
}
setPcaHooks({ requestAfter: pcaRequestAfter, withFeatures: showPcaWithFeatures });

export function computePca(imageIds: string[]): void {
  const { settings } = usePca.getState();
  const key = keyOf(imageIds, settings);
  const moot = key === cameWithFeatures;
  cameWithFeatures = null;
  if (moot) return;
  const seq = ++latest;
  if (imageIds.length === 0) {
    usePca.setState({ maps: {}, explained: [], explainedById: {}, computing: false, key });
    return;
  }
  usePca.setState({ computing: true });
  engine()
    .call({ type: 'pca', imageIds, ...settings })
    .promise.then(
      (r) => {
        if (seq !== latest) return;
        show(r, key, settings);
      },
      (err: ExplorerError) => {
        if (seq !== latest) return;
        usePca.setState({ computing: false });
        pushAlert({ kind: 'error', message: `PCA failed: ${err.message}` });
      },
    );
}

export function setPcaSettings(p: Partial<PcaSettings>): void {
  usePca.setState((s) => ({ settings: { ...s.settings, ...p } }));
}

export function setPcaDisplay(p: Partial<PcaDisplay>): void {
  usePca.setState((s) => ({ display: { ...s.display, ...p } }));
}
