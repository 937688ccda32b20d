import { countOf } from '../../lib/words';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { explainedText } from '../shared/explained';
import { isTensorFile, recipeSuffix, saveBlob } from '../../lib/files';
import { encodeNpy } from '../../lib/npy';
import { focusWhenShown } from '../../lib/focus';
import { fileStemOf, useApp, useImageLabel, type ImageEntry } from '../../store/app-store';
import {
  computePca,
  setPcaDisplay,
  setPcaSettings,
  setPcaViewOpen,
  usePca,
  type Channel,
} from '../../store/pca';
import type { PcaMap, PcaSettings } from '../../engine/protocol';
import { captioned, forPrint, inputLine, shareable } from '../shared/captioned';
import { mapAlone, PcaCanvas } from './PcaCanvas';
import { pageTop } from '../shared/page-fit';

/** Said after the timing: where the covariance product ran (see covariance.ts). */
const COVARIANCE_NOTE: Record<ReturnType<typeof usePca.getState>['covariance'], string> = {
  session: ' (covariance by onnxruntime)',
  gpu: ' (covariance on the GPU, WebGPU)',
  javascript: '',
};

/** PCA feature maps of the collection: the DINOv2 picture, interactive. */
export function PcaView() {
  const images = useApp((s) => s.images);
  const mode = useApp((s) => s.settings.preprocess);
  const modelReady = useApp((s) => s.model.status === 'ready');
  const pca = usePca();
  const done = useMemo(() => images.filter((i) => i.status === 'done' && i.result), [images]);
  const doneKey = done.map((i) => i.id).join(',');
  const settingsKey = JSON.stringify(pca.settings);

  useEffect(() => {
    setPcaViewOpen(true);
    return () => setPcaViewOpen(false);
  }, []);
  useEffect(() => {
    computePca(doneKey ? doneKey.split(',') : []);
  }, [doneKey, settingsKey]);

  const { settings, display } = pca;
  const shownMaps = Object.values(pca.maps);
  const mapCount = shownMaps.length;
  const fallbacks = shownMaps.filter((m) => m.foregroundFallback).length;
  // Per image, 'auto' picks each image's side: say so when they differ.
  const sides = new Set(shownMaps.map((m) => m.inverted));
  const autoSide = sides.size > 1 ? 'per image' : pca.invertUsed ? 'below' : 'above';
  const shownWith = pca.computedWith ?? settings;
  const focus = display.focus ? done.find((i) => i.id === display.focus) : null;
  const label = useImageLabel();
  const focusName = focus ? label(focus) : null;
  const shown = focus ? [focus] : done;
  const large = useFitHeight(focus !== null);
  // Escape leaves the enlarged map, as the Back button does.
  useEffect(() => {
    if (focusName === null) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) showAllMaps(focusName);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [focusName]);

  return (
    <section
      aria-label="PCA maps"
      className="pca-view"
      aria-busy={pca.computing}
      data-computed-for={pca.key}
      data-started-early={pca.startedEarly}
      data-with-features={pca.withFeatures}
    >
      <div className="toolbar">
        <label>
          <input
            type="checkbox"
            checked={settings.joint}
            onChange={(e) => setPcaSettings({ joint: e.target.checked })}
          />{' '}
          Joint PCA
        </label>
        <label>
          <input
            type="checkbox"
            checked={settings.foregroundOnly}
            onChange={(e) => setPcaSettings({ foregroundOnly: e.target.checked })}
          />{' '}
          Foreground only
        </label>
        {settings.foregroundOnly && (
          <>
            <label
              title={
                "The cut on the first component's scores, min-max scaled to 0-1 over the " +
                'images of the basis (all of them for a joint PCA): patches past it are foreground.'
              }
            >
              Threshold{' '}
              <input
                type="range"
                aria-label="Foreground threshold"
                min={0}
                max={1}
                step={0.01}
                value={settings.threshold}
                onChange={(e) => setPcaSettings({ threshold: Number(e.target.value) })}
              />{' '}
              {settings.threshold.toFixed(2)}
            </label>
            <label>
              Foreground side{' '}
              <select
                aria-label="Foreground side"
                title={
                  "The first component's sign is a convention (its largest weight is made " +
                  'positive), so "above" and "below" name a side of that component, not of the ' +
                  'picture. "auto" takes the side away from the image border: the object.'
                }
                value={String(settings.invert)}
                onChange={(e) =>
                  setPcaSettings({
                    invert: e.target.value === 'auto' ? 'auto' : e.target.value === 'true',
                  })
                }
              >
                <option value="auto">auto ({autoSide})</option>
                <option value="false">above threshold</option>
                <option value="true">below threshold (invert)</option>
              </select>
            </label>
            <label>
              <input
                type="checkbox"
                checked={display.showMask}
                onChange={(e) => setPcaDisplay({ showMask: e.target.checked })}
              />{' '}
              Show mask
            </label>
          </>
        )}
        <label>
          Opacity{' '}
          <input
            type="range"
            aria-label="Map opacity"
            min={0}
            max={1}
            step={0.05}
            value={display.opacity}
            onChange={(e) => setPcaDisplay({ opacity: Number(e.target.value) })}
          />{' '}
          {display.opacity.toFixed(2)}
        </label>
        <label>
          Upsampling{' '}
          <select
            aria-label="Upsampling"
            value={display.smooth ? 'smooth' : 'nearest'}
            onChange={(e) => setPcaDisplay({ smooth: e.target.value === 'smooth' })}
          >
            <option value="nearest">nearest (patch blocks)</option>
            <option value="smooth">smooth</option>
          </select>
        </label>
        <label
          title={
            'One component alone is drawn in grey; in the RGB picture component 1 is red, 2 green ' +
            'and 3 blue.'
          }
        >
          Channel{' '}
          <select
            aria-label="Channel"
            value={String(display.channel)}
            onChange={(e) =>
              setPcaDisplay({
                channel: (e.target.value === 'rgb' ? 'rgb' : Number(e.target.value)) as Channel,
              })
            }
          >
            <option value="rgb">RGB (components 1-3)</option>
            <option value="0">component 1, grey</option>
            <option value="1">component 2, grey</option>
            <option value="2">component 3, grey</option>
          </select>
        </label>
      </div>
      <p className="muted">
        {/* Live: said when maps arrive; "computing…" beside it is not, so a slider step is one
            announcement, not two. */}
        <span aria-live="polite">
          {done.length === 0
            ? modelReady
              ? 'Maps appear once images have features.'
              : 'Load a model (Model, in the side panel); maps appear once images have features.'
            : mapCount === 0
              ? `PCA maps of ${countOf(done.length, 'image')}`
              : `${shownWith.joint ? 'Joint basis over' : 'One basis per image for'} ${mapCount} image${mapCount === 1 ? '' : 's'}` +
                (pca.explained.length
                  ? // Per image, `explained` is the mean of the images' own ratios (computePcaMaps).
                    ` · explained variance${shownWith.joint ? '' : ' (mean over the images)'} ` +
                    explainedText(pca.explained)
                  : '') +
                (shownWith.foregroundOnly ? foregroundNote(fallbacks, mapCount) : '') +
                (pca.ms !== null && pca.explained.length
                  ? ` · ${Math.round(pca.ms)} ms${COVARIANCE_NOTE[pca.covariance]}`
                  : '')}
        </span>
        {done.length > 0 && pca.computing && ' · computing…'}
      </p>
      {focus && (
        <button type="button" onClick={() => showAllMaps(label(focus))}>
          Back to all maps
        </button>
      )}
      <ul className={focus ? 'map-large' : 'grid'} ref={large}>
        {shown.map((im) => (
          <PcaCard key={im.id} entry={im} mode={mode} />
        ))}
      </ul>
    </section>
  );
}

