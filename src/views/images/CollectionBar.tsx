/**
 * The collection's housekeeping: indexing progress (count, bar, time left, pause, cancel), the
 * browser storage it uses, and exporting or importing its index.
 */
import { useEffect } from 'react';
import { formatBytes } from '../../lib/files';
import { useApp } from '../../store/app-store';
import { refreshStorageEstimate, useStorage } from '../../store/collection';
import { indexRemaining } from '../../store/controller';
import { exportCollectionIndex, importCollectionIndex } from '../../store/index-io';
import { cancelIndexing, pauseIndexing, secondsLeft, useIndexing } from '../../store/indexer';

export function CollectionBar() {
  const ix = useIndexing();
  const storage = useStorage();
  const images = useApp((s) => s.images);
  const ready = useApp((s) => s.model.status === 'ready');
  const done = images.filter((i) => i.status === 'done').length;
  const unindexed = images.filter((i) => i.status === 'queued').length;
  useEffect(() => {
    void refreshStorageEstimate();
  }, [images.length, done]);

  const left = secondsLeft(ix);
  return (
    <div className="collection-bar">
      {ix.running && (
        <div className="indexing" aria-label="Indexing">
          <div className="row">
            <span className="grow">
              {ix.paused ? 'Paused: ' : 'Indexing '}
              {ix.done} of {ix.total} images
              {ix.failed > 0 ? ` (${ix.failed} failed)` : ''}
              {left !== null && !ix.paused ? ` · about ${formatDuration(left)} left` : ''}
            </span>
            <button type="button" onClick={() => pauseIndexing(!ix.paused)}>
              {ix.paused ? 'Resume indexing' : 'Pause indexing'}
            </button>
            <button type="button" onClick={() => cancelIndexing()}>
              Cancel indexing
            </button>
          </div>
          <progress
            aria-label="Indexing progress"
            max={Math.max(1, ix.total)}
            value={ix.done + ix.failed}
          />
        </div>
      )}
      {!ix.running && ready && unindexed > 0 && (
        <p className="row">
          <span className="grow">{unindexed} images are not indexed.</span>
          <button type="button" onClick={() => indexRemaining()}>
            Index remaining images
          </button>
        </p>
      )}
      <div className="row wrap">
        <small className="grow muted">
          {storage.available
            ? `Kept in this browser${storage.usage !== null ? `: ${formatBytes(storage.usage)} used` : ''}${
                storage.quota ? ` of ${formatBytes(storage.quota)} available` : ''
              }.`
            : 'Browser storage is unavailable: the collection lasts for this session only.'}
        </small>
        <button type="button" disabled={done === 0} onClick={() => void exportCollectionIndex()}>
          Export index
        </button>
        <label className="button-like">
          Import index
          <input
            type="file"
            aria-label="Import index"
            multiple
            hidden
            accept=".json,.npy,image/*"
            onChange={(e) => {
              const files = [...(e.target.files ?? [])];
              e.target.value = '';
              void importCollectionIndex(files);
            }}
          />
        </label>
      </div>
    </div>
  );
}

function formatDuration(s: number): string {
  if (s < 60) return `${Math.max(1, Math.round(s))} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
