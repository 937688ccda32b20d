/**
 * The collection's housekeeping: the browser storage it uses, and exporting or importing its
 * index. (Indexing progress is in the side panel, IndexingProgress, seen from every view.)
 */
import { useEffect, useRef } from 'react';
import { formatBytes } from '../../lib/files';
import { countOf } from '../../lib/words';
import { useApp } from '../../store/app-store';
import { refreshStorageEstimate, useStorage } from '../../store/collection';
import {
  exportCollectionIndex,
  importCollectionIndex,
  recomputeImported,
} from '../../store/index-io';

export function CollectionBar() {
  const storage = useStorage();
  const images = useApp((s) => s.images);
  const done = images.filter((i) => i.status === 'done').length;
  useEffect(() => {
    void refreshStorageEstimate();
  }, [images.length, done]);

  const foreign = images.filter((i) => i.result?.importedFrom).length;
  const model = useApp((s) => s.model.info?.fileName);
  const importRef = useRef<HTMLInputElement>(null);
  return (
    <div className="collection-bar">
      <div className="row wrap">
        <small className="grow muted">
          {storage.saving > 0
            ? `Storing ${storage.saving} image${storage.saving === 1 ? '' : 's'} in this browser: leaving the page now would lose ${storage.saving === 1 ? 'it' : 'them'}.`
            : storage.available
              ? `Kept in this browser${storage.usage !== null ? `: ${formatBytes(storage.usage)} used` : ''}${
                  storage.quota ? ` of ${formatBytes(storage.quota)} available` : ''
                }.`
              : 'Browser storage is unavailable: the collection lasts for this session only.'}
        </small>
        {foreign > 0 && model && (
          <button
            type="button"
            title={`${countOf(foreign, 'image')} hold features imported from another model's index`}
            onClick={recomputeImported}
          >
            Recompute with {model}
          </button>
        )}
        <button type="button" disabled={done === 0} onClick={() => void exportCollectionIndex()}>
          Export index
        </button>
        {/* A real button opens the picker: a label around a hidden input is not focusable. */}
        <button type="button" onClick={() => importRef.current?.click()}>
          Import index
        </button>
        <input
          ref={importRef}
          type="file"
          aria-label="Import index files"
          multiple
          hidden
          accept=".json,.npy,image/*"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            void importCollectionIndex(files);
          }}
        />
      </div>
    </div>
  );
}
