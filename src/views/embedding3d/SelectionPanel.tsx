/**
 * The side panel of image mode for the selected image: its name and picture, buttons to open it
 * in the Attention or PCA views, to show its patches, or to clear the selection, and its nearest
 * neighbours by cosine similarity of the chosen descriptor (each a button that selects it).
 */
import { isTensorFile } from '../../lib/files';
import { focusWhenShown } from '../../lib/focus';
import { selectImage, useApp, useImageLabel, type ImageEntry } from '../../store/app-store';
import { showInAttention } from '../../store/attention';
import { setEmbedding3d } from '../../store/embedding3d';
import { setPcaDisplay } from '../../store/pca';

export interface SelectionPanelProps {
  selected: ImageEntry;
  descriptor: 'cls' | 'mean';
  /** How many images the neighbours were found among, when not all have features yet (else null). */
  among: number | null;
  /** The neighbours, best first, as image entries (undefined: no longer in the collection). */
  neighbours: { index: number; score: number; entry: ImageEntry | undefined }[];
}

export function SelectionPanel({ selected, descriptor, among, neighbours }: SelectionPanelProps) {
  const label = useImageLabel();
  return (
    <aside className="e3d-side" aria-label="Selected image">
      <p>
        Selected: <strong>{label(selected)}</strong>
      </p>
      {!isTensorFile({ name: selected.name }) && (
        <img className="e3d-selected" src={selected.url} alt={label(selected)} />
      )}
      <div className="e3d-actions">
        <button
          type="button"
          onClick={() => {
            // The attention view may show another image than the selection (picked there).
            showInAttention(selected.id);
            useApp.setState({ view: 'attention', selectedImageId: selected.id });
            focusWhenShown('#tab-attention');
          }}
        >
          Open in Attention
        </button>
        <button
          type="button"
          onClick={() => {
            // The PCA view shows this image's map large (as Attention shows its image).
            setPcaDisplay({ focus: selected.id });
            useApp.setState({ view: 'pca', selectedImageId: selected.id });
            focusWhenShown('#tab-pca');
          }}
        >
          Open in PCA maps
        </button>
        <button
          type="button"
          onClick={() => {
            setEmbedding3d({ mode: 'patches', patchImages: [selected.id] });
            // This panel goes with the image mode: focus moves to the Points choice.
            focusWhenShown('select[aria-label="Points"]');
          }}
        >
          Show its patches
        </button>
        <button
          type="button"
          onClick={() => {
            selectImage(null);
            // This panel goes with the selection: focus moves to the select it came from.
            focusWhenShown('select[aria-label="Select image by name"]');
          }}
        >
          Clear selection
        </button>
      </div>
      {neighbours.length > 0 && (
        <>
          <p className="muted">
            Nearest by cosine ({descriptor === 'cls' ? 'CLS' : 'mean of patches'})
            {among !== null ? `, among the ${among} images with features so far` : ''}:
          </p>
          <ol className="e3d-neighbours">
            {neighbours.map((nb) => (
              <li key={nb.index}>
                <button type="button" onClick={() => nb.entry && selectImage(nb.entry.id)}>
                  {nb.entry ? label(nb.entry) : '?'}
                </button>{' '}
                {nb.score.toFixed(3)}
              </li>
            ))}
          </ol>
        </>
      )}
    </aside>
  );
}
