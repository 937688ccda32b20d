import { useRef } from 'react';
import { IndexingProgress } from './IndexingProgress';
import { RESOLUTIONS, type AlphaBackground, type PreprocessMode } from '../../engine/protocol';
import { useApp } from '../../store/app-store';
import { UrlForm } from '../shared/UrlForm';
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
          accept="image/*"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            addImages(files);
          }}
        />
      </label>
      <div className="row">
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
        {count > 0 && (
          <button
            type="button"
            onClick={(e) => {
              // The button goes with the images: focus stays in the row, on the button before it.
              (e.currentTarget.previousElementSibling as HTMLElement | null)?.focus();
              clearImages();
            }}
          >
            Remove all ({count})
          </button>
        )}
      </div>
      <small>Or drop images, a folder or a model anywhere on the page.</small>
      <UrlForm
        label="Image URL"
        button="Add image"
        placeholder="https://…/photo.jpg"
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
          <option value="dense">dense: whole image, short side = resolution</option>
          <option value="classifier">
            classifier: 256 bicubic, centre crop 224 (Hugging Face)
          </option>
        </select>
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
    </section>
  );
}
