import { useMemo } from 'react';
import type { Descriptor } from '../../engine/protocol';
import { useApp, useImageLabel } from '../../store/app-store';
import {
  classesKey,
  classifyByFolder,
  folderClasses,
  percent,
  useFolderClasses,
} from '../../store/folder-classes';
import { useIndexing } from '../../store/indexer';
import { findSimilar } from '../../store/search';
import { countOf } from '../../lib/words';
import { NumberField } from '../shared/NumberField';

/** At most this many misclassified images are listed (the table counts them all). */
const SHOWN_MISTAKES = 12;

/**
 * Ranks an image's neighbours and brings them into view: they sit at the top of this view, a
 * few screens up on a phone, and the view does not change (so nothing else scrolls to them).
 */
function showNeighbours(id: string): void {
  findSimilar(id);
  requestAnimationFrame(() =>
    document.querySelector('.search-view')?.scrollIntoView({ block: 'start' }),
  );
}

/**
 * Folders as classes: how well the features separate the user's own dataset, measured as DINO
 * measures frozen features (leave-one-out k-NN), with what each folder is mistaken for and the
 * images that were (each opens its neighbours).
 */
export function FolderClasses({
  descriptor,
  describe,
}: {
  descriptor: Descriptor;
  describe: (d: Descriptor) => string;
}) {
  const images = useApp((s) => s.images);
  const modelKey = useApp((s) => s.model.modelKey);
  const s = useFolderClasses();
  const label = useImageLabel();
  const { members, classes, pending, mixed } = useMemo(() => folderClasses(images), [images]);
  const indexing = useIndexing((st) => st.running);
  // Images not indexed are waited for while indexing runs; after a Cancel they are left out.
  const waiting = indexing ? pending : 0;
  const unindexed = indexing ? 0 : pending;
  const key = classesKey(members, modelKey, descriptor);
  const r = s.result;
  const byId = useMemo(() => new Map(images.map((i) => [i.id, i])), [images]);
  const mistakes = r
    ? r.imageIds.flatMap((id, i) => {
        const entry = byId.get(id);
        const predicted = r.classes[r.predicted[i]];
        return entry && r.classOf[id] !== predicted ? [{ entry, predicted }] : [];
      })
    : [];

  return (
    <section className="folder-classes" aria-labelledby="folder-classes-heading">
      <h3 className="sub" id="folder-classes-heading">
        Folders as classes
      </h3>
      <p className="muted">
        Leave-one-out k-NN classification, as DINO evaluates frozen features: each image is given
        the folder its k nearest other images vote for, each with weight exp(cosine / T). Uses the{' '}
        {describe(descriptor)}; a model's earlier blocks can be compared with Features from (under
        Preprocessing).
      </p>
      <div className="toolbar">
        <NumberField
          label="Neighbours (k)"
          name="Neighbours (k)"
          min={1}
          max={100}
          value={s.k}
          onChange={(k) => useFolderClasses.setState({ k })}
        />
        <NumberField
          label="Temperature (T)"
          name="Temperature (T)"
          min={0.01}
          max={10}
          step={0.01}
          value={s.temperature}
          onChange={(temperature) => useFolderClasses.setState({ temperature })}
        />
        {/* Not disabled while it runs: a disabled button drops the keyboard's focus. */}
        <button
          type="button"
          disabled={classes.length < 2 || waiting > 0 || mixed > 0}
          aria-disabled={s.running}
          onClick={() => !s.running && void classifyByFolder(descriptor)}
        >
          {s.running ? 'Classifying…' : 'Classify by folder'}
        </button>
      </div>
      {mixed > 0 ? (
        <p className="muted">
          {countOf(mixed, 'image')} of the dataset {mixed === 1 ? 'has' : 'have'} features imported
          from another model&apos;s index, the others the loaded model&apos;s: their cosines mean
          nothing across models. Recompute them with the loaded model (the button in the
          Collection), then classify.
        </p>
      ) : waiting > 0 ? (
        <p className="muted">
          {countOf(waiting, 'image')} of the dataset {waiting === 1 ? 'is' : 'are'} still being
          indexed: classify once {waiting === 1 ? 'it is' : 'they are'}, so that every image counts.
        </p>
      ) : (
        classes.length < 2 && (
          <p className="muted">
            {classes.length === 0
              ? 'No indexed image is in a class folder.'
              : `Every indexed image is in one class, ${classes[0]}.`}{' '}
            Add a dataset with one folder per class (Add folder on a folder holding, say, cats/ and
            dogs/: each subfolder is a class, as torchvision's ImageFolder takes them) to classify
            by folder.
          </p>
        )
      )}
      {unindexed > 0 && classes.length >= 2 && mixed === 0 && (
        <p className="muted">
          {countOf(unindexed, 'image')} of the dataset {unindexed === 1 ? 'is' : 'are'} not indexed
          and {unindexed === 1 ? 'is' : 'are'} left out: Index remaining images, in the Collection,
          to count {unindexed === 1 ? 'it' : 'them'}.
        </p>
      )}
      {s.error && (
        <p role="alert" className="alert alert-error">
          {s.error}
        </p>
      )}
      {r && (
        <div>
          {/* (Announced once per run by the page's live region: see classifyByFolder.) */}
          <p>
            <strong>Accuracy {percent(r.total ? r.correct / r.total : 0)}</strong>: {r.correct} of{' '}
            {r.total} images in {r.classes.length} folders (always guessing the largest folder
            scores {percent(r.majority)}); k {r.k}
            {r.k > r.total - 1 ? ` (only ${countOf(r.total - 1, 'other image')})` : ''}, T{' '}
            {r.temperature}, {describe(r.descriptor)}
            {r.outside > 0
              ? `; ${countOf(r.outside, 'indexed image')} in no class folder left out`
              : ''}
            .
            {r.key !== key && (
              <em> The images, their features or the descriptor changed since: classify again.</em>
            )}
          </p>
          <table className="plain-table">
            <caption className="visually-hidden">Accuracy per folder</caption>
            <thead>
              <tr>
                <th scope="col">Folder</th>
                <th scope="col">Images</th>
                <th scope="col">Correct</th>
                <th scope="col">Most often taken for</th>
              </tr>
            </thead>
            <tbody>
              {r.classes.map((c, ci) => {
                const row = r.perClass[ci];
                let worst = -1;
                for (let p = 0; p < r.classes.length; p++) {
                  const n = r.confusion[ci * r.classes.length + p];
                  if (
                    p !== ci &&
                    n > 0 &&
                    (worst < 0 || n > r.confusion[ci * r.classes.length + worst])
                  )
                    worst = p;
                }
                return (
                  <tr key={c}>
                    <th scope="row">{c}</th>
                    <td>{row.count}</td>
                    <td>{row.count ? percent(row.correct / row.count) : '–'}</td>
                    <td>
                      {worst < 0
                        ? '–'
                        : `${r.classes[worst]} (${r.confusion[ci * r.classes.length + worst]})`}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {mistakes.length > 0 && (
            <>
              <p>
                Misclassified
                {mistakes.length > SHOWN_MISTAKES
                  ? ` (first ${SHOWN_MISTAKES} of ${mistakes.length})`
                  : ''}
                : each button shows the image's neighbours.
              </p>
              <ul className="plain">
                {mistakes.slice(0, SHOWN_MISTAKES).map(({ entry, predicted }) => (
                  <li key={entry.id}>
                    <button
                      type="button"
                      aria-label={`Show the neighbours of ${label(entry)}`}
                      onClick={() => showNeighbours(entry.id)}
                    >
                      {label(entry)}
                    </button>{' '}
                    taken for {predicted}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}
