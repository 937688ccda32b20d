/**
 * The same-origin model folder: `models/manifest.json`, written by the dev server and the build
 * from whatever exports sit in the project's `models/` folder (see models/README.md).
 */
export interface LocalModel {
  id: string;
  variants: { file: string; bytes: number; dataFiles: { file: string; bytes: number }[] }[];
}

export async function listLocalModels(base: string = document.baseURI): Promise<LocalModel[]> {
  try {
    const res = await fetch(new URL('models/manifest.json', base), { cache: 'no-store' });
    if (!res.ok) return [];
    const json = (await res.json()) as { models?: LocalModel[] };
    return Array.isArray(json.models) ? json.models : [];
  } catch {
    return [];
  }
}

export function localModelUrl(id: string, file: string, base: string = document.baseURI): string {
  return new URL(`models/${encodeURIComponent(id)}/${file}`, base).href;
}

/**
 * The whole download, graph and weights files, of the site's model at `url` as the manifest lists
 * it; null when `url` is not one of the site's models.
 */
export function siteModelBytes(
  url: string,
  models: LocalModel[],
  base: string = document.baseURI,
): { bytes: number; dataFiles: number } | null {
  let wanted: string;
  try {
    wanted = new URL(url, base).href;
  } catch {
    return null;
  }
  for (const m of models) {
    for (const v of m.variants ?? []) {
      if (localModelUrl(m.id, v.file, base) !== wanted) continue;
      const data = v.dataFiles ?? [];
      return { bytes: v.bytes + data.reduce((n, d) => n + d.bytes, 0), dataFiles: data.length };
    }
  }
  return null;
}
