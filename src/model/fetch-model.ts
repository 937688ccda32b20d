/**
 * Downloads model files with streamed progress and caches them in Cache Storage keyed by URL, so
 * a second visit loads offline. The cache entry is written only after the whole body arrived:
 * a failed or cancelled download leaves nothing half-written.
 */
import { ExplorerError } from '../lib/errors';

export const MODEL_CACHE = 'dinov2-explorer-models-v1';
/** Stored with each cached response so listing the cache never reads bodies. */
export const BYTES_HEADER = 'x-explorer-bytes';

export interface FetchProgress {
  url: string;
  loaded: number;
  total: number | null;
  bytesPerSecond: number;
}

export interface FetchedFile {
  bytes: Uint8Array;
  fromCache: boolean;
}

async function openCache(): Promise<Cache | null> {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(MODEL_CACHE);
  } catch {
    return null; // e.g. storage disabled: download without caching
  }
}

export async function fetchModelFile(
  url: string,
  opts: { signal?: AbortSignal; onProgress?: (p: FetchProgress) => void; expectedBytes?: number },
): Promise<FetchedFile> {
  const cache = await openCache();
  const hit = await cache?.match(url);
  if (hit) return { bytes: new Uint8Array(await hit.arrayBuffer()), fromCache: true };

  let response: Response;
  try {
    response = await fetch(url, { signal: opts.signal, mode: 'cors', credentials: 'omit' });
  } catch (e) {
    if (opts.signal?.aborted) throw cancelled(url);
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      throw new ExplorerError(
        'network-offline',
        `You are offline and ${url} is not in the browser's model cache. Connect to the internet, ` +
          'or load the model from a file.',
        url,
      );
    }
    // No answer at all: no connection (navigator.onLine is true on any network, even one that
    // reaches nothing), a server that is down, or one that does not allow cross-origin reads.
    throw new ExplorerError(
      'download-failed',
      `Could not download ${url} (${e instanceof Error ? e.message : String(e)}): its server ` +
        'could not be reached, or it does not allow cross-origin requests (CORS). Check your ' +
        'connection and the address, or load the model from a file.',
      url,
    );
  }
  if (!response.ok || !response.body) {
    throw new ExplorerError(
      'download-failed',
      `Could not download ${url}: the server answered ${response.status} ${response.statusText}. ` +
        'Check the address.',
      url,
    );
  }
  // Content-Length can be the compressed size; trust it only as a first guess for the buffer.
  const header = Number(response.headers.get('content-length'));
  const total = Number.isFinite(header) && header > 0 ? header : (opts.expectedBytes ?? null);
  const bytes = await readStream(response.body, url, total, opts);
  if (cache) {
    try {
      await cache.put(
        url,
        new Response(bytes as Uint8Array<ArrayBuffer>, {
          headers: {
            'content-type': 'application/octet-stream',
            [BYTES_HEADER]: String(bytes.length),
          },
        }),
      );
    } catch {
      // Quota exceeded: the model still loads, it just will not be offline next time.
    }
  }
  return { bytes, fromCache: false };
}

async function readStream(
  body: ReadableStream<Uint8Array>,
  url: string,
  total: number | null,
  opts: { signal?: AbortSignal; onProgress?: (p: FetchProgress) => void },
): Promise<Uint8Array> {
  const reader = body.getReader();
  let buf = new Uint8Array(total ?? 16 * 1024 * 1024);
  let loaded = 0;
  const started = performance.now();
  let lastReport = 0;
  const onAbort = () => void reader.cancel().catch(() => {});
  opts.signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (opts.signal?.aborted) throw cancelled(url);
        throw new ExplorerError(
          'download-failed',
          `The download of ${url} broke off after ${loaded} bytes (${String(e)}). Try again.`,
          url,
        );
      }
      if (opts.signal?.aborted) throw cancelled(url);
      if (chunk.done) break;
      const value = chunk.value;
      if (loaded + value.length > buf.length) {
        const grown = new Uint8Array(Math.max(buf.length * 2, loaded + value.length));
        grown.set(buf.subarray(0, loaded));
        buf = grown;
      }
      buf.set(value, loaded);
      loaded += value.length;
      const now = performance.now();
      if (opts.onProgress && now - lastReport > 100) {
        lastReport = now;
        const secs = Math.max((now - started) / 1000, 1e-3);
        opts.onProgress({ url, loaded, total, bytesPerSecond: loaded / secs });
      }
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  const secs = Math.max((performance.now() - started) / 1000, 1e-3);
  opts.onProgress?.({ url, loaded, total: loaded, bytesPerSecond: loaded / secs });
  return loaded === buf.length ? buf : buf.slice(0, loaded);
}

function cancelled(url: string): ExplorerError {
  return new ExplorerError('download-cancelled', `The download of ${url} was cancelled.`, url);
}
