/**
 * Folders as classes: leave-one-out k-NN classification of the collection (DINO's evaluation of
 * frozen features), computed in the worker. The result remembers what it was computed on, so
 * the view can say when the collection, the model or the descriptor has changed since.
 */
import { create } from 'zustand';
import type { Descriptor, KnnClassifyResult } from '../engine/protocol';
import { announce } from '../lib/announce';
import type { ExplorerError } from '../lib/errors';
import { useApp, type ImageEntry } from './app-store';
import { engine } from './controller';
import { modelIdentity } from './index-io';
import { useIndexing } from './indexer';

export interface FolderClassesResult extends KnnClassifyResult {
  /** Class names (folders), by class index. */
  classes: string[];
  /** Each classified image's class, by image id. */
  classOf: Record<string, string>;
  descriptor: Descriptor;
  k: number;
  temperature: number;
  /** Images left out: indexed, but in no class folder. */
  outside: number;
  /** What it was computed on (see classesKey). */
  key: string;
}

interface FolderClassesState {
  k: number;
  temperature: number;
  running: boolean;
  result: FolderClassesResult | null;
  error: string | null;
}

/** DINO's eval_knn defaults. */
export const useFolderClasses = create<FolderClassesState>()(() => ({
  k: 20,
  temperature: 0.07,
  running: false,
  result: null,
  error: null,
}));

/**
 * The classes of a class-per-folder dataset, as torchvision's ImageFolder takes them: below the
 * folder all the images share (the one picked), each subfolder is a class, with what its own
 * subfolders hold; images right in the shared folder belong to none. Images in no folder (loose
 * picks) neither.
 */
export function classOfFolders(folders: (string | undefined)[]): (string | null)[] {
  const paths = folders.map((f) => (f ? f.split('/') : null));
  const some = paths.filter((p): p is string[] => p !== null);
  let shared = some.length > 0 ? some[0].length : 0;
  for (const p of some) {
    let i = 0;
    while (i < shared && i < p.length && p[i] === some[0][i]) i++;
    shared = i;
  }
  return paths.map((p) => (p && p.length > shared ? p[shared] : null));
}

export interface FolderMembers {
  /** The indexed images that have a class, with it. */
  members: { entry: ImageEntry; label: string }[];
  /** The class names, sorted. */
  classes: string[];
  /** Indexed images with no class (loose, or right in the dataset's folder). */
  outside: number;
  /**
   * Images with a class not indexed yet: being indexed (a classification now would leave them
   * out), or left so by a cancelled run.
   */
  pending: number;
  /**
   * Members whose features were imported from another model's index, when the others' come from
   * elsewhere: cosines across two models mean nothing, so no classification then.
   */
  mixed: number;
}

/** Where an image's features come from: the loaded model ('') or an imported index's model. */
const originOf = (e: ImageEntry) => {
  const from = e.result?.importedFrom;
  return from ? modelIdentity(from) : '';
};

export function folderClasses(images: ImageEntry[]): FolderMembers {
  const labels = classOfFolders(images.map((i) => i.folder));
  const members: FolderMembers['members'] = [];
  let outside = 0;
  let pending = 0;
  images.forEach((entry, i) => {
    const label = labels[i];
    const done = entry.status === 'done' && entry.result;
    if (label !== null && entry.status === 'queued') pending++;
    if (!done) return;
    if (label === null) outside++;
    else members.push({ entry, label });
  });
  const classes = [...new Set(members.map((m) => m.label))].sort((a, b) => a.localeCompare(b));
  const origins = new Set(members.map((m) => originOf(m.entry)));
  const foreign = members.filter((m) => originOf(m.entry) !== '').length;
  return { members, classes, outside, pending, mixed: origins.size > 1 ? foreign : 0 };
}

/** Identifies what a classification ran on: the images, their classes, model and descriptor. */
export function classesKey(
  members: FolderMembers['members'],
  modelKey: string | null,
  descriptor: Descriptor,
): string {
  return JSON.stringify([
    modelKey,
    descriptor,
    members.map((m) => [m.entry.id, m.label, originOf(m.entry)]),
  ]);
}

/** A share as the view and the announcement say it: "87.5%". */
export const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

let latest = 0;

export async function classifyByFolder(descriptor: Descriptor): Promise<void> {
  const app = useApp.getState();
  const { members, classes, outside, pending, mixed } = folderClasses(app.images);
  // (Images left unindexed by a cancelled run are not waited for: they are left out.)
  if (classes.length < 2 || (pending > 0 && useIndexing.getState().running) || mixed > 0) return;
  const { k, temperature } = useFolderClasses.getState();
  const index = new Map(classes.map((c, i) => [c, i]));
  const seq = ++latest;
  useFolderClasses.setState({ running: true, error: null });
  try {
    const r = await engine().call({
      type: 'knnClassify',
      imageIds: members.map((m) => m.entry.id),
      labels: members.map((m) => index.get(m.label)!),
      classes: classes.length,
      descriptor,
      k,
      temperature,
    }).promise;
    if (seq !== latest) return;
    announce(
      `Classified by folder: accuracy ${percent(r.total ? r.correct / r.total : 0)}, ` +
        `${r.correct} of ${r.total} images.`,
    );
    useFolderClasses.setState({
      running: false,
      result: {
        ...r,
        classes,
        classOf: Object.fromEntries(members.map((m) => [m.entry.id, m.label])),
        descriptor,
        k,
        temperature,
        outside,
        key: classesKey(members, app.model.modelKey, descriptor),
      },
    });
  } catch (err) {
    if (seq !== latest) return;
    useFolderClasses.setState({ running: false, error: (err as ExplorerError).message });
  }
}
