/**
 * Patch mode's choice of images: one checkbox per image with features, checked for those whose
 * patches are in the cloud. Ticking or unticking writes the list to the embedding3d store
 * (`patchImages`); an empty list means "the selected image, or the first". With many images the
 * boxes sit in a short scrolling list (so the cloud stays on screen) under buttons that pick all
 * images at once or go back to the selected one.
 */
import { useImageLabel, type ImageEntry } from '../../store/app-store';
import { setEmbedding3d } from '../../store/embedding3d';

/** Above this many images the list scrolls and the all/selected buttons are shown. */
const MANY = 12;

const scrolling = {
  display: 'flex',
  flexWrap: 'wrap',
  gap: '4px 14px',
  width: '100%',
  maxHeight: '6.5em',
  overflowY: 'auto',
} as const;

export function PatchImagePicker({ done, patchIds }: { done: ImageEntry[]; patchIds: string[] }) {
  const label = useImageLabel();
  const boxes = done.map((im) => (
    <label key={im.id}>
      <input
        type="checkbox"
        checked={patchIds.includes(im.id)}
        onChange={(e) => {
          const next = e.target.checked
            ? [...patchIds, im.id]
            : patchIds.filter((id) => id !== im.id);
          setEmbedding3d({ patchImages: next });
        }}
      />{' '}
      {label(im)}
    </label>
  ));
  if (done.length <= MANY) {
    return (
      <fieldset className="e3d-pick">
        <legend>Images whose patches are shown</legend>
        {boxes}
      </fieldset>
    );
  }
  return (
    <fieldset className="e3d-pick">
      <legend>Images whose patches are shown</legend>
      <div className="row">
        <span className="muted">
          {patchIds.length} of {done.length} images
        </span>{' '}
        <button
          type="button"
          disabled={patchIds.length === done.length}
          onClick={() => setEmbedding3d({ patchImages: done.map((im) => im.id) })}
        >
          Show all images
        </button>{' '}
        <button type="button" onClick={() => setEmbedding3d({ patchImages: [] })}>
          Only the selected image
        </button>
      </div>
      <div style={scrolling}>{boxes}</div>
    </fieldset>
  );
}
