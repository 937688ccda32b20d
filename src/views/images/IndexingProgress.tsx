/**
 * Background indexing of the collection: count, bar, time left, pause, resume and cancel, and
 * images left unindexed. In the side panel, so it is seen (and can be paused) from every view.
 *
 * Each box puts its text on a line of its own and its buttons on a row below: beside the buttons
 * the side panel left the text a column one word wide, and a row that rewrapped as the text
 * changed (the time left coming and going) would move the buttons under the pointer.
 */
import { useApp } from '../../store/app-store';
import { indexRemaining } from '../../store/controller';
import {
  cancelIndexing,
  finishingAfterCancel,
  pauseIndexing,
  secondsLeft,
  useIndexing,
  type IndexingState,
} from '../../store/indexer';
import { cancellingLine, runLine, unindexedLine } from './pending';

export function IndexingProgress() {
  const ix = useIndexing();
  const ready = useApp((s) => s.model.status === 'ready');
  // The images still in the worker after a cancel are not counted: they are about to be indexed.
  const unindexed = useApp(
    (s) => s.images.filter((i) => i.status === 'queued' && !ix.inFlight.includes(i.id)).length,
  );
  const finishing = finishingAfterCancel(ix);
  return (
    <>
      {/* A batch only: one image's progress is its card and the status line, and a bar drawn
          beside every single pick would cost the page work while the model runs. */}
      {ix.running && ix.total > 1 && <RunBox ix={ix} />}
      {/* Said at once, while the one or two images already in the worker finish. */}
      {finishing > 0 && (
        <div className="indexing" role="group" aria-label="Indexing">
          <p className="indexing-text">{cancellingLine(finishing)}</p>
        </div>
      )}
      {!ix.running && ready && unindexed > 0 && (
        <div className="indexing">
          <p className="indexing-text">{unindexedLine(unindexed)}</p>
          <div className="row wrap">
            <button type="button" onClick={() => indexRemaining()}>
              Index remaining images
            </button>
          </div>
        </div>
      )}
    </>
  );
}

function RunBox({ ix }: { ix: IndexingState }) {
  return (
    <div className="indexing" role="group" aria-label="Indexing">
      <p className="indexing-text">{runLine(ix, secondsLeft(ix))}</p>
      <progress
        aria-label="Indexing progress"
        max={Math.max(1, ix.total)}
        value={ix.done + ix.failed}
      />
      <div className="row wrap">
        <button type="button" onClick={() => pauseIndexing(!ix.paused)}>
          {ix.paused ? 'Resume indexing' : 'Pause indexing'}
        </button>
        <button type="button" onClick={() => cancelIndexing()}>
          Cancel indexing
        </button>
      </div>
    </div>
  );
}
