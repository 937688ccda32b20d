import { useEffect, useState } from 'react';
import type { BackendChoice } from '../../engine/protocol';
import { formatBytes } from '../../lib/files';
import { deleteCachedModel, listCachedModels, type CachedModel } from '../../model/cache';
import { CATALOG, catalogUrl, defaultVariant, findCatalogModel } from '../../model/catalog';
import { listLocalModels, localModelUrl, type LocalModel } from '../../model/local-models';
import { imagesInModelPick, splitModelPick } from '../../model/picked-files';
import { pushAlert, useApp } from '../../store/app-store';
import { cancelModelLoad, loadModel, updateSettings } from '../../store/controller';
import { DownloadBar } from './DownloadBar';
import { UrlForm } from '../shared/UrlForm';
import { setKeepModelFiles, useStorage } from '../../store/collection';

/** Every way to get a model: a file, a URL, the catalogue, the same-origin folder, the cache. */
export function ModelPanel() {
  const settings = useApp((s) => s.settings);
  const model = useApp((s) => s.model);
  const engine = useApp((s) => s.engine);
  const [catalogId, setCatalogId] = useState(CATALOG[0].id);
  const effectiveBackend =
    settings.backend === 'auto' ? (engine.webgpu ? 'webgpu' : 'wasm') : settings.backend;
  const suggested = defaultVariant(effectiveBackend, model.report?.shaderF16 ?? false);
  const [variantId, setVariantId] = useState<string | null>(null);
  const catalogModel = findCatalogModel(catalogId) ?? CATALOG[0];
  const variant =
    catalogModel.variants.find((v) => v.id === (variantId ?? suggested)) ??
    catalogModel.variants[0];
  const keepFiles = useStorage((st) => st.keepModelFiles);
  const [local, setLocal] = useState<LocalModel[]>([]);
  const [cached, setCached] = useState<CachedModel[]>([]);

  const refreshCache = () => void listCachedModels().then(setCached, () => setCached([]));
  // Again when a load ends, whether it worked or not: a refused download leaves the cache.
  useEffect(() => {
    void listLocalModels().then(setLocal);
    refreshCache();
  }, [model.source, model.loading]);

  return (
    <section className="panel" aria-labelledby="model-heading">
      <h2 id="model-heading">Model</h2>
      <label className="field">
        <span>Model file</span>
        <input
          type="file"
          aria-label="Model file"
          multiple
          accept=".onnx,.onnx_data,.data"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            loadPickedModel(files);
          }}
        />
        <small>The .onnx file, and its .onnx_data file if it has one (pick both at once).</small>
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={keepFiles}
          onChange={(e) => setKeepModelFiles(e.target.checked)}
        />{' '}
        Keep model files in this browser, so the model comes back on my next visit (uses their size
        in browser storage)
      </label>

      <UrlForm
        label="Model URL"
        button="Load URL"
        placeholder="https://…/model.onnx"
        onSubmit={(url, shown) => loadModel({ kind: 'url', url }, shown)}
      />

      <div className="field">
        <span>Catalogue</span>
        <div className="row wrap catalogue-row">
          <select
            aria-label="Catalogue model"
            value={catalogId}
            onChange={(e) => setCatalogId(e.target.value)}
          >
            {CATALOG.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </select>
          <select
            aria-label="Variant"
            value={variant.id}
            onChange={(e) => setVariantId(e.target.value)}
          >
            {catalogModel.variants.map((v) => (
              <option key={v.id} value={v.id}>
                {v.id} · {v.approx ? '≈' : ''}
                {v.megabytes} MB{v.id === suggested ? ' (suggested)' : ''}
              </option>
            ))}
          </select>
          <button
            type="button"
            onClick={() =>
              void loadModel(
                {
                  kind: 'url',
                  url: catalogUrl(catalogModel, variant),
                  expectedBytes: Math.round(variant.megabytes * 1e6),
                },
                `${catalogModel.id} (${variant.id})`,
                { kind: 'catalog', id: catalogModel.id, variant: variant.id },
              )
            }
          >
            Download
          </button>
        </div>
        <small>From {catalogModel.repo}; cached in this browser after the first download.</small>
      </div>

      {local.length > 0 && (
        <div className="field">
          <span>This site's models</span>
          <ul className="plain">
            {local.flatMap((m) =>
              m.variants.map((v) => (
                <li key={`${m.id}/${v.file}`}>
                  <button
                    type="button"
                    onClick={() =>
                      void loadModel(
                        { kind: 'url', url: localModelUrl(m.id, v.file), expectedBytes: v.bytes },
                        `${m.id}/${v.file}`,
                      )
                    }
                  >
                    Load {m.id}/{v.file}
                  </button>{' '}
                  <small>
                    {formatBytes(v.bytes + v.dataFiles.reduce((a, d) => a + d.bytes, 0))}
                  </small>
                </li>
              )),
            )}
          </ul>
        </div>
      )}

      <label className="field">
        <span>Backend</span>
        <select
          aria-label="Backend"
          value={settings.backend}
          onChange={(e) => updateSettings({ backend: e.target.value as BackendChoice })}
        >
          <option value="auto">auto (WebGPU if available)</option>
          <option value="webgpu">webgpu</option>
          <option value="wasm">wasm</option>
        </select>
        <small>
          {engine.webgpu === null
            ? 'Checking for WebGPU…'
            : engine.webgpu
              ? 'WebGPU is available.'
              : 'WebGPU is not available here; WASM runs the model.'}{' '}
          {engine.crossOriginIsolated
            ? 'WASM threads on.'
            : 'WASM runs single-threaded (page not cross-origin isolated).'}
        </small>
      </label>

      {model.download && <DownloadBar download={model.download} onCancel={cancelModelLoad} />}
      {model.loading && !model.download && (
        <div className="row">
          <span className="spinner" aria-hidden />
          <span>{model.stage}</span>
          <button type="button" onClick={cancelModelLoad}>
            Cancel
          </button>
        </div>
      )}

      {cached.length > 0 && (
        <details className="field">
          <summary>Cached models ({cached.length})</summary>
          <ul className="plain">
            {cached.map((c) => (
              <li key={c.url} className="row">
                <span className="grow ellipsis" title={c.url}>
                  {c.url.split('/').slice(-3).join('/')}
                </span>
                <small>{formatBytes(c.bytes)}</small>
                <button
                  type="button"
                  aria-label={`Delete cached ${c.url}`}
                  onClick={() => void deleteCachedModel(c.url).then(refreshCache)}
                >
                  Delete
                </button>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

/**
 * Loads the model among files picked in "Model file". Images picked there are named, with where
 * to add them, rather than dropped or read as a model (see picked-files.ts).
 */
function loadPickedModel(files: File[]): void {
  const { model, images } = splitModelPick(files);
  if (images.length > 0) {
    pushAlert({
      kind: model.length > 0 ? 'notice' : 'error',
      message: imagesInModelPick(images, model.length > 0),
      subject: images[0].name,
      topic: 'model',
    });
  }
  if (model.length > 0) void loadModel({ kind: 'files', files: model }, model[0].name);
}
