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
