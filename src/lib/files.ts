/** File-name helpers shared by the views and the controller. */

const IMAGE_EXT = /\.(png|jpe?g|jfif|webp|gif|bmp|avif|ico|tiff?|heic|heif|svg)$/i;
const MODEL_EXT = /\.(onnx|onnx_data|onnx\.data)$/i;

export function isImageFile(f: { name: string; type: string }): boolean {
  return f.type.startsWith('image/') || IMAGE_EXT.test(f.name);
}

/** A preprocessed model input saved by numpy (`[3,H,W]` or `[1,3,H,W]`), run exactly as given. */
export function isTensorFile(f: { name: string }): boolean {
  return /\.npy$/i.test(f.name);
}

/**
 * The preprocessing in a download's name (`.dense-224`, `.classifier`), so that files of two
 * recipes of one image do not end up as "chelsea (1).npy"; none for a model input given as .npy,
 * which no recipe made. (The classifier's crop is 224 px whatever the resolution setting.)
 * Features and maps of a block before the last add it (`.dense-224.block3`).
 */
export function recipeSuffix(
  f: { name: string },
  mode: 'dense' | 'classifier',
  resolution: number,
  block: number | null = null,
): string {
  // Features of a block before the last are other features of the same input (`.block3`).
  const from = block === null ? '' : `.block${block}`;
  if (isTensorFile(f)) return from;
  return (mode === 'classifier' ? '.classifier' : `.dense-${resolution}`) + from;
}

export function isModelFile(f: { name: string }): boolean {
  return MODEL_EXT.test(f.name);
}

/** "photo.final.png" -> "photo.final": the name a download is saved under. */
export function stem(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Lists names for a message: `"a.txt", "b.doc" and 3 more`. */
export function nameList(names: string[], max = 3): string {
  const shown = names.slice(0, max).map((n) => `"${n}"`);
  const more = names.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

/** A picked file as far as its place in a folder goes (`webkitRelativePath`: "ds/cats/1.png"). */
type InFolder = { name: string; webkitRelativePath?: string };

/**
 * A hidden file, or a file in a hidden folder below the picked one (.DS_Store, macOS's ._photo.jpg,
 * .git/, .thumbnails/, .cache/): nobody's pictures. The picked folder itself may be hidden: the
 * user chose it.
 */
export function isHiddenFile(f: InFolder): boolean {
  const parts = (f.webkitRelativePath || f.name).split('/');
  return parts.slice(parts.length > 1 ? 1 : 0).some((p) => p.startsWith('.'));
}

const relativePath = (f: InFolder) => f.webkitRelativePath || f.name;

/** Natural order: "2.png" before "10.png", as a file manager shows them. */
const natural = new Intl.Collator(undefined, { numeric: true });

/**
 * Orders the files of a folder pick by their path inside it, folder name by folder name, in
 * natural order: a disk gives them in its own order (cups, dogs, cats; 001, 004, 007, ...).
 */
export function byRelativePath(a: InFolder, b: InFolder): number {
  const pa = relativePath(a).split('/');
  const pb = relativePath(b).split('/');
  for (let k = 0; k < Math.min(pa.length, pb.length); k++) {
    const c = natural.compare(pa[k], pb[k]);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

/**
 * How messages name picked files: by their path inside the picked folder ("cats/001.png", which
 * tells it from "dogs/001.png"), without the folder's own name when every file shares it; a file
 * picked on its own by its name.
 */
export function shownPaths(files: InFolder[]): string[] {
  const paths = files.map(relativePath);
  const root = `${paths[0]?.split('/')[0]}/`;
  return paths.every((p) => p.startsWith(root)) ? paths.map((p) => p.slice(root.length)) : paths;
}

export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
