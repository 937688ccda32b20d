/**
 * The state a link carries: settings, the open view and its settings, and the model source (a
 * catalogue id or an http(s) URL, never a local file). Parsing is defensive: unknown parameters
 * and malformed values are ignored, each with a notice; nothing here is ever rendered as HTML.
 */
import { RESOLUTIONS, type BackendChoice, type PreprocessMode } from '../engine/protocol';
import { findCatalogModel, type VariantId } from '../model/catalog';

export const VIEW_IDS = ['images', 'pca', 'attention', 'search', '3d'] as const;
export type ViewId = (typeof VIEW_IDS)[number];
export const COLORMAP_IDS = ['viridis', 'inferno', 'grey'] as const;

export type LinkModel =
  { kind: 'catalog'; id: string; variant: VariantId } | { kind: 'url'; url: string };

export interface LinkState {
  backend?: BackendChoice;
  preprocess?: PreprocessMode;
  resolution?: number;
  /** The block the features come from (1-based), or null for the model's output (`output`). */
  block?: number | null;
  view?: ViewId;
  model?: LinkModel;
  pcaJoint?: boolean;
  pcaForeground?: boolean;
  pcaThreshold?: number;
  pcaInvert?: boolean | 'auto';
  /** PCA display: overlay opacity, smooth upsampling, one component or RGB, the foreground mask. */
  pcaOpacity?: number;
  pcaSmooth?: boolean;
  pcaChannel?: 'rgb' | 0 | 1 | 2;
  pcaMask?: boolean;
  /** 0-based in the state; 1-based in the link, as the UI labels layers. */
  attentionLayer?: number;
  colormap?: (typeof COLORMAP_IDS)[number];
  keep?: number;
  /** Attention display: overlay opacity, smooth upsampling, the mask's contour. */
  attentionOpacity?: number;
  attentionSmooth?: boolean;
  attentionContour?: boolean;
  /** Search: the image descriptor and how many neighbours. */
  searchDescriptor?: 'cls' | 'mean' | 'both';
  searchK?: number;
  /** 3D view: points, descriptor, layout, space, colouring and UMAP's parameters. */
  points?: 'images' | 'patches';
  layoutDescriptor?: 'cls' | 'mean';
  layout?: 'pca' | 'umap';
  space?: 2 | 3;
  colourBy?: 'cluster' | 'folder' | 'none';
  clusters?: number;
  thumbnails?: boolean;
  neighbours?: number;
  umapNeighbors?: number;
  umapMinDist?: number;
  umapSeed?: number;
  /** Images that came from http(s) URLs (local images never travel). */
  images?: string[];
}

/** At most this many image URLs are taken from a link. */
export const MAX_LINK_IMAGES = 50;

const KNOWN = [
  'img',
  'backend',
  'preprocess',
  'res',
  'block',
  'view',
  'model',
  'pca',
  'fg',
  'thr',
  'invert',
  'popac',
  'psmooth',
  'chan',
  'pmask',
  'layer',
  'cmap',
  'keep',
  'aopac',
  'asmooth',
  'contour',
  'desc',
  'k',
  'points',
  'desc3d',
  'layout',
  'space',
  'colour',
  'clusters',
  'thumbs',
  'nbrs',
  'umapnn',
  'umapmd',
  'seed',
];

/**
 * `base` is the app's own address (document.baseURI): a link names the site's own files (its
 * sample images, its models/ folder) relative to it, as "./…", so a link made on one host of the
 * app (a preview, localhost) fetches them from whichever host opens it.
 */
