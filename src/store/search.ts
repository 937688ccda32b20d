/**
 * The search view's state and requests: image search (a collection image or an outside query),
 * region search, live patch similarity and best-buddy correspondences. Each request kind keeps a
 * sequence number so only the newest answer is shown; patch similarity keeps one request in
 * flight and sends the latest pointer position when it returns (smooth while the pointer moves).
 */
import { create } from 'zustand';
import type {
  CorrespondResult,
  Descriptor,
  EmbedResult,
  PatchSimilarityResult,
  RegionSearchResult,
  SearchResult,
} from '../engine/protocol';
import { announce } from '../lib/announce';
import { countOf } from '../lib/words';
import type { ExplorerError } from '../lib/errors';
import { isImageFile } from '../lib/files';
import { imageLabelsOf, pushAlert, useApp } from './app-store';
import { engine } from './controller';

/** A query from outside the collection: embedded but never stored or listed. */
export interface OutsideQuery {
  id: string;
  name: string;
  url: string;
  result: EmbedResult;
}

export interface SearchState {
  descriptor: Descriptor;
  k: number;
  /** The query: a collection image id or the outside query's id. */
  queryId: string | null;
  outside: OutsideQuery | null;
  result: SearchResult | null;
  searching: boolean;
  /** A region search is under way (it can take seconds over many large images). */
  regionSearching: boolean;
  /** Selected patches of the query (region search). */
  region: number[];
  regionResult: RegionSearchResult | null;
  /** The patch under the pointer and its similarity maps. */
  similarity: PatchSimilarityResult | null;
  correspondA: string | null;
  correspondB: string | null;
  correspondCount: number;
  foregroundOnly: boolean;
  correspondence: CorrespondResult | null;
  /** The settings `correspondence` was found with (the controls may have moved since). */
  correspondedWith: { count: number; foregroundOnly: boolean } | null;
  error: string | null;
}

export const useSearch = create<SearchState>()(() => ({
  descriptor: 'cls',
  k: 10,
  queryId: null,
  outside: null,
  result: null,
  searching: false,
  regionSearching: false,
  region: [],
  regionResult: null,
  similarity: null,
  correspondA: null,
  correspondB: null,
  correspondCount: 30,
  foregroundOnly: false,
  correspondence: null,
  correspondedWith: null,
  error: null,
}));

const seq = { search: 0, region: 0, correspond: 0, query: 0 };

/**
 * The failure of request `n` of its kind: shown, with its own busy state cleared, unless a newer
 * request of that kind was made (another kind's request still under way stays busy).
 */
function failed(what: keyof typeof seq, n: number, idle: Partial<SearchState>) {
  return (err: unknown): void => {
    if (n !== seq[what]) return;
    useSearch.setState({ error: (err as ExplorerError).message, ...idle });
  };
}

/** Ranks the collection by similarity to `queryId` (and opens the search view). */
export function findSimilar(queryId: string): void {
  // A query image still computing is outdone by this newer choice (see queryWithFile).
  seq.query++;
  const prev = useSearch.getState().queryId;
  useSearch.setState({
    queryId,
    error: null,
    ...(prev !== queryId ? { region: [], regionResult: null, similarity: null } : {}),
  });
  useApp.setState({ view: 'search', selectedImageId: isOutside(queryId) ? null : queryId });
  runSearch();
}

function isOutside(id: string): boolean {
  return useSearch.getState().outside?.id === id;
}

/** A result's image, by name (the collection's or the outside query's). */
function nameOf(id: string): string {
  const outside = useSearch.getState().outside;
  if (outside?.id === id) return outside.name;
  const { images } = useApp.getState();
  return imageLabelsOf(images).get(id) ?? images.find((i) => i.id === id)?.name ?? 'an image';
}

/** What was said last of the ranking and of the region's matches (see sayOnce). */
const said = { search: '', region: '' };

/**
 * Says `text` unless the same `key` (with the model) was said last for `what`: a re-run as images
 * arrive says nothing new, unless it brings the first results or another model ranked them.
 */
function sayOnce(what: keyof typeof said, key: string, text: () => string): void {
  const full = `${useApp.getState().model.modelKey ?? ''}|${key}`;
  if (full === said[what]) return;
  said[what] = full;
  announce(text());
}

export function runSearch(): void {
  const { queryId, descriptor, k } = useSearch.getState();
  if (!queryId) return;
  const n = ++seq.search;
  useSearch.setState({ searching: true });
  engine()
    .call({ type: 'search', imageId: queryId, descriptor, k })
    .promise.then(
      (result) => {
        if (n !== seq.search) return;
        useSearch.setState({ result, searching: false, error: null });
        const top = result.neighbours[0];
        sayOnce('search', `${queryId}|${descriptor}|${k}|${top ? 'some' : 'none'}`, () =>
          top
            ? `${countOf(result.neighbours.length, 'image')} ranked by similarity to ` +
              `${nameOf(queryId)}; first ${nameOf(top.imageId)}, cosine ${top.score.toFixed(3)}.`
            : `No other image to rank against ${nameOf(queryId)} yet.`,
        );
      },
      failed('search', n, { searching: false }),
    );
}

export function setSearch(p: Partial<SearchState>): void {
  useSearch.setState(p);
  if ('descriptor' in p || 'k' in p) runSearch();
  // Region matches shown are ranked with k too: a new k must not leave the old list up.
  if ('k' in p && useSearch.getState().regionResult) runRegionSearch();
}