/**
 * The enlarged map's list: its map fits the window's height below what sits above it (header,
 * tabs, toolbar: taller where they wrap), through the `--fit-h` property the stylesheet reads.
 * Measured as if the page were scrolled to where enlarging puts it (see `fitAnchor`), and again
 * when the window is resized.
 *
 * Enlarging scrolls there: the map was picked from anywhere in a long grid, and the page, now
 * one map long, would otherwise stay scrolled down with the Back button above the window and
 * only the map's bottom in view.
 */
function useFitHeight(on: boolean) {
  const ref = useRef<HTMLUListElement | null>(null);
  useLayoutEffect(() => {
    const list = ref.current;
    if (!on || !list) return;
    const scroller = list.closest<HTMLElement>('.main');
    const fit = () => {
      const top = pageTop(list) - fitAnchor(list);
      list.style.setProperty('--fit-h', `${Math.max(160, innerHeight - top - 8)}px`);
    };
    // Fitted first: the page is then long enough to scroll to the anchor.
    fit();
    if (scroller) scroller.scrollTop = 0;
    scrollTo({ top: fitAnchor(list), behavior: 'instant' });
    addEventListener('resize', fit);
    return () => removeEventListener('resize', fit);
  }, [on]);
  return ref;
}

/**
 * The page scroll that shows the enlarged map with what belongs to it: the page's top (header,
 * tabs, the view's toolbar) where that leaves the map at least half the window; else (a phone,
 * the side panel stacked above) the view's own toolbar at the window's top; else (a toolbar that
 * wraps to half the window) the Back button at the top.
 */
