/** The messages of an index import (index-io.ts), kept apart so that they can be unit-tested. */
import type { IndexManifest } from './index-io';

/** What an import did with the entries of an index, counted (see importSummary). */
export interface ImportCounts {
  imported: number;
  /** Refused by the engine: they do not fit the loaded model. */
  refused: number;
  /** Matched to an image that already has features. */
  kept: number;
  ambiguous?: number;
  /** Unmatched (see Unmatched); the entries counted nowhere else have no image of their name. */
  otherContent?: number;
  otherFolder?: number;
  taken?: number;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The sentences for entries that matched no image, each saying why (see Unmatched). */
function unmatchedParts(n: ImportCounts, missing: number): string[] {
  const parts: string[] = [];
  const { otherContent = 0, otherFolder = 0, taken = 0 } = n;
  if (otherContent > 0)
    parts.push(
      `${plural(otherContent, 'entry matches', 'entries match')} no image in the collection: the images of the same name are other files (their size or content differs).`,
    );
  if (otherFolder > 0)
    parts.push(
      `${plural(otherFolder, 'entry names an image', 'entries name images')} found only in other folders, and the index does not record contents to tell whether ${otherFolder === 1 ? 'it is the same' : 'they are the same'}; not imported.`,
    );
  if (taken > 0)
    parts.push(
      `${plural(taken, 'entry was', 'entries were')} not imported because the image of that name and content went to another entry of the index (an image takes one entry's features).`,
    );
  if (missing > 0)
    parts.push(
      `${plural(missing, 'entry has', 'entries have')} no image of that name in the collection: add the images, or pick them together with the index files, to import them.`,
    );
  return parts;
}

/**
 * What an import did, entry by entry: imported, refused, already indexed, not told apart from
 * another image, or without an image (and why).
 */
export function importSummary(file: string, total: number, n: ImportCounts): string {
  const ambiguous = n.ambiguous ?? 0;
  const unmatched = (n.otherContent ?? 0) + (n.otherFolder ?? 0) + (n.taken ?? 0);
  const missing = total - n.imported - n.refused - n.kept - ambiguous - unmatched;
  const parts = [`Imported features for ${n.imported} of ${total} images from ${file}.`];
  if (n.refused > 0)
    parts.push(
      `${n.refused} ${n.refused === 1 ? 'entry does' : 'entries do'} not fit the loaded model (see the messages above); ${n.refused === 1 ? 'its image is' : 'their images are'} indexed with the loaded model instead.`,
    );
  if (n.kept > 0)
    parts.push(
      `${n.kept} ${n.kept === 1 ? 'image already has' : 'images already have'} features and ${n.kept === 1 ? 'keeps them' : 'keep them'}.`,
    );
  if (ambiguous > 0)
    parts.push(
      `${ambiguous} ${ambiguous === 1 ? 'entry was' : 'entries were'} not imported because ${ambiguous === 1 ? 'its image' : 'their images'} could not be told apart from another of the same name (see the message above).`,
    );
  return [...parts, ...unmatchedParts(n, missing)].join(' ');
}

/** Whether two model keys (`<fingerprint>:<backend>[:block<K>]`) name the same weights. */
export function sameWeights(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a.split(':')[0] === b.split(':')[0];
}

/** Which model an index came from, told apart from the loaded one even when both share a name. */
export function mismatchedModel(
  made: IndexManifest['model'],
  loaded: string,
  loadedModel: { key: string | null; block: number | null } = { key: null, block: null },
): string {
  const from =
    made.source && made.source !== made.file ? `${made.file} (${made.source})` : made.file;
  const madeBlock = made.block ?? null;
  const loadedBlock = loadedModel.block;
  // The same weights, another block: say so.
  if (made.file === loaded && sameWeights(made.key, loadedModel.key) && madeBlock !== loadedBlock) {
    const which = (b: number | null) => (b === null ? 'its output' : `block ${b}`);
    return (
      `This index holds the features of ${from} from ${which(madeBlock)}, but the loaded ` +
      `model gives ${which(loadedBlock)} (Features from, under Preprocessing)`
    );
  }
  // The same weights and block on another backend: its float rounding differs a little.
  if (made.file === loaded && sameWeights(made.key, loadedModel.key)) {
    const backend = (key: string | null) => key?.split(':')[1] ?? 'another backend';
    return (
      `This index was made with ${from} on ${backend(made.key)}, and the loaded one runs on ` +
      `${backend(loadedModel.key)} (their features differ by rounding)`
    );
  }
  if (made.file !== loaded)
    return `This index was made with ${from}, not with the loaded model (${loaded})`;
  const why = made.key === null ? 'the index does not record its weights' : 'their weights differ';
  return `This index was made with a ${from} that is not known to be the loaded one (${why})`;
}

/** An index entry as far as matching goes (IndexManifest's images). */
export interface EntryKey {
  name: string;
  folder?: string;
  /** The image file's byte size and SHA-256 (hex); in indexes exported since they were added. */
  bytes?: number;
  sha256?: string;
}

/** A collection image as far as matching goes. */
export interface ImageKey {
  id: string;
  name: string;
  folder?: string;
  size: number;
  /** No features yet, or picked with the index: preferred over one that has its features. */
  needsFeatures: boolean;
}

/**
 * Why an entry has no image: none of its name ('missing'); only other files of its name, by size
 * or content ('other-content'); for an entry without its content (an older index), images of its
 * name only in unrelated folders ('other-folder'); or its image went to another entry ('taken').
 */
export type Unmatched = 'missing' | 'other-content' | 'other-folder' | 'taken';

/** Which image an entry belongs to, or why none: not one image could be told, or none is there. */
export type EntryMatch = { imageId: string } | 'ambiguous' | Unmatched;

const SAME_FOLDER = Number.MAX_SAFE_INTEGER;

/**
 * How well an image's folder fits an entry's: the same folder best, then the number of trailing
 * folder names they share (the same dataset picked under another root: "ds/cats" and
 * "dataset/cats", or only its "cats" subfolder, share one), 0 where either has no folder, and -1
 * for folders with nothing in common.
 */
export function folderFit(entry: string | undefined, image: string | undefined): number {
  if ((entry ?? '') === (image ?? '')) return SAME_FOLDER;
  if (!entry || !image) return 0;
  const a = entry.split('/');
  const b = image.split('/');
  let k = 0;
  while (k < a.length && k < b.length && a[a.length - 1 - k] === b[b.length - 1 - k]) k++;
  return k > 0 ? k : -1;
}

interface Fit {
  image: ImageKey;
  fit: number;
}

/**
 * The images an entry could be, each with its folder fit, or why there is none. With a SHA-256 the
 * content settles it wherever the image sits. Without one (an older index) the folder is all that
 * tells images of one name apart: only the best-fitting images count, never an unrelated folder.
 */
async function candidatesOf(
  e: EntryKey,
  images: ImageKey[],
  digest: (id: string) => Promise<string>,
): Promise<Fit[] | Exclude<Unmatched, 'taken'>> {
  const named = images.filter((i) => i.name === e.name);
  if (named.length === 0) return 'missing';
  let c = e.bytes === undefined ? named : named.filter((i) => i.size === e.bytes);
  if (e.sha256 !== undefined) {
    const same = await Promise.all(c.map(async (i) => (await digest(i.id)) === e.sha256));
    c = c.filter((_, k) => same[k]);
  }
  if (c.length === 0) return 'other-content';
  const fits = c.map((image) => ({ image, fit: folderFit(e.folder, image.folder) }));
  if (e.sha256 !== undefined) return fits;
  const best = Math.max(...fits.map((f) => f.fit));
  return best < 0 ? 'other-folder' : fits.filter((f) => f.fit === best);
}

/**
 * Whether an entry without a SHA-256 cannot be told to one image: the images it could be differ in
 * content, or another entry could be one of them too (which of the two it is cannot be told).
 */
async function isAmbiguous(
  e: EntryKey,
  k: number,
  candidates: (Fit[] | Unmatched)[],
  digest: (id: string) => Promise<string>,
): Promise<boolean> {
  const mine = candidates[k];
  if (e.sha256 !== undefined || typeof mine === 'string') return false;
  const ids = mine.map((f) => f.image.id);
  if (ids.length > 1 && new Set(await Promise.all(ids.map(digest))).size > 1) return true;
  return candidates.some(
    (c, j) => j !== k && typeof c !== 'string' && c.some((f) => ids.includes(f.image.id)),
  );
}

/**
 * Gives each entry at most one image and each image at most one entry, best fits first: the same
 * folder, then the longest shared tail of folders, then any; among equals an image that needs its
 * features, then the index's order.
 */
function assign(candidates: (Fit[] | Unmatched)[], skip: boolean[]): Map<number, string> {
  const pairs = candidates.flatMap((c, k) =>
    typeof c === 'string' || skip[k] ? [] : c.map((f) => ({ k, ...f })),
  );
  pairs.sort(
    (a, b) =>
      b.fit - a.fit || Number(b.image.needsFeatures) - Number(a.image.needsFeatures) || a.k - b.k,
  );
  const picked = new Map<number, string>();
  const claimed = new Set<string>();
  for (const p of pairs) {
    if (picked.has(p.k) || claimed.has(p.image.id)) continue;
    picked.set(p.k, p.image.id);
    claimed.add(p.image.id);
  }
  return picked;
}

/**
 * Matches index entries to images, never two entries to one image: by name and content (size and
 * SHA-256 where the entry has them), preferring the entry's own folder, then the folder that ends
 * like it, so that a dataset picked under another root or only in part still matches. An entry
 * without a SHA-256 (an older index) matches only where that is unambiguous: the images it could be
 * are byte-identical, and no other entry of the index could be them too. `digest` gives an image's
 * SHA-256, computed only when needed.
 */
export async function matchEntries(
  entries: EntryKey[],
  images: ImageKey[],
  digest: (id: string) => Promise<string>,
): Promise<EntryMatch[]> {
  const candidates = await Promise.all(entries.map((e) => candidatesOf(e, images, digest)));
  const ambiguous = await Promise.all(entries.map((e, k) => isAmbiguous(e, k, candidates, digest)));
  const picked = assign(candidates, ambiguous);
  return candidates.map((c, k) => {
    if (ambiguous[k]) return 'ambiguous';
    const id = picked.get(k);
    if (id !== undefined) return { imageId: id };
    return typeof c === 'string' ? c : 'taken';
  });
}
