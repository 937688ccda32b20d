/**
 * Background indexing of the collection: count, bar, time left, pause, resume and cancel, and
 * images left unindexed. In the side panel, so it is seen (and can be paused) from every view.
 */
import { useApp } from '../../store/app-store';
import { indexRemaining } from '../../store/controller';
import { cancelIndexing, pauseIndexing, secondsLeft, useIndexing } from '../../store/indexer';

export function IndexingProgress() {
  const ix = useIndexing();
  const ready = useApp((s) => s.model.status === 'ready');
  const unindexed = useApp((s) => s.images.filter((i) => i.status === 'queued').length);
  const left = secondsLeft(ix);
  return (
    <>
      {/* A batch only: one image's progress is its card and the status line, and a bar drawn
          beside every single pick would cost the page work while the model runs. */}
      {ix.running && ix.total > 1 && (
        <div className="indexing" role="group" aria-label="Indexing">
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
    </>
  );
}

function formatDuration(s: number): string {
  if (s < 60) return `${Math.max(1, Math.round(s))} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