function fitAnchor(list: HTMLElement): number {
  const top = pageTop(list);
  if (top <= innerHeight / 2) return 0;
  const view = pageTop(list.closest('section'));
  if (top - view <= innerHeight / 2) return Math.max(0, view - 8);
  return Math.max(0, pageTop(list.previousElementSibling) - 8);
}

/** Leaves the enlarged map; focus goes to that map's button in the grid, not to <body>. */
function showAllMaps(name: string): void {
  setPcaDisplay({ focus: null });
  focusWhenShown(`[aria-label="${CSS.escape(enlargeLabel(name))}"]`);
}

function enlargeLabel(name: string): string {
  return `Enlarge PCA map of ${name}`;
}

/** What the summary says of the foreground recipe, including groups that fell back. */
function foregroundNote(fallbacks: number, maps: number): string {
  if (fallbacks === 0) return ' (second PCA, foreground patches)';
  if (fallbacks >= maps)
    return ' · no foreground at this threshold (fewer than 3 patches pass): the whole-image PCA is shown';
  return (
    ` (second PCA, foreground patches; ${fallbacks} of ${maps} images have fewer than 3 ` +
    'foreground patches and show their whole-image PCA)'
  );
}

/**
 * What a saved map was made with, for its file name (`joint` or `image`, then the foreground side
 * and threshold when on: `joint.fg-above-0.5`) and its caption. Variants thus get their own files.
 */
function pcaRecipe(
  map: PcaMap,
  used: PcaSettings,
  explained: number[],
  images: number,
): { file: string; caption: string } {
  const threshold = Number(used.threshold.toFixed(2));
  const side = map.inverted ? 'below' : 'above';
  const file = [used.joint ? 'joint' : 'image'];
  const caption = [
    'PCA components 1-3 as RGB',
    used.joint ? `joint basis over ${images} image${images === 1 ? '' : 's'}` : 'per-image basis',
  ];
  if (used.foregroundOnly) {
    // Too few patches passed: the colours are the whole-image PCA's, and the name says so.
    file.push(`fg-${side}-${threshold}${map.foregroundFallback ? '-whole' : ''}`);
    caption.push(
      map.foregroundFallback
        ? `foreground ${side} ${threshold.toFixed(2)}: fewer than 3 patches pass, whole-image PCA shown`
        : `foreground ${side} ${threshold.toFixed(2)} (second PCA on those patches; background black)`,
    );
  }
  if (explained.length) caption.push(`explained variance ${explainedText(explained)}`);
  return { file: file.join('.'), caption: caption.join(' · ') };
}

