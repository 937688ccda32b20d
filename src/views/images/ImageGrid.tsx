import { memo, useMemo } from 'react';
import { isTensorFile } from '../../lib/files';
import { focusWhenShown } from '../../lib/focus';
import { useApp, useImageLabel, type ImageEntry } from '../../store/app-store';
import { download, removeImage } from '../../store/controller';
import { useIndexing } from '../../store/indexer';
import { findSimilar } from '../../store/search';
import { CollectionBar } from './CollectionBar';
import { pendingLabel } from './pending';
import { sizeNotes } from './size-notes';

/** Removes an image; focus goes to the next card's remove button (or the previous one's). */
function removeCard(id: string, button: HTMLElement): void {
  const card = button.closest('li');
  const other = (
    card?.nextElementSibling ?? card?.previousElementSibling
  )?.querySelector<HTMLElement>('button[aria-label^="Remove "]');
  const hadFocus = document.activeElement === button;
  removeImage(id);
  if (!hadFocus) return;
  if (other) other.focus();
  else focusWhenShown('[aria-label="Images"]');
}

export function ImageGrid() {
  const images = useApp((s) => s.images);
  const ready = useApp((s) => s.model.status === 'ready');
  const label = useImageLabel();
  const running = useIndexing((s) => s.running);
  const paused = useIndexing((s) => s.paused);
  const inFlight = useIndexing((s) => s.inFlight);
  const preprocess = useApp((s) => s.settings.preprocess);
  const resolution = useApp((s) => s.settings.resolution);
  const background = useApp((s) => s.settings.background);
  // What every card shows alike, read here once: each image that finishes then re-renders its
  // own card only (a card per image per finish was N² work over a run of N images).
  const shared = useMemo<CardContext>(
    () => ({
      modelReady: ready,
      running,
      paused,
      dense: preprocess === 'dense',
      resolution,
      background,
    }),
    [ready, running, paused, preprocess, resolution, background],
  );
  if (images.length === 0) {
    return (
      <section aria-label="Image collection">
        {/* The bar keeps its place (Import index is here); only the hint is centred below it. */}
        <CollectionBar />
        <div className="empty">
          <p>Add images to see their features.</p>
          <p>
            {ready
              ? 'Use the Images picker, or drop photos or a folder here.'
              : 'First load a model: a DINOv2 ONNX file, a URL or a catalogue model.'}
          </p>
        </div>
      </section>
    );
  }
  const done = images.filter((i) => i.status === 'done').length;
  return (
    <section aria-label="Image collection">
      <CollectionBar />
      <p className="muted">
        {done} of {images.length} {images.length === 1 ? 'image has' : 'images have'} features
        {!ready && images.length > 0
          ? ' (waiting for a model; features stored on an earlier visit come back, without recomputing, once their model is loaded)'
          : ''}
        .
      </p>
      <ul className="grid">
        {images.map((im) => (
          <ImageCard
            key={im.id}
            entry={im}
            name={label(im)}
            computing={inFlight.includes(im.id)}
            shared={shared}
          />
        ))}
      </ul>
    </section>
  );
}

interface CardContext {
  modelReady: boolean;
  running: boolean;
  paused: boolean;
  dense: boolean;
  resolution: number;
  background: 'white' | 'black';
}

interface CardProps {
  entry: ImageEntry;
  name: string;
  computing: boolean;
  shared: CardContext;
}

/** Memoised: an entry that did not change (patchImage keeps its object) is not drawn again. */
const ImageCard = memo(function ImageCard({ entry, name, computing, shared }: CardProps) {
  const r = entry.result;
  const { modelReady, running, paused, dense, resolution, background } = shared;
  const notes: string[] = [];
  if (r?.notes.capped) {
    notes.push(
      `decoded at ${r.notes.width}×${r.notes.height} (capped from ${r.notes.originalWidth}×${r.notes.originalHeight})`,
    );
  }
  if (r?.notes.hadAlpha)
    notes.push(`transparency composited on ${useApp.getState().settings.background}`);
  if (r?.notes.grayscale) notes.push('grayscale, fed as three equal channels');
  // Dense mode caps the long side (the token budget): a panorama's short side then falls below
  // the resolution asked for, which the sizes alone do not make plain.
  const short = r ? Math.min(r.inputWidth, r.inputHeight) : 0;
  // (A model input given as .npy was run as it is: no recipe resized or cropped it.)
  const tensor = isTensorFile(entry);
  if (r && !tensor && r.resized && dense && short < resolution - r.inputWidth / r.cols) {
    notes.push(
      `short side ${short} px, not ${resolution}: the long side is capped at ${Math.max(r.inputWidth, r.inputHeight)} px`,
    );
  }
  if (r && !tensor)
    notes.push(
      ...sizeNotes(dense ? 'dense' : 'classifier', r.notes.width, r.notes.height, r.inputWidth),
    );
  // Classifier mode crops the centre: a picture already at the resize size is cut, not resampled.
  const cropped = r && (r.inputWidth < r.notes.width || r.inputHeight < r.notes.height);
  const sampling =
    !r || r.resized
      ? ''
      : tensor
        ? ' (run as given)'
        : cropped
          ? ' (centre crop, not resampled)'
          : ' (not resampled)';
  return (
    <li className="card">
      {tensor ? (
        <div className="tensor-thumb" role="img" aria-label={`${name} (model input tensor)`}>
          model input tensor (.npy)
        </div>
      ) : (
        // Transparent pixels show on what the model saw them laid on, not on the card's colour
        // (an opaque photo's letterbox stays the card's).
        <img
          src={entry.url}
          alt={name}
          loading="lazy"
          style={r?.notes.hadAlpha ? { background } : undefined}
        />
      )}
      <div className="card-body">
        <div className="row">
          <strong
            className="grow ellipsis"
            title={entry.folder ? `${entry.folder}/${entry.name}` : name}
          >
            {name}
          </strong>
          <button
            type="button"
            aria-label={`Remove ${name}`}
            onClick={(e) => removeCard(entry.id, e.currentTarget)}
          >
            ×
          </button>
        </div>
        {r ? (
          <>
            <small>
              {r.notes.width}×{r.notes.height} → {r.inputWidth}×{r.inputHeight}
              {sampling} · {r.cols}×{r.rows} patches · {r.tokens} tokens × {r.dim} ·{' '}
              {r.fromStore
                ? r.imported
                  ? 'imported features (stored in this browser)'
                  : 'features from browser storage'
                : r.imported
                  ? 'imported features (this session only: not stored)'
                  : `${r.timings.inferenceMs.toFixed(0)} ms on ${r.backend}` +
                    (r.graphReplay ? ' (GPU graph replayed)' : '')}
            </small>
            {notes.length > 0 && <small className="note">{notes.join('; ')}</small>}
            <div className="row wrap">
              {/* Short visible text (the card names the image); the accessible name keeps it. */}
              <button
                type="button"
                aria-label={`Find similar: ${name}`}
                onClick={() => {
                  findSimilar(entry.id);
                  focusWhenShown('#tab-search');
                }}
              >
                Find similar
              </button>
              <button
                type="button"
                aria-label={`Download features: ${name}`}
                onClick={() => void download(entry.id, 'features')}
              >
                Download features
              </button>
              <button
                type="button"
                aria-label={`Download model input: ${name}`}
                onClick={() => void download(entry.id, 'input')}
              >
                Download model input
              </button>
            </div>
          </>
        ) : (
          <small className="muted">
            {pendingLabel(entry.status, { modelReady, running, paused, computing })}
          </small>
        )}
      </div>
    </li>
  );
});
