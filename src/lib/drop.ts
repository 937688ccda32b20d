/** Collects the files of a drop, walking into dropped folders. */
export async function filesFromDrop(dt: DataTransfer): Promise<File[]> {
  const entries = [...dt.items]
    .map((it) => (it.kind === 'file' ? it.webkitGetAsEntry?.() : null))
    .filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return [...dt.files];
  return filesOfEntries(entries);
}

/** The files of dropped entries, folders walked, each knowing its path inside what was dropped. */
export async function filesOfEntries(entries: FileSystemEntry[]): Promise<File[]> {
  const out: File[] = [];
  for (const e of entries) await walk(e, out);
  return out;
}

async function walk(entry: FileSystemEntry, out: File[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) =>
      (entry as FileSystemFileEntry).file(res, rej),
    );
    out.push(withRelativePath(file, entry.fullPath));
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries returns the folder in batches until it returns an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, out);
  }
}

/**
 * A file from a dropped folder comes with an empty `webkitRelativePath` (only the folder picker
 * fills it), so its folder would be lost: the 3D view's colours by folder, the labels that tell
 * cats/001.jpg from dogs/001.jpg and the index's folder-and-name matching all read it from there.
 * The entry's path ("/shoot/sub/a.png") gives the same "shoot/sub/a.png" the picker would.
 */
function withRelativePath(file: File, fullPath: string): File {
  const rel = fullPath.replace(/^\/+/, '');
  if (!rel.includes('/') || file.webkitRelativePath) return file;
  Object.defineProperty(file, 'webkitRelativePath', { value: rel });
  return file;
}