/** Embeds a dropped or picked image as a query without adding it to the collection. */
export async function queryWithFile(file: File): Promise<void> {
  if (!isImageFile(file)) {
    pushAlert({
      kind: 'error',
      subject: file.name,
      message: `"${file.name}" is not an image. Use a PNG, JPEG, WebP, GIF, BMP or AVIF file as the query.`,
    });
    return;
  }
  const app = useApp.getState();
  if (app.model.status !== 'ready') {
    pushAlert({ kind: 'error', subject: file.name, message: 'Load a model first, then search.' });
    return;
  }
  const id = `query:${crypto.randomUUID()}`;
  const n = ++seq.query;
  try {
    const s = app.settings;
    const result = await engine().call({
      type: 'embed',
      imageId: id,
      file,
      fileName: file.name,
      preprocess: { mode: s.preprocess, resolution: s.resolution, background: s.background },
      persist: false,
    }).promise;
    // A later query (dropped while this one was computed) wins: this one is let go.
    if (n !== seq.query) {
      void engine().call({ type: 'forget', imageIds: [id] }).promise;
      return;
    }
    const old = useSearch.getState().outside;
    if (old) {
      URL.revokeObjectURL(old.url);
      void engine().call({ type: 'forget', imageIds: [old.id] }).promise;
    }
    useSearch.setState({
      outside: { id, name: file.name, url: URL.createObjectURL(file), result },
    });
    findSimilar(id);
  } catch (e) {
    const ex = e as ExplorerError;
    pushAlert({ kind: 'error', subject: ex.subject ?? file.name, message: ex.message });
  }
}

export function setRegion(region: number[]): void {
  useSearch.setState({ region, regionResult: null });
}

export function runRegionSearch(): void {
  const { queryId, region, k } = useSearch.getState();
  if (!queryId || region.length === 0) return;
  const n = ++seq.region;
  useSearch.setState({ regionSearching: true });
  engine()
    .call({ type: 'regionSearch', imageId: queryId, patches: region, k })
    .promise.then(
      (regionResult) => {
        if (n !== seq.region) return;
        useSearch.setState({ regionResult, regionSearching: false, error: null });
        const top = regionResult.matches[0];
        sayOnce('region', `${queryId}|${region.join(',')}|${k}|${top ? 'some' : 'none'}`, () =>
          top
            ? `${countOf(regionResult.matches.length, 'region match', 'region matches')}; best ` +
              `${nameOf(top.imageId)}, score ${top.score.toFixed(3)}.`
            : 'No other image to match the region in.',
        );
      },
      failed('region', n, { regionSearching: false }),
    );
}

let simBusy = false;
let simNext: { imageId: string; patch: number; targets: string[] } | null = null;
/** Bumped when the pointer leaves: an answer still under way then is not shown after it left. */
let simGen = 0;

/** Shows the similarity of one patch to the query and target images; coalesces fast moves. */
export function pointAtPatch(imageId: string, patch: number, targets: string[]): void {
  simNext = { imageId, patch, targets };
  if (simBusy) return;
  const send = () => {
    const req = simNext;
    simNext = null;
    if (!req) {
      simBusy = false;
      return;
    }
    simBusy = true;
    const gen = simGen;
    engine()
      .call({ type: 'patchSimilarity', ...req })
      .promise.then(
        (similarity) => {
          if (gen === simGen) useSearch.setState({ similarity });
        },
        () => undefined, // an image removed meanwhile: the next move asks again
      )
      .finally(send);
  };
  send();
}

export function clearPointer(): void {
  simGen++;
  simNext = null;
  useSearch.setState({ similarity: null });
}

export function runCorrespond(): void {
  const { correspondA: a, correspondB: b, correspondCount, foregroundOnly } = useSearch.getState();
  if (!a || !b) return;
  const n = ++seq.correspond;
  const correspondedWith = { count: correspondCount, foregroundOnly };
  engine()
    .call({ type: 'correspond', a, b, count: correspondCount, foregroundOnly })
    .promise.then(
      (correspondence) => {
        if (n !== seq.correspond) return;
        useSearch.setState({ correspondence, correspondedWith, error: null });
        const drawn = correspondence.scores.length;
        announce(
          `${countOf(correspondence.mutual, 'mutual nearest neighbour')} ` +
            `between ${nameOf(a)} and ${nameOf(b)}; ` +
            (drawn === 1 ? 'the strongest is drawn.' : `the strongest ${drawn} are drawn.`),
        );
      },
      failed('correspond', n, {}),
    );
}

/** Pairs to draw or foreground-only changed: a shown result is found again with them. */
export function setCorrespondSettings(p: {
  correspondCount?: number;
  foregroundOnly?: boolean;
}): void {
  const shown = useSearch.getState().correspondence !== null;
  useSearch.setState(p);
  if (shown) runCorrespond();
}

// A new model or settings make every result stale.
useApp.subscribe((s, prev) => {
  if (s.model.info === prev.model.info && s.settings === prev.settings) return;
  const old = useSearch.getState().outside;
  if (old) URL.revokeObjectURL(old.url);
  useSearch.setState((st) => ({
    result: null,
    regionResult: null,
    similarity: null,
    correspondence: null,
    outside: null,
    queryId: st.outside && st.queryId === st.outside.id ? null : st.queryId,
  }));
});
