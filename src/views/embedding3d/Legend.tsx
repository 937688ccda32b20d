/**
 * The line under the toolbar that says what the cloud shows (a polite live region): how many
 * images or patches, how they were laid out (PCA with its explained variance, or UMAP with its
 * parameters and the caveat that distances between groups mean little), sampling, and thumbnail
 * progress; and the colour swatches of image mode. Tests read this text, so its wording is part
 * of the view's contract.
 */
import { countOf } from '../../lib/words';
import { explainedText } from '../shared/explained';
import { umapNeighbours } from '../../features/layout3d';
import type { Embedding3dSettings } from '../../store/embedding3d';
import type { PatchCloud } from './HoverTooltip';
import { categoryColour } from './palette';
import type { Categories, LayoutState } from './useImageLayout';
import type { ThumbProgress } from './useImageScene';

export interface LegendProps {
  settings: Embedding3dSettings;
  glError: string | null;
  modelReady: boolean;
  doneCount: number;
  /** Images still waiting for features (not placed yet). */
  waiting: number;
  /** Image mode: the layout on screen and how many images it places. */
  shownLayout: LayoutState | null;
  shownCount: number;
  thumbs: ThumbProgress;
  /** Patch mode: the cloud on screen. */
  shownPatches: PatchCloud | null;
}

export function Legend(props: LegendProps) {
  return (
    <p className="muted e3d-legend" aria-live="polite">
      {legendText(props)}
    </p>
  );
}

function legendText(p: LegendProps): string {
  const { settings, shownLayout, shownCount, thumbs, shownPatches } = p;
  if (p.glError) return '';
  if (!p.modelReady) return 'Load a model and add images to see them here.';
  if (p.doneCount === 0) return 'Points appear once images have features.';
  if (settings.mode === 'images') {
    if (!shownLayout) return 'Computing the layout…';
    const head =
      countOf(shownCount, 'image') +
      (p.waiting > 0 ? ` (${p.waiting} more without features yet)` : '');
    const asked = settings.umap.nNeighbors;
    const used = umapNeighbours(asked, shownCount);
    const how =
      shownLayout.method === 'pca'
        ? ` · PCA of the ${settings.descriptor === 'cls' ? 'CLS tokens' : 'patch means'} (exact linear projection)` +
          (shownCount > 1
            ? ` · explained variance ${explainedText(shownLayout.explained)}`
            : ' · one image: no variance to explain yet') +
          (shownLayout.asked === 'umap' ? ' · UMAP needs at least 4 images, so PCA is shown' : '')
        : ` · UMAP (approximate: neighbourhoods are kept, distances between groups are not; ` +
          `${used} neighbours${used !== asked ? ` (${asked} asked: at most one fewer than the images)` : ''}, ` +
          `min distance ${settings.umap.minDist}, seed ${settings.umap.seed})`;
    const t = thumbs
      ? thumbs.of < thumbs.total
        ? ` · thumbnails for ${thumbs.of} of ${thumbs.total}`
        : thumbs.drawn < thumbs.total
          ? ` · drawing thumbnails ${thumbs.drawn}/${thumbs.total}`
          : ''
      : '';
    return head + how + t;
  }
  if (!shownPatches) return 'Computing the patch PCA…';
  const r = shownPatches.result;
  const m = r.image.length;
  const n = r.grids.length;
  const head = r.sampled
    ? `showing ${m.toLocaleString('en')} of ${r.total.toLocaleString('en')} patches (evenly sampled)`
    : `${m.toLocaleString('en')} patches`;
  return (
    `${head} from ${n} image${n === 1 ? '' : 's'} · joint PCA of the patch tokens, coloured like the PCA maps` +
    ` · explained variance ${explainedText(r.explained)}`
  );
}

/**
 * What the cloud shows in one line, for screen readers (the canvas's description): how many
 * points of what, in 2D or 3D, laid out how, and the selected image.
 */
export function sceneSummary(p: LegendProps, selected: string | null): string {
  const { settings, shownLayout, shownCount, shownPatches } = p;
  if (settings.mode === 'images') {
    if (!shownLayout || shownCount === 0) return 'No points yet.';
    const method = shownLayout.method === 'pca' ? 'PCA' : 'UMAP';
    return (
      `${countOf(shownCount, 'image')} as points in ${shownLayout.dims}D, ` +
      `laid out by ${method}${selected ? `; ${selected} selected` : ''}.`
    );
  }
  if (!shownPatches) return 'No points yet.';
  const m = shownPatches.result.image.length;
  const n = shownPatches.result.grids.length;
  return (
    `${m.toLocaleString('en')} patches of ${countOf(n, 'image')} as points in ` +
    `${settings.dims}D, laid out by their joint PCA.`
  );
}

/**
 * The colour key of image mode: the first 12 categories with their counts, and, where k-means
 * was asked for more clusters than there are images, how many it made.
 */
export function Swatches({
  categories,
  askedClusters,
}: {
  categories: Categories;
  askedClusters: number | null;
}) {
  const counts = new Array<number>(categories.names.length).fill(0);
  for (const c of categories.of) counts[c]++;
  return (
    <ul className="e3d-swatches" aria-label="Colours">
      {categories.names.slice(0, 12).map((name, i) => (
        <li key={name}>
          <span className="e3d-swatch" style={{ background: categoryColour(i) }} />
          {name} ({counts[i]})
        </li>
      ))}
      {categories.names.length > 12 && <li>+{categories.names.length - 12} more</li>}
      {askedClusters !== null && askedClusters > categories.names.length && (
        <li>
          (k = {askedClusters} asked: {categories.names.length} clusters, one per image at most)
        </li>
      )}
    </ul>
  );
}
