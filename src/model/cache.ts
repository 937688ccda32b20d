/** The browser's model cache, as the UI lists it: what is stored, how big, and deleting it. */
import { BYTES_HEADER, MODEL_CACHE } from './fetch-model';

export interface CachedModel {
  url: string;
  bytes: number;
}

export async function listCachedModels(): Promise<CachedModel[]> {
  if (typeof caches === 'undefined') return [];
  const cache = await caches.open(MODEL_CACHE);
  const out: CachedModel[] = [];
  for (const req of await cache.keys()) {
    const res = await cache.match(req);
    out.push({ url: req.url, bytes: Number(res?.headers.get(BYTES_HEADER) ?? 0) });
  }
  return out.sort((a, b) => a.url.localeCompare(b.url));
}

/** Whether a model file is in the cache (loading it then downloads nothing). */
export async function isCachedModel(url: string): Promise<boolean> {
  if (typeof caches === 'undefined') return false;
  try {
    return (await (await caches.open(MODEL_CACHE)).match(url)) !== undefined;
  } catch {
    return false;
  }
}

export async function deleteCachedModel(url: string): Promise<void> {
  if (typeof caches === 'undefined') return;
  const cache = await caches.open(MODEL_CACHE);
  await cache.delete(url);
}