function PcaCard({ entry, mode }: { entry: ImageEntry; mode: 'dense' | 'classifier' }) {
  const map = usePca((s) => s.maps[entry.id]);
  const resolution = useApp((s) => s.settings.resolution);
  const display = usePca((s) => s.display);
  const perImage = usePca((s) => s.explainedById[entry.id]);
  // The settings the map on screen was made with, not the ones the controls may be asking for.
  const used = usePca((s) => s.computedWith ?? s.settings);
  const jointExplained = usePca((s) => s.explained);
  const images = usePca((s) => Object.keys(s.maps).length);
  const model = useApp((s) => shareable(s.model.source ?? s.model.info?.fileName ?? null));
  const loadedBlock = useApp((s) => s.model.block);
  const joint = used.joint;
  const foreground = used.foregroundOnly;
  const name = useImageLabel()(entry);
  if (!map || !entry.result) return null;
  const result = entry.result;
  // Imported features keep the block of the index they came from.
  const block = result.importedFrom ? result.importedFrom.block : loadedBlock;
  const recipe = pcaRecipe(map, used, joint ? jointExplained : (perImage ?? []), images);
  const stem = `${fileStemOf(entry)}.pca.${recipe.file}${recipeSuffix(entry, mode, resolution, block)}`;
  // The map itself (not the blend over the photo on screen), captioned, at the input's size
  // enlarged for print.
  const savePng = () => {
    const alone = mapAlone(map, result.inputWidth, result.inputHeight);
    if (!alone) return;
    captioned(forPrint(alone), [
      inputLine(name, isTensorFile(entry) ? 'tensor' : mode, resolution, result),
      recipe.caption,
      ...(model ? [`Model: ${model}${block === null ? '' : `, block ${block}`}`] : []),
    ])?.toBlob((b) => b && saveBlob(b, `${stem}.png`), 'image/png');
  };
  const saveNpy = () =>
    saveBlob(
      new Blob([encodeNpy(map.colours, [map.rows, map.cols, 3]) as Uint8Array<ArrayBuffer>]),
      `${stem}.npy`,
    );
  const own = !joint && perImage;
  return (
    <li className="card">
      <button
        type="button"
        className="map-button"
        aria-label={display.focus ? `Show all PCA maps (now ${name})` : enlargeLabel(name)}
        onClick={() => (display.focus ? showAllMaps(name) : setPcaDisplay({ focus: entry.id }))}
      >
        <PcaCanvas
          map={map}
          result={entry.result}
          name={name}
          photoUrl={isTensorFile(entry) ? null : entry.url}
          mode={mode}
          opacity={display.opacity}
          smooth={display.smooth}
          channel={display.channel}
          showMask={display.showMask}
        />
      </button>
      <div className="card-body">
        <strong className="ellipsis">{name}</strong>
        <small>
          {map.cols}×{map.rows} patches
          {own ? ` · ${own.map((v) => `${(v * 100).toFixed(1)}%`).join(' / ')}` : ''}
          {foreground && !joint && !map.foregroundFallback
            ? ` · foreground ${map.inverted ? 'below' : 'above'} the threshold`
            : ''}
        </small>
        {foreground && map.foregroundFallback && (
          <small className="note">
            Fewer than 3 patches pass the threshold: whole-image PCA shown.
          </small>
        )}
        <div className="row wrap">
          {/* The visible text is short (the card names the image); the accessible name keeps it. */}
          <button type="button" aria-label={`Download PCA: ${name}`} onClick={saveNpy}>
            Download PCA
          </button>
          <button type="button" aria-label={`Download PCA image: ${name}`} onClick={savePng}>
            Download PCA image
          </button>
        </div>
      </div>
    </li>
  );
}
