/** The messages of an index import (index-io.ts), kept apart so that they can be unit-tested. */
import type { IndexManifest } from './index-io';

/**
 * What an import did, entry by entry: imported, refused, already indexed, not told apart from
 * another image, or without an image.
 */
export function importSummary(
  file: string,
  total: number,
  n: { imported: number; refused: number; kept: number; ambiguous?: number },
): string {
  const ambiguous = n.ambiguous ?? 0;
  const missing = total - n.imported - n.refused - n.kept - ambiguous;
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
  if (missing > 0)
    parts.push(
      `${missing} ${missing === 1 ? 'entry has' : 'entries have'} no image of that name (and content) in the collection: pick the images together with the index files to import them.`,
    );
  return parts.join(' ');
}

/** Which model an index came from, told apart from the loaded one even when both share a name. */
export function mismatchedModel(made: IndexManifest['model'], loaded: string): string {
  const from =
    made.source && made.source !== made.file ? `${made.file} (${made.source})` : made.file;
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

/** Which image an entry belongs to, or why none: not one image could be told (or none is there). */
export type EntryMatch = { imageId: string } | 'ambiguous' | 'missing';

/**
 * Matches index entries to images, never two entries to one image. By name (and folder, else an
 * image without one), then by size and content: a SHA-256 in the entry settles it. An entry without
 * one (an older index) matches only where that is unambiguous: the images it could be are
 * byte-identical, and no other entry of the index could be them too. `digest` gives an image's
 * SHA-256, computed only when needed.
 */
export async function matchEntries(
  entries: EntryKey[],
  images: ImageKey[],
  digest: (id: string) => Promise<string>,
): Promise<EntryMatch[]> {
  const candidates = await Promise.all(
    entries.map(async (e) => {
      const named = images.filter((i) => i.name === e.name);
      const inFolder = e.folder ? named.filter((i) => i.folder === e.folder) : [];
      let c = inFolder.length > 0 ? inFolder : named.filter((i) => !i.folder);
      if (e.bytes !== undefined) c = c.filter((i) => i.size === e.bytes);
      if (e.sha256 !== undefined) {
        const same = await Promise.all(c.map(async (i) => (await digest(i.id)) === e.sha256));
        c = c.filter((_, k) => same[k]);
      }
      return c;
    }),
  );
  const ambiguous = await Promise.all(
    entries.map(async (e, k) => {
      if (e.sha256 !== undefined) return false;
      const mine = candidates[k];
      if (mine.length > 1 && new Set(await Promise.all(mine.map((i) => digest(i.id)))).size > 1)
        return true;
      // Another entry that could be the same image: which of the two it is cannot be told.
      return entries.some((_, j) => j !== k && candidates[j].some((i) => mine.includes(i)));
    }),
  );
  const claimed = new Set<string>();
  return entries.map((_, k) => {
    if (ambiguous[k]) return 'ambiguous';
    const free = candidates[k].filter((i) => !claimed.has(i.id));
    const pick = free.find((i) => i.needsFeatures) ?? free[0];
    if (!pick) return 'missing';
    claimed.add(pick.id);
    return { imageId: pick.id };
  });
}
