/**
 * The side panel of patch mode: the photo whose patches the hover outlines (PatchPhoto), a select
 * to switch photo when several images' patches are shown, and a hint on hovering and brushing.
 * The hovered patch is drawn through the PatchPhoto handle, not through React state.
 */
import type { Ref } from 'react';
import type { PreprocessMode } from '../../engine/protocol';
import { useImageLabel, type ImageEntry } from '../../store/app-store';
import { PatchPhoto, type PatchPhotoHandle } from './PatchPhoto';

export interface PatchPanelProps {
  entry: ImageEntry;
  grid: { rows: number; cols: number };
  /** The images in the cloud, for the Photo select (shown when there are several). */
  ids: string[];
  byId: Map<string, ImageEntry>;
  mode: PreprocessMode;
  onPhoto: (id: string) => void;
  onBrush: (patches: number[] | null) => void;
  photo: Ref<PatchPhotoHandle>;
}

export function PatchPanel({
  entry,
  grid,
  ids,
  byId,
  mode,
  onPhoto,
  onBrush,
  photo,
}: PatchPanelProps) {
  const label = useImageLabel();
  return (
    <aside className="e3d-side" aria-label="Patch photo">
      <p>
        <strong>{label(entry)}</strong>{' '}
        <span className="muted">
          ({grid.cols}×{grid.rows} patches)
        </span>
      </p>
      {ids.length > 1 && (
        <label>
          Photo{' '}
          <select aria-label="Photo" value={entry.id} onChange={(e) => onPhoto(e.target.value)}>
            {ids.map((id) => (
              <option key={id} value={id}>
                {byId.has(id) ? label(byId.get(id)!) : id}
              </option>
            ))}
          </select>
        </label>
      )}
      <PatchPhoto
        entry={entry}
        rows={grid.rows}
        cols={grid.cols}
        mode={mode}
        onBrush={onBrush}
        handle={photo}
      />
      <p className="muted">
        Hover or tap a point (or focus the cloud and press N / P) to see its patch; drag on the
        photo to light up its patches. By keyboard: focus the photo, arrow keys move, Shift+arrows
        span a box, Enter lights it up, Escape clears.
      </p>
    </aside>
  );
}
