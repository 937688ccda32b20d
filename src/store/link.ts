/**
 * Keeps the address bar in step with what a link can carry, applies an opened link, and builds
 * the share link. Local files (models and images) never go into a link.
 */
import { linkQuery, type LinkModel, type LinkState } from '../lib/link-state';
import { isCachedModel } from '../model/cache';
import { catalogUrl, findCatalogModel } from '../model/catalog';
import { pushAlert, useApp } from './app-store';
import { useAttention } from './attention';
import { addImageUrls, loadModel } from './controller';
import { useEmbedding3d } from './embedding3d';
import { usePca } from './pca';
import { useSearch } from './search';

export function currentLinkState(): LinkState {
  const app = useApp.getState();
  const { settings: pca, display } = usePca.getState();
  const att = useAttention.getState();
  const s: LinkState = {
    backend: app.settings.backend,
    preprocess: app.settings.preprocess,
    resolution: app.settings.resolution,
    // Always said, "output" included: a receiver's own stored block must not stand in for it.
    block: app.settings.block,
    view: app.view,
  };
  // A link's model waiting for the user's answer stays in the address (a reload asks again).
  const model = app.pendingLinkModel ?? app.linkModel;
  if (model) s.model = model;
  const images = app.images.flatMap((i) => (i.sourceUrl ? [i.sourceUrl] : []));
  if (images.length > 0) s.images = images;
  if (app.view === 'pca') {
    Object.assign(s, {
      pcaJoint: pca.joint,
      pcaForeground: pca.foregroundOnly,
      pcaThreshold: pca.threshold,
      pcaInvert: pca.invert,
      pcaOpacity: display.opacity,
      pcaSmooth: display.smooth,
      pcaChannel: display.channel,
      pcaMask: display.showMask,
    });
  }
  if (app.view === 'attention') {
    if (att.layer !== null) s.attentionLayer = att.layer;
    Object.assign(s, {
      colormap: att.colormap,
      keep: att.keep,
      attentionOpacity: att.opacity,
      attentionSmooth: att.smooth,
      attentionContour: att.showContour,
    });
  }
  if (app.view === 'search') {
    const q = useSearch.getState();
    Object.assign(s, { searchDescriptor: q.descriptor, searchK: q.k });
  }
  if (app.view === '3d') {
    const e = useEmbedding3d.getState();
    Object.assign(s, {
      points: e.mode,
      layoutDescriptor: e.descriptor,
      layout: e.method,
      space: e.dims,
      colourBy: e.colourBy,
      clusters: e.k,
      thumbnails: e.thumbnails,
      neighbours: e.neighbours,
      umapNeighbors: e.umap.nNeighbors,
      umapMinDist: e.umap.minDist,
      umapSeed: e.umap.seed,
    });
  }
  return s;
}

/** The app's own address, without query: its files are named relative to it in links. */
export function appBase(): string {
  return new URL('./', document.baseURI).href;
}

export function shareLink(): string {
  return `${location.origin}${location.pathname}${linkQuery(currentLinkState(), appBase())}`;
}

/** What the share link leaves behind, said plainly in the share panel. */
export function notInLink(): string[] {
  const app = useApp.getState();
  const out: string[] = [];
  if (app.model.status === 'ready' && !app.linkModel) {
    out.push(
      `the model (${app.model.info?.fileName}) was opened from a local file; the recipient must pick their own copy`,
    );
  }
  const local = app.images.filter((i) => !i.sourceUrl).length;
  if (local > 0)
    out.push(`${local} local image${local > 1 ? 's' : ''}: images never leave this device`);
  // Said only when there is one: a list of what is not there says nothing.
  if (app.view === 'pca' && usePca.getState().display.focus) out.push('which map is shown large');
  if (app.view === 'attention') {
    const clicked = useAttention.getState().query !== 0;
    out.push(`which image the attention is shown for${clicked ? ', and the clicked patch' : ''}`);
  }
  if (app.view === 'search') out.push('the query image, a selected region and the image pair');
  if (app.view === '3d') out.push('the selected image and which images show their patches');
  return out;
}

