/**
 * What to call each image where it is shown. People know their photos by name, so a name no
 * other image has is shown alone. Images of the same name (001.jpg in cats/ and in dogs/, as
 * datasets kept a class per folder are) are shown with the shortest end of their folder path
 * that tells them apart; any still alike (loose files of one name from different places, the
 * same path dropped twice) get a number in the order they were added.
 */
export interface NamedImage {
  id: string;
  name: string;
  /** Its path inside a picked or dropped folder ("shoot/sub"), if it came in one. */
  folder?: string;
}

export function imageLabels(images: readonly NamedImage[]): Map<string, string> {
  const byName = new Map<string, NamedImage[]>();
  for (const im of images) {
    const same = byName.get(im.name);
    if (same) same.push(im);
    else byName.set(im.name, [im]);
  }
  const labels = new Map<string, string>();
  for (const [name, same] of byName) {
    if (same.length === 1) {
      labels.set(same[0].id, name);
      continue;
    }
    const parts = same.map((im) => (im.folder ? im.folder.split('/') : []));
    const deepest = Math.max(...parts.map((p) => p.length));
    const at = (depth: number) =>
      parts.map((p) => (p.length > 0 ? `${p.slice(-depth).join('/')}/${name}` : name));
    let chosen = at(deepest);
    for (let depth = 1; depth < deepest; depth++) {
      const tried = at(depth);
      if (new Set(tried).size === tried.length) {
        chosen = tried;
        break;
      }
    }
    const seen = new Map<string, number>();
    same.forEach((im, k) => {
      const n = (seen.get(chosen[k]) ?? 0) + 1;
      seen.set(chosen[k], n);
      labels.set(im.id, n === 1 ? chosen[k] : `${chosen[k]} (${n})`);
    });
  }
  return labels;
}

/**
 * The stem of a download's file name for an image's label, so two images of one name do not
 * save to one file name: "cats/001.jpg" gives "cats_001", "x.png (2)" gives "x-2".
 */
export function labelStem(label: string): string {
  const numbered = /^(.*) \((\d+)\)$/.exec(label);
  const parts = (numbered ? numbered[1] : label).split('/');
  const last = parts.pop() ?? '';
  const dot = last.lastIndexOf('.');
  const base = dot > 0 ? last.slice(0, dot) : last;
  return [...parts, base].join('_') + (numbered ? `-${numbered[2]}` : '');
}

/**
 * Folders as a legend names them: the leading folders every one shares are left out ("ds/cats",
 * "ds/dogs" read "cats", "dogs": "ds" is only the folder that was picked), while each keeps at
 * least its last folder.
 */
export function shortFolders(folders: readonly string[]): Map<string, string> {
  const parts = folders.map((f) => f.split('/'));
  let common = 0;
  if (parts.length > 0) {
    const shortest = Math.min(...parts.map((p) => p.length));
    while (common < shortest - 1 && parts.every((p) => p[common] === parts[0][common])) common++;
  }
  return new Map(folders.map((f, k) => [f, parts[k].slice(common).join('/')]));
}
