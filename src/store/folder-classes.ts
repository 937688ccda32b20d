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

export interface FolderClassesResult extends KnnClassifyResult {
  /** Class names (folders), by class index. */
  classes: string[];
  descriptor: Descriptor;
  k: number;
  temperature: number;
  /** Images left out: indexed, but in no folder. */
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

/** The indexed images in a folder, and the sorted folder names (the classes). */
export function folderClasses(images: ImageEntry[]): {
  members: ImageEntry[];
  classes: string[];
  outside: number;
} {
  const done = images.filter((i) => i.status === 'done' && i.result);
  const members = done.filter((i) => i.folder);
  const classes = [...new Set(members.map((i) => i.folder!))].sort();
  return { members, classes, outside: done.length - members.length };
}

/** Identifies what a classification ran on: the images, their folders, model and descriptor. */
export function classesKey(
  members: ImageEntry[],
  modelKey: string | null,
  descriptor: Descriptor,
): string {
  return JSON.stringify([modelKey, descriptor, members.map((i) => [i.id, i.folder])]);
}

let latest = 0;

export async function classifyByFolder(descriptor: Descriptor): Promise<void> {
  const app = useApp.getState();
  const { members, classes, outside } = folderClasses(app.images);
  if (classes.length < 2) return;
  const { k, temperature } = useFolderClasses.getState();
  const index = new Map(classes.map((c, i) => [c, i]));
  const seq = ++latest;
  useFolderClasses.setState({ running: true, error: null });
  try {
    const r = await engine().call({
      type: 'knnClassify',
      imageIds: members.map((i) => i.id),
      labels: members.map((i) => index.get(i.folder!)!),
      classes: classes.length,
      descriptor,
      k,
      temperature,
    }).promise;
    if (seq !== latest) return;
    announce(
      `Classified by folder: accuracy ${(100 * (r.total ? r.correct / r.total : 0)).toFixed(1)}%, ` +
        `${r.correct} of ${r.total} images.`,
    );
    useFolderClasses.setState({
      running: false,
      result: {
        ...r,
        classes,
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
