/** The messages of an index import (index-io.ts), kept apart so that they can be unit-tested. */
import type { IndexManifest } from './index-io';

/** What an import did, entry by entry: imported, refused, already indexed, or without an image. */
export function importSummary(
  file: string,
  total: number,
  n: { imported: number; refused: number; kept: number },
): string {
  const missing = total - n.imported - n.refused - n.kept;
  const parts = [`Imported features for ${n.imported} of ${total} images from ${file}.`];
  if (n.refused > 0)
    parts.push(
      `${n.refused} ${n.refused === 1 ? 'entry does' : 'entries do'} not fit the loaded model (see the messages above); ${n.refused === 1 ? 'its image is' : 'their images are'} indexed with the loaded model instead.`,
    );
  if (n.kept > 0)
    parts.push(
      `${n.kept} ${n.kept === 1 ? 'image already has' : 'images already have'} features and ${n.kept === 1 ? 'keeps them' : 'keep them'}.`,
    );
  if (missing > 0)
    parts.push(
      `${missing} ${missing === 1 ? 'entry has' : 'entries have'} no image of that name in the collection: pick the images together with the index files to import them.`,
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
