/**
 * Retrieval: rank the collection by similarity to an image (or to a region of it), see where each
 * patch of the query appears in the results while the pointer moves, and match two images patch
 * by patch (best buddies).
 */
import { focusWhenShown } from '../../lib/focus';
import { useEffect, useMemo, useRef } from 'react';
import type { Descriptor, EmbedResult } from '../../engine/protocol';
import { isTensorFile } from '../../lib/files';
import { useApp, useImageLabel, type ImageEntry } from '../../store/app-store';
import {
  clearPointer,
  findSimilar,
  pointAtPatch,
  queryWithFile,
  runRegionSearch,
  runSearch,
  setRegion,
  setSearch,
  useSearch,
} from '../../store/search';
import { Correspondences } from './Correspondences';
import { FolderClasses } from './FolderClasses';
import { boxPatches, PatchCanvas } from './PatchCanvas';
import { NumberField } from '../shared/NumberField';
import { ImageSelect } from '../shared/ImageSelect';

interface Shown {
  id: string;
  name: string;
  url: string | null;
  result: EmbedResult;
}

function shown(e: ImageEntry, name: string): Shown {
  return { id: e.id, name, url: isTensorFile(e) ? null : e.url, result: e.result! };
}

export function SearchView() {
  const images = useApp((s) => s.images);
  const ready = useApp((s) => s.model.status === 'ready');
  const mode = useApp((s) => s.settings.preprocess);
  const s = useSearch();
  const done = useMemo(() => images.filter((i) => i.status === 'done' && i.result), [images]);
  const label = useImageLabel();
  const byId = useMemo(() => new Map(done.map((e) => [e.id, shown(e, label(e))])), [done, label]);
  const query: Shown | null =
    s.outside && s.queryId === s.outside.id
      ? { id: s.outside.id, name: s.outside.name, url: s.outside.url, result: s.outside.result }
      : s.queryId
        ? (byId.get(s.queryId) ?? null)
        : null;

  // New, removed or re-indexed images change the ranking: search again (and the region's
  // matches, if a region was searched).
  useEffect(() => {
    if (!query) return;
    runSearch();
    const r = useSearch.getState().regionResult;
    if (r && r.imageId === query.id) runRegionSearch();
  }, [done.length, query?.result]); // eslint-disable-line react-hooks/exhaustive-deps

  const neighbours = (s.result && s.result.imageId === query?.id ? s.result.neighbours : [])
    .map((n) => ({ ...n, shown: byId.get(n.imageId) }))
    .filter((n) => n.shown);
  const sims = new Map((s.similarity?.maps ?? []).map((m) => [m.imageId, m.values]));
  const simRange = similarityRange(s.similarity?.maps.map((m) => m.values) ?? []);
  const targets = neighbours.map((n) => n.imageId);
  // The matches of a region asked for by the button come into view (they sit below the ranking,
  // often past the window's bottom); a re-run as images arrive leaves the page where it is.
  const regionHeading = useRef<HTMLHeadingElement | null>(null);
  const showRegionMatches = useRef(false);
  useEffect(() => {
    if (!showRegionMatches.current || !s.regionResult) return;
    showRegionMatches.current = false;
    regionHeading.current?.scrollIntoView({ block: 'nearest' });
  }, [s.regionResult]);
  const targetKey = targets.join('\n');
  // Results that arrive (or change) while the pointer rests on a patch are coloured too: the
  // similarity is asked again for the new list (a hover only asks when the pointer moves).
  useEffect(() => {
    const sim = useSearch.getState().similarity;
    if (query && sim && sim.imageId === query.id) pointAtPatch(query.id, sim.patch, targets);
  }, [targetKey]); // eslint-disable-line react-hooks/exhaustive-deps

  if (!ready) return <p className="muted">Load a model, then add images to search them.</p>;

  return (
    <section aria-label="Search" className="search-view">
      <div className="toolbar">
        <label>
          Query{' '}
          <ImageSelect
            name="Query image"
            images={done}
            value={s.queryId ?? ''}
            onChange={(id) => id && findSimilar(id)}
            placeholder="choose an image…"
            extra={
              s.outside ? [{ id: s.outside.id, label: `${s.outside.name} (outside query)` }] : []
            }
          />
        </label>
        <label
          title={
            'What one image is, for ranking: its CLS token (the global descriptor), the mean of ' +
            'its patch tokens, or both side by side; ranked by cosine similarity.'
          }
        >
          Descriptor{' '}
          <select
            aria-label="Descriptor"
            value={s.descriptor}
            onChange={(e) => setSearch({ descriptor: e.target.value as Descriptor })}
          >
            <option value="cls">CLS token</option>
            <option value="mean">mean of patch tokens</option>
            <option value="both">CLS + mean (concatenated)</option>
          </select>
        </label>
        <NumberField
          label="Results"
          name="Number of results"
          min={1}
          max={100}
          value={s.k}
          onChange={(k) => setSearch({ k })}
        />
        <label
          className="drop-query"
          onDragOver={(e) => {
            e.preventDefault();
            e.stopPropagation();
          }}
          onDrop={(e) => {
            // Not the page's drop handler: a query is not added to the collection.
            e.preventDefault();
            e.stopPropagation();
            const f = e.dataTransfer.files[0];
            if (f) void queryWithFile(f);
          }}
        >
          Drop a query image here (it is not added), or pick one{' '}
          <input
            type="file"
            accept="image/*"
            aria-label="Query image file"
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (f) void queryWithFile(f);
            }}
          />
        </label>
      </div>
      {s.error && (
        <p role="alert" className="alert alert-error">
          {s.error}
        </p>
      )}
      {done.length === 0 && <p className="muted">Add images; they can be searched once indexed.</p>}
      {!query && done.length > 0 && (
        <p className="muted">
          Pick a query above, use <em>Find similar</em> on an image of the collection, or drop a
          query image.
        </p>
      )}
      {query && (
        <div className="search-layout">
          <div className="search-query">
            <h3 className="sub">Query: {query.name}</h3>
            <PatchCanvas
              label={`Query: ${query.name}`}
              url={query.url}
              result={query.result}
              mode={mode}
              size={360}
              values={sims.get(query.id) ?? null}
              range={simRange}
              region={s.region}
              mark={s.similarity?.imageId === query.id ? s.similarity.patch : null}
              onPatchHover={(p) =>
                p === null ? clearPointer() : pointAtPatch(query.id, p, targets)
              }
              onBox={(a, b) => setRegion(boxPatches(a, b, query.result.cols))}
            />
            <small className="muted">
              Point at (or tap) a patch to see its cosine similarity in every image shown; drag a
              box to select a region. By keyboard: focus the image, arrow keys move, Shift+arrows
              span a box, Enter selects.
            </small>
            {/* Always there (empty between hovers), so the buttons below do not jump. */}
            <small className="muted" aria-label="Similarity timing">
              {s.similarity
                ? `Patch similarity: ${s.similarity.ms.toFixed(1)} ms on the ` +
                  (s.similarity.path === 'gpu' ? 'GPU (WebGPU)' : 'CPU (WASM)')
                : '\u00a0'}
            </small>
            <div className="row wrap">
              <button
                type="button"
                disabled={s.region.length === 0}
                // Not disabled while busy: a focused button that is disabled drops focus.
                aria-disabled={s.regionSearching || undefined}
                aria-busy={s.regionSearching}
                onClick={() => {
                  if (s.regionSearching) return;
                  showRegionMatches.current = true;
                  runRegionSearch();
                }}
              >
                {s.regionSearching ? 'Searching the region…' : 'Search region'}
              </button>
              <button
                type="button"
                disabled={s.region.length === 0}
                onClick={() => {
                  // The button is about to be disabled: focus goes to the query, to pick another.
                  document
                    .querySelector<HTMLElement>(`[aria-label="Query: ${CSS.escape(query.name)}"]`)
                    ?.focus();
                  setRegion([]);
                }}
              >
                Clear region
              </button>
              {s.region.length > 0 && (
                <small>
                  {s.region.length} {s.region.length === 1 ? 'patch' : 'patches'} selected
                </small>
              )}
            </div>
          </div>
          <div className="search-results">
            <h3 className="sub">
              Most similar by {describe(s.descriptor)}
              {s.result && s.result.imageId === query.id
                ? ` · ${s.result.searched} ${s.result.searched === 1 ? 'image' : 'images'} searched in ${s.result.ms.toFixed(1)} ms (exact)`
                : ''}
            </h3>
            {neighbours.length === 0 && !s.searching && (
              <p className="muted">No other image has features yet.</p>
            )}
            <ol aria-label={`Neighbours of ${query.name}`} className="result-grid">
              {neighbours.map((n) => (
                <li key={n.imageId}>
                  <PatchCanvas
                    label={`Result: ${n.shown!.name}`}
                    url={n.shown!.url}
                    result={n.shown!.result}
                    mode={mode}
                    size={200}
                    values={sims.get(n.imageId) ?? null}
                    range={simRange}
                  />
                  <div className="row">
                    <span className="grow ellipsis" title={n.shown!.name}>
                      {n.shown!.name}
                    </span>
                    <strong className="score">{n.score.toFixed(3)}</strong>
                  </div>
                  {/* Short visible text (the name is just above); the accessible name keeps it. */}
                  <button
                    type="button"
                    aria-label={`Find similar: ${n.shown!.name}`}
                    onClick={() => {
                      findSimilar(n.imageId);
                      // This list is replaced: focus goes to the query, which now names it.
                      focusWhenShown('[aria-label="Query image"]');
                    }}
                  >
                    Find similar
                  </button>
                </li>
              ))}
            </ol>
            {s.regionResult && s.regionResult.imageId === query.id && (
              <>
                <h3 className="sub" ref={regionHeading}>
                  Best matches of the region ({s.region.length}{' '}
                  {s.region.length === 1 ? 'patch' : 'patches'}) · {s.regionResult.searched}{' '}
                  {s.regionResult.searched === 1 ? 'image' : 'images'} in{' '}
                  {s.regionResult.ms.toFixed(0)} ms
                </h3>
                <ol aria-label={`Matches of the region of ${query.name}`} className="result-grid">
                  {s.regionResult.matches.map((m) => {
                    const e = byId.get(m.imageId);
                    if (!e) return null;
                    return (
                      <li key={m.imageId}>
                        <PatchCanvas
                          label={`Region match: ${e.name}`}
                          url={e.url}
                          result={e.result}
                          mode={mode}
                          size={200}
                          values={m.heat}
                          range={[Math.max(0, minOf(m.heat)), 1]}
                        />
                        <div className="row">
                          <span className="grow ellipsis">{e.name}</span>
                          <strong className="score">{m.score.toFixed(3)}</strong>
                        </div>
                      </li>
                    );
                  })}
                </ol>
              </>
            )}
          </div>
        </div>
      )}
      <Correspondences images={done.map((e) => byId.get(e.id)!)} mode={mode} />
      <FolderClasses descriptor={s.descriptor} describe={describe} />
    </section>
  );
}

function describe(d: Descriptor): string {
  return d === 'cls' ? 'CLS token' : d === 'mean' ? 'mean patch token' : 'CLS + mean patch token';
}

function minOf(v: Float32Array): number {
  let m = Infinity;
  for (const x of v) if (x < m) m = x;
  return m;
}

/** One colour scale for all maps of a pointer position, so images compare. */
function similarityRange(maps: Float32Array[]): [number, number] {
  let lo = Infinity;
  for (const m of maps) lo = Math.min(lo, minOf(m));
  return [Number.isFinite(lo) ? Math.max(-1, lo) : 0, 1];
}
