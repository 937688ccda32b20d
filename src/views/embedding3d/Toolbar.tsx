/**
 * The 3D view's controls, all bound to the embedding3d store: what the points are (images or
 * patches), descriptor, layout method, 2D/3D space, colouring and k, thumbnails, neighbour count
 * and the camera reset, plus a second row with the UMAP parameters when UMAP is chosen. The
 * accessible names here (Points, Descriptor, Layout, Dimensions, Colour by, Clusters, Neighbours,
 * UMAP nNeighbors/minDist/seed) are what tests and users' scripts address.
 */
import { setEmbedding3d, setUmapParams, type Embedding3dSettings } from '../../store/embedding3d';
import { NumberField } from '../shared/NumberField';

export function Toolbar({
  settings,
  onResetView,
}: {
  settings: Embedding3dSettings;
  onResetView: () => void;
}) {
  const images = settings.mode === 'images';
  return (
    <div className="toolbar">
      <label>
        Points{' '}
        <select
          aria-label="Points"
          value={settings.mode}
          onChange={(e) => setEmbedding3d({ mode: e.target.value as 'images' | 'patches' })}
        >
          <option value="images">one per image</option>
          <option value="patches">patches of images</option>
        </select>
      </label>
      {images && (
        <>
          <label>
            Descriptor{' '}
            <select
              aria-label="Descriptor"
              value={settings.descriptor}
              onChange={(e) => setEmbedding3d({ descriptor: e.target.value as 'cls' | 'mean' })}
            >
              <option value="cls">CLS token</option>
              <option value="mean">mean of patches</option>
            </select>
          </label>
          <label>
            Layout{' '}
            <select
              aria-label="Layout"
              value={settings.method}
              onChange={(e) => setEmbedding3d({ method: e.target.value as 'pca' | 'umap' })}
            >
              <option value="pca">PCA</option>
              <option value="umap">UMAP</option>
            </select>
          </label>
        </>
      )}
      <label>
        Space{' '}
        <select
          aria-label="Dimensions"
          value={settings.dims}
          onChange={(e) => setEmbedding3d({ dims: Number(e.target.value) as 2 | 3 })}
        >
          <option value={3}>3D</option>
          <option value={2}>2D</option>
        </select>
      </label>
      {images && (
        <>
          <label>
            Colour{' '}
            <select
              aria-label="Colour by"
              value={settings.colourBy}
              onChange={(e) =>
                setEmbedding3d({ colourBy: e.target.value as Embedding3dSettings['colourBy'] })
              }
            >
              <option value="cluster">k-means cluster</option>
              <option value="folder">folder</option>
              <option value="none">none</option>
            </select>
          </label>
          {settings.colourBy === 'cluster' && (
            <NumberField
              label="Clusters"
              name="Clusters"
              min={1}
              max={50}
              value={settings.k}
              onChange={(k) => setEmbedding3d({ k })}
            />
          )}
          <label>
            <input
              type="checkbox"
              checked={settings.thumbnails}
              onChange={(e) => setEmbedding3d({ thumbnails: e.target.checked })}
            />{' '}
            Thumbnails
          </label>
          <NumberField
            label="Neighbours"
            name="Neighbours"
            min={0}
            max={50}
            value={settings.neighbours}
            onChange={(neighbours) => setEmbedding3d({ neighbours })}
          />
        </>
      )}
      <button type="button" onClick={onResetView}>
        Reset view
      </button>
    </div>
  );
}

/** UMAP's parameters (shown while image mode uses UMAP). */
export function UmapToolbar({ umap }: { umap: Embedding3dSettings['umap'] }) {
  return (
    <div className="toolbar">
      <NumberField
        label="UMAP neighbours"
        name="UMAP nNeighbors"
        min={2}
        max={200}
        value={umap.nNeighbors}
        onChange={(nNeighbors) => setUmapParams({ nNeighbors })}
      />
      <NumberField
        label="min distance"
        name="UMAP minDist"
        min={0}
        max={1}
        step={0.05}
        value={umap.minDist}
        onChange={(minDist) => setUmapParams({ minDist })}
      />
      <label>
        seed{' '}
        <input
          type="number"
          aria-label="UMAP seed"
          value={umap.seed}
          onChange={(e) => setUmapParams({ seed: Math.floor(Number(e.target.value) || 0) })}
        />
      </label>
    </div>
  );
}