export function parseLink(search: string, base?: string): { state: LinkState; notices: string[] } {
  const params = new URLSearchParams(search);
  const state: LinkState = {};
  const notices: string[] = [];
  const bad = (name: string, value: string, hint: string) =>
    notices.push(`Ignored ${name}=${clip(value)} from the link: ${hint}.`);
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const v = params.get(name);
    if (v === null) return undefined;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    bad(name, v, `use ${allowed.join(', ')}`);
    return undefined;
  };
  const number = (name: string, lo: number, hi: number): number | undefined => {
    const v = params.get(name);
    if (v === null) return undefined;
    const n = Number(v);
    if (v.trim() !== '' && Number.isFinite(n) && n >= lo && n <= hi) return n;
    bad(name, v, `use a number from ${lo} to ${hi}`);
    return undefined;
  };
  const whole = (name: string, lo: number, hi: number): number | undefined => {
    const n = number(name, lo, hi);
    if (n === undefined || Number.isInteger(n)) return n;
    bad(name, String(n), 'use a whole number');
    return undefined;
  };
  const flag = (name: string): boolean | undefined => {
    const v = oneOf(name, ['0', '1'] as const);
    return v === undefined ? undefined : v === '1';
  };

  state.backend = oneOf('backend', ['auto', 'webgpu', 'wasm'] as const);
  state.preprocess = oneOf('preprocess', ['dense', 'classifier'] as const);
  const res = params.get('res');
  if (res !== null) {
    if ((RESOLUTIONS as readonly number[]).includes(Number(res))) state.resolution = Number(res);
    else bad('res', res, `use one of ${RESOLUTIONS.join(', ')}`);
  }
  state.block = params.get('block') === 'output' ? null : whole('block', 1, 64);
  state.view = oneOf('view', VIEW_IDS);
  const model = params.get('model');
  if (model !== null) {
    const parsed = parseModel(model, base);
    if (parsed) state.model = parsed;
    else bad('model', model, 'use catalog:<id>:<variant> or an http(s) address');
  }
  state.pcaJoint = flag('pca');
  state.pcaForeground = flag('fg');
  state.pcaThreshold = number('thr', 0, 1);
  const inv = oneOf('invert', ['auto', '0', '1'] as const);
  if (inv !== undefined) state.pcaInvert = inv === 'auto' ? 'auto' : inv === '1';
  state.pcaOpacity = number('popac', 0, 1);
  state.pcaSmooth = flag('psmooth');
  const chan = oneOf('chan', ['rgb', '1', '2', '3'] as const);
  if (chan !== undefined)
    state.pcaChannel = chan === 'rgb' ? 'rgb' : ((Number(chan) - 1) as 0 | 1 | 2);
  state.pcaMask = flag('pmask');
  const layer = number('layer', 1, 64);
  if (layer !== undefined) {
    if (Number.isInteger(layer)) state.attentionLayer = layer - 1;
    else bad('layer', String(layer), 'use a whole layer number');
  }
  state.colormap = oneOf('cmap', COLORMAP_IDS);
  state.keep = number('keep', 0.05, 1);
  state.attentionOpacity = number('aopac', 0, 1);
  state.attentionSmooth = flag('asmooth');
  state.attentionContour = flag('contour');
  state.searchDescriptor = oneOf('desc', ['cls', 'mean', 'both'] as const);
  state.searchK = whole('k', 1, 100);
  state.points = oneOf('points', ['images', 'patches'] as const);
  state.layoutDescriptor = oneOf('desc3d', ['cls', 'mean'] as const);
  state.layout = oneOf('layout', ['pca', 'umap'] as const);
  const space = oneOf('space', ['2', '3'] as const);
  if (space !== undefined) state.space = space === '2' ? 2 : 3;
  state.colourBy = oneOf('colour', ['cluster', 'folder', 'none'] as const);
  state.clusters = whole('clusters', 1, 50);
  state.thumbnails = flag('thumbs');
  state.neighbours = whole('nbrs', 0, 50);
  state.umapNeighbors = whole('umapnn', 2, 200);
  state.umapMinDist = number('umapmd', 0, 1);
  state.umapSeed = whole('seed', -(2 ** 31), 2 ** 31 - 1);
  const images: string[] = [];
  for (const v of params.getAll('img')) {
    const u = httpUrl(v, base);
    if (!u) bad('img', v, 'use an http(s) address');
    else if (images.length < MAX_LINK_IMAGES) images.push(u);
  }
  if (params.getAll('img').length > MAX_LINK_IMAGES) {
    notices.push(
      `The link names more than ${MAX_LINK_IMAGES} images; the first ${MAX_LINK_IMAGES} were added.`,
    );
  }
  if (images.length > 0) state.images = images;
  for (const key of new Set(params.keys())) {
    if (!KNOWN.includes(key)) notices.push(`Ignored the unknown link parameter ${clip(key)}.`);
  }
  for (const k of Object.keys(state) as (keyof LinkState)[])
    if (state[k] === undefined) delete state[k];
  return { state, notices };
}