/** Applies the settings of an opened link. A model it names waits for the user's consent. */
export function applyLink(s: LinkState): void {
  useApp.setState((a) => ({
    settings: {
      ...a.settings,
      ...(s.backend && { backend: s.backend }),
      ...(s.preprocess && { preprocess: s.preprocess }),
      ...(s.resolution !== undefined && { resolution: s.resolution }),
      ...(s.block !== undefined && { block: s.block }),
    },
    view: s.view ?? a.view,
    pendingLinkModel: s.model ?? null,
  }));
  usePca.setState((p) => ({
    settings: {
      joint: s.pcaJoint ?? p.settings.joint,
      foregroundOnly: s.pcaForeground ?? p.settings.foregroundOnly,
      threshold: s.pcaThreshold ?? p.settings.threshold,
      invert: s.pcaInvert ?? p.settings.invert,
    },
    display: {
      ...p.display,
      opacity: s.pcaOpacity ?? p.display.opacity,
      smooth: s.pcaSmooth ?? p.display.smooth,
      channel: s.pcaChannel ?? p.display.channel,
      showMask: s.pcaMask ?? p.display.showMask,
    },
  }));
  useAttention.setState((a) => ({
    layer: s.attentionLayer ?? a.layer,
    colormap: s.colormap ?? a.colormap,
    keep: s.keep ?? a.keep,
    opacity: s.attentionOpacity ?? a.opacity,
    smooth: s.attentionSmooth ?? a.smooth,
    showContour: s.attentionContour ?? a.showContour,
  }));
  useSearch.setState((q) => ({
    descriptor: s.searchDescriptor ?? q.descriptor,
    k: s.searchK ?? q.k,
  }));
  useEmbedding3d.setState((e) => ({
    mode: s.points ?? e.mode,
    descriptor: s.layoutDescriptor ?? e.descriptor,
    method: s.layout ?? e.method,
    dims: s.space ?? e.dims,
    colourBy: s.colourBy ?? e.colourBy,
    k: s.clusters ?? e.k,
    thumbnails: s.thumbnails ?? e.thumbnails,
    neighbours: s.neighbours ?? e.neighbours,
    umap: {
      nNeighbors: s.umapNeighbors ?? e.umap.nNeighbors,
      minDist: s.umapMinDist ?? e.umap.minDist,
      seed: s.umapSeed ?? e.umap.seed,
    },
  }));
  if (s.images) void addImageUrls(s.images);
}

export function describeLinkModel(m: LinkModel): {
  label: string;
  host: string;
  url: string;
  size: string;
} {
  if (m.kind === 'catalog') {
    const model = findCatalogModel(m.id)!;
    const variant = model.variants.find((v) => v.id === m.variant) ?? model.variants[0];
    const url = catalogUrl(model, variant);
    return {
      label: `${model.label} (${variant.id})`,
      host: new URL(url).host,
      url,
      size: `${variant.approx ? 'about ' : ''}${variant.megabytes} MB`,
    };
  }
  return {
    label: m.url.split('/').pop() || m.url,
    host: new URL(m.url).host,
    url: m.url,
    size: 'size unknown until the download starts',
  };
}

export function acceptLinkModel(): void {
  const m = useApp.getState().pendingLinkModel;
  useApp.setState({ pendingLinkModel: null });
  if (!m) return;
  const d = describeLinkModel(m);
  const bytes =
    m.kind === 'catalog' ? Math.round(Number(d.size.replace(/[^\d.]/g, '')) * 1e6) : undefined;
  void loadModel({ kind: 'url', url: d.url, expectedBytes: bytes }, d.label, m);
}

/**
 * Loads the link's model at once when it is already in the browser's model cache: the consent
 * asked for is to a download, and there is none (a reload of a page whose model came by URL
 * keeps it in the address). A failed load removes its files from the cache (load-model.ts), so
 * a cached graph is one that loaded before.
 */
export async function acceptLinkModelIfCached(): Promise<void> {
  const m = useApp.getState().pendingLinkModel;
  if (!m) return;
  const cached = await isCachedModel(describeLinkModel(m).url);
  if (cached && useApp.getState().pendingLinkModel === m) acceptLinkModel();
}

export function declineLinkModel(): void {
  useApp.setState({ pendingLinkModel: null });
  pushAlert({ kind: 'notice', message: 'The model named in the link was not downloaded.' });
}

/** Closes the question about a link's model whose server has no such file (nothing to load). */
export function dismissMissingLinkModel(): void {
  const m = useApp.getState().pendingLinkModel;
  useApp.setState({ pendingLinkModel: null });
  if (!m) return;
  const { url } = describeLinkModel(m);
  pushAlert({
    kind: 'notice',
    subject: url,
    message: `The model named in the link was not found at ${url}; nothing was downloaded.`,
  });
}

/** Calls `listener` on any change of the state a link carries. */
export function subscribeLinkState(listener: () => void): () => void {
  const stores = [useApp, usePca, useAttention, useSearch, useEmbedding3d];
  const offs = stores.map((st) => st.subscribe(listener));
  return () => offs.forEach((off) => off());
}

/**
 * The share link and what it leaves out, kept current while the panel is open (a setting changed
 * meanwhile changes the link at once). One string, so an unchanged state is the same snapshot.
 */
export function shareSnapshot(): string {
  return JSON.stringify({ link: shareLink(), notIn: notInLink() });
}

/** Mirrors the shareable state into the address bar (replaceState: no history spam). */
export function syncAddressBar(): void {
  let last = '';
  const write = () => {
    const q = linkQuery(currentLinkState(), appBase());
    if (q === last) return;
    last = q;
    history.replaceState(history.state, '', `${location.pathname}${q}${location.hash}`);
  };
  subscribeLinkState(write);
}
