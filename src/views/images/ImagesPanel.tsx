import { useEffect, useRef, useState } from 'react';
import { IndexingProgress } from './IndexingProgress';
import { RESOLUTIONS, type AlphaBackground, type PreprocessMode } from '../../engine/protocol';
import { useApp } from '../../store/app-store';
import { UrlForm } from '../shared/UrlForm';
import { BlockField } from '../model/BlockField';
import { IMAGE_ADVICE } from '../../model/model-address';
import {
  addFolderFiles,
  addImageUrls,
  addImages,
  addSampleImages,
  clearImages,
  updateSettings,
} from '../../store/controller';

/** Adding images and choosing how they are turned into model input. */
export function ImagesPanel() {
  const settings = useApp((s) => s.settings);
  const count = useApp((s) => s.images.length);
  const folderRef = useRef<HTMLInputElement>(null);
  return (
    <section className="panel" aria-labelledby="images-heading">
      <h2 id="images-heading">Add images</h2>
      <label className="field">
        <span>Images</span>
        <input
          type="file"
          aria-label="Images"
          multiple
          // Model inputs saved as .npy are taken too (the messages say so): listed, not hidden.
          accept="image/*,.npy"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            addImages(files);
          }}
        />
      </label>
      <div className="row wrap">
        <button type="button" onClick={() => folderRef.current?.click()}>
          Add folder
        </button>
        <input
          ref={(el) => {
            folderRef.current = el;
            el?.setAttribute('webkitdirectory', '');
          }}
          type="file"
          aria-label="Image folder"
          hidden
          multiple
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            // A folder holds other files too: they are skipped, with one notice.
            addFolderFiles(files);
          }}
        />
        <button type="button" onClick={() => void addSampleImages()}>
          Try sample images
        </button>
        {count > 0 && <RemoveAll count={count} />}
      </div>
      <small>Or drop images, a folder or a model anywhere on the page.</small>
      <UrlForm
        label="Image URL"
        button="Add image"
        placeholder="https://…/photo.jpg"
        advice={IMAGE_ADVICE}
        onSubmit={(url) => addImageUrls([url], true)}
      />
      <IndexingProgress />

      <label className="field">
        <span>Preprocessing</span>
        <select
          aria-label="Preprocessing"
          value={settings.preprocess}
          onChange={(e) => updateSettings({ preprocess: e.target.value as PreprocessMode })}
        >
          {/* Short enough to show in full in the side panel of a phone 320 px wide (a select
              cannot wrap its text): what each mode does is spelled out below. */}
          <option value="dense">dense: whole image</option>
          <option value="classifier">classifier: Hugging Face</option>
        </select>
        <small>
          {settings.preprocess === 'dense'
            ? 'Short side = resolution, aspect ratio kept.'
            : 'Shortest edge 256 (bicubic), centre crop 224, as the Hugging Face processor.'}
        </small>
      </label>
      <label className="field">
        <span>Resolution</span>
        <select
          aria-label="Resolution"
          value={settings.resolution}
          disabled={settings.preprocess === 'classifier'}
          onChange={(e) => updateSettings({ resolution: Number(e.target.value) })}
        >
          {RESOLUTIONS.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Transparent pixels</span>
        <select
          aria-label="Transparent pixels"
          value={settings.background}
          onChange={(e) => updateSettings({ background: e.target.value as AlphaBackground })}
        >
          <option value="white">composite on white</option>
          <option value="black">composite on black</option>
        </select>
      </label>
      {/* How images become features: the model's block is the last step of the recipe. */}
      <BlockField />
    </section>
  );
}

/**
 * Remove all asks first: one click would otherwise throw away a collection that took hours to
 * index, with no undo. Focus goes to "Keep them" (the safe answer) and Escape means the same.
 */
function RemoveAll({ count }: { count: number }) {
  const [asking, setAsking] = useState(false);
  const keepRef = useRef<HTMLButtonElement>(null);
  const askRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) keepRef.current?.focus();
  }, [asking]);
  const keep = () => {
    setAsking(false);
    // Back to the button that asked, once it is drawn again.
    requestAnimationFrame(() => askRef.current?.focus());
  };
  if (!asking) {
    return (
      <button ref={askRef} type="button" onClick={() => setAsking(true)}>
        Remove all ({count})
      </button>
    );
  }
  return (
    <span
      className="row confirm"
      role="group"
      aria-label="Confirm removing all images"
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        e.stopPropagation();
        keep();
      }}
    >
      <span>
        Remove all {count} image{count === 1 ? '' : 's'} and their stored features?
      </span>
      <button
        type="button"
        onClick={(e) => {
          // The group goes with the images: focus stays in the row, on the button before it.
          (
            e.currentTarget.closest('.confirm')?.previousElementSibling as HTMLElement | null
          )?.focus();
          setAsking(false);
          clearImages();
        }}
      >
        Remove them
      </button>
      <button ref={keepRef} type="button" onClick={keep}>
        Keep them
      </button>
    </span>
  );
}