function parseModel(v: string, base?: string): LinkModel | null {
  const m = /^catalog:([a-z0-9-]+):(fp32|fp16|int8|q4f16)$/.exec(v);
  if (m)
    return findCatalogModel(m[1])
      ? { kind: 'catalog', id: m[1], variant: m[2] as VariantId }
      : null;
  const url = httpUrl(v, base);
  return url ? { kind: 'url', url } : null;
}

/** An http(s) address; "./…" is the site's own file, resolved against `base`. */
function httpUrl(v: string, base?: string): string | null {
  try {
    const u = v.startsWith('./') && base ? new URL(v, base) : new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * The query string for a state; parameters the state does not set are left out. Addresses under
 * `base` (the app's own files) are written relative to it, as "./…" (see parseLink).
 */
export function linkQuery(s: LinkState, base?: string): string {
  const p = new URLSearchParams();
  const own = (url: string) => (base && url.startsWith(base) ? `./${url.slice(base.length)}` : url);
  if (s.model)
    p.set(
      'model',
      s.model.kind === 'catalog' ? `catalog:${s.model.id}:${s.model.variant}` : own(s.model.url),
    );
  if (s.backend) p.set('backend', s.backend);
  if (s.preprocess) p.set('preprocess', s.preprocess);
  if (s.resolution !== undefined) p.set('res', String(s.resolution));
  if (s.block !== undefined) p.set('block', s.block === null ? 'output' : String(s.block));
  if (s.view) p.set('view', s.view);
  if (s.pcaJoint !== undefined) p.set('pca', s.pcaJoint ? '1' : '0');
  if (s.pcaForeground !== undefined) p.set('fg', s.pcaForeground ? '1' : '0');
  if (s.pcaThreshold !== undefined) p.set('thr', String(s.pcaThreshold));
  if (s.pcaInvert !== undefined)
    p.set('invert', s.pcaInvert === 'auto' ? 'auto' : s.pcaInvert ? '1' : '0');
  if (s.pcaOpacity !== undefined) p.set('popac', String(s.pcaOpacity));
  if (s.pcaSmooth !== undefined) p.set('psmooth', s.pcaSmooth ? '1' : '0');
  // Components are 1-based in the link, as the UI labels them.
  if (s.pcaChannel !== undefined)
    p.set('chan', s.pcaChannel === 'rgb' ? 'rgb' : String(s.pcaChannel + 1));
  if (s.pcaMask !== undefined) p.set('pmask', s.pcaMask ? '1' : '0');
  if (s.attentionLayer !== undefined) p.set('layer', String(s.attentionLayer + 1));
  if (s.colormap) p.set('cmap', s.colormap);
  if (s.keep !== undefined) p.set('keep', String(s.keep));
  if (s.attentionOpacity !== undefined) p.set('aopac', String(s.attentionOpacity));
  if (s.attentionSmooth !== undefined) p.set('asmooth', s.attentionSmooth ? '1' : '0');
  if (s.attentionContour !== undefined) p.set('contour', s.attentionContour ? '1' : '0');
  if (s.searchDescriptor) p.set('desc', s.searchDescriptor);
  if (s.searchK !== undefined) p.set('k', String(s.searchK));
  if (s.points) p.set('points', s.points);
  if (s.layoutDescriptor) p.set('desc3d', s.layoutDescriptor);
  if (s.layout) p.set('layout', s.layout);
  if (s.space !== undefined) p.set('space', String(s.space));
  if (s.colourBy) p.set('colour', s.colourBy);
  if (s.clusters !== undefined) p.set('clusters', String(s.clusters));
  if (s.thumbnails !== undefined) p.set('thumbs', s.thumbnails ? '1' : '0');
  if (s.neighbours !== undefined) p.set('nbrs', String(s.neighbours));
  if (s.umapNeighbors !== undefined) p.set('umapnn', String(s.umapNeighbors));
  if (s.umapMinDist !== undefined) p.set('umapmd', String(s.umapMinDist));
  if (s.umapSeed !== undefined) p.set('seed', String(s.umapSeed));
  for (const img of s.images ?? []) p.append('img', own(img));
  const q = p.toString();
  return q ? `?${q}` : '';
}

function clip(v: string): string {
  return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
}
