/*
 * DINOv2 Explorer's service worker:
 * 1. cross-origin isolation on static hosts that cannot set headers: same-origin responses get
 *    COOP/COEP (and CORP), so the page is crossOriginIsolated and onnxruntime-web can use WASM
 *    threads;
 * 2. the app shell is cached, so the app opens offline after the first visit, on any host (models
 *    have their own cache, written by the app).
 * Plain JavaScript on purpose: it is served as is, next to index.html, whatever the base path.
 */
// v2: v1 kept one copy of index.html per query string. Other shell caches are deleted on activate.
const SHELL = 'dinov2-explorer-shell-v2';
const SHELL_PREFIX = 'dinov2-explorer-shell-';
// The folder the app is served from, e.g. https://example.org/lab/models/dinov2/ (ends with '/').
// Paths are read relative to it: the site's own path may contain anything, "models/" included.
const SCOPE = self.registration.scope;
const SCOPE_PATH = new URL(SCOPE).pathname;
// Every visit to the app is stored under this one key, whatever its query string, so the newest
// page replaces the last one and an offline visit gets the newest.
const INDEX = SCOPE;
const MANIFEST = `${SCOPE}models/manifest.json`;
// Vite names build output assets/[name]-[hash].[ext], the hash 8 characters of [A-Za-z0-9_-].
const HASHED = /^assets\/(.+)-[\w-]{8}(\.[^./]+)$/;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) =>
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        // Only our older shell caches: the models' cache (dinov2-explorer-models-*) is the app's.
        if (name.startsWith(SHELL_PREFIX) && name !== SHELL) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  ),
);

/**
 * How a same-origin URL is cached: its key, and whether it is immutable (a hashed build asset:
 * cache first) or not (network first, the cache when offline). Null: not cached, not touched.
 */
function route(url) {
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE_PATH)) return null;
  const rel = url.pathname.slice(SCOPE_PATH.length);
  // The list of the site's models: small, and needed offline to list the cached ones.
  if (rel === 'models/manifest.json') return { key: MANIFEST, immutable: false };
  // Model files are large and cached by the app itself.
  if (rel.startsWith('models/')) return null;
  if (rel === '' || rel === 'index.html') return { key: INDEX, immutable: false };
  if (rel.startsWith('assets/')) return { key: SCOPE + rel, immutable: true };
  // The few small files of the shell (the sample photos work offline too).
  if (rel === 'favicon.svg' || rel.startsWith('samples/'))
    return { key: SCOPE + rel, immutable: false };
  // Anything else (an image or a model someone put on the site, by URL) is not the shell: it
  // passes untouched and uncached (same-origin files need no isolation headers; models have
  // the app's own cache).
  return null;
}

function isolate(response) {
  if (response.status === 0) return response; // opaque: cannot touch
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

/** Stores a response; a new build's `name-HASH.ext` evicts the other builds' `name-*.ext`. */
async function store(cache, key, response) {
  await cache.put(key, response);
  const m = HASHED.exec(key.slice(SCOPE.length));
  if (!m) return;
  // Assumes a name and extension are unique within one build (tests/browser/offline.test.ts
  // checks the build), so another hash is an older build's copy, which nothing asks for again.
  for (const old of await cache.keys()) {
    const o = HASHED.exec(old.url.slice(SCOPE.length));
    if (o && o[1] === m[1] && o[2] === m[2] && old.url !== key) await cache.delete(old);
  }
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const r = route(new URL(req.url));
  if (!r) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(SHELL);
      if (r.immutable) {
        const hit = await cache.match(r.key);
        if (hit) return isolate(hit);
      }
      try {
        const res = await fetch(req);
        if (res.ok && res.type === 'basic') event.waitUntil(store(cache, r.key, res.clone()));
        return isolate(res);
      } catch (e) {
        const hit = await cache.match(r.key);
        if (hit) return isolate(hit);
        throw e;
      }
    })(),
  );
});

/*
 * What the page loaded before this worker controlled it (a first visit: on a host that sends the
 * isolation headers there is no reload, so the page, its scripts, styles and the engine worker's
 * script would otherwise never pass through here). The page posts those URLs
 * (src/lib/service-worker.ts); of those, the page itself, hashed build assets and the models'
 * manifest that are not cached yet are fetched and stored. Anything else (images, model
 * downloads) is ignored.
 */
self.addEventListener('message', (event) => {
  const data = event.data;
  if (data?.type !== 'cache-shell' || !Array.isArray(data.urls)) return;
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      // The engine worker's script is not among the page's resource timings; it is a client.
      const clients = await self.clients.matchAll({ includeUncontrolled: true, type: 'all' });
      for (const href of [...data.urls.slice(0, 200), ...clients.map((c) => c.url)]) {
        let r;
        try {
          r = route(new URL(href));
        } catch {
          continue;
        }
        const shell = r && (r.immutable || r.key === INDEX || r.key === MANIFEST);
        if (!shell || (await cache.match(r.key))) continue;
        try {
          const res = await fetch(href);
          if (res.ok && res.type === 'basic') await store(cache, r.key, res);
        } catch {
          // Offline or gone: the next visit's fetches fill it in.
        }
      }
    })(),
  );
});
