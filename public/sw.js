/*
 * DINOv2 Explorer's service worker:
 * 1. cross-origin isolation on static hosts that cannot set headers: same-origin responses get
 *    COOP/COEP (and CORP), so the page is crossOriginIsolated and onnxruntime-web can use WASM
 *    threads;
 * 2. the app shell is cached, so the app opens offline after the first visit, on any host (models
 *    have their own cache, written by the app): the whole current build, parts not opened yet
 *    included, so a redeploy does not leave the 3D view (a chunk loaded on demand) unusable offline.
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
// Every file of the build on the server, with its size (scripts/vite/build-assets.ts).
const BUILD_ASSETS = `${SCOPE}build-assets.json`;
// Files larger than this (onnxruntime's .wasm runtimes, 14 and 27 MB; the largest script is under
// 1 MB) are fetched ahead only to replace an older build's copy: a backend the visitor has used.
const LARGE = 2 * 1024 * 1024;

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

/** The name and extension of a hashed build asset's key (`name.ext`), or null. */
function assetName(key) {
  const m = HASHED.exec(key.slice(SCOPE.length));
  return m ? m[1] + m[2] : null;
}

// Downloads under way, by key: the page posts 'cache-shell' twice, and a runtime takes a while.
const filling = new Map();

/** Fetches and stores one URL of the shell under `key`, unless it is cached already. */
function fill(cache, key, href) {
  let p = filling.get(key);
  if (!p) {
    p = (async () => {
      if (await cache.match(key)) return;
      try {
        const res = await fetch(href);
        if (res.ok && res.type === 'basic') await store(cache, key, res);
      } catch {
        // Offline or gone: the next visit's fetches fill it in.
      }
    })().finally(() => filling.delete(key));
    filling.set(key, p);
  }
  return p;
}

/**
 * Caches the build on the server, as its list names it: every small file not cached yet, and each
 * large one of which an older build's copy is cached (storing it evicts that copy). `pageAssets`
 * (the keys of the assets the posting page loaded) must all be on the list: a page of another
 * build (served from a cache while the site was redeployed) may still load its own chunks, which
 * caching the list's build would evict.
 */
async function cacheBuild(cache, pageAssets) {
  let list;
  try {
    // Revalidated: the list keeps its address from build to build, so the HTTP cache may hold an
    // older one.
    const res = await fetch(BUILD_ASSETS, { cache: 'no-cache' });
    if (!res.ok) return; // a build without the list: only what the pages load is cached
    list = (await res.json()).assets;
  } catch {
    return;
  }
  if (!Array.isArray(list)) return;
  const build = [];
  for (const a of list) {
    if (typeof a?.file !== 'string' || typeof a.bytes !== 'number') continue;
    let r;
    try {
      r = route(new URL(a.file, SCOPE));
    } catch {
      continue;
    }
    if (r?.immutable) build.push({ key: r.key, bytes: a.bytes });
  }
  const keys = new Set(build.map((a) => a.key));
  if (pageAssets.some((k) => !keys.has(k))) return;
  const had = new Set();
  for (const req of await cache.keys()) had.add(assetName(req.url));
  had.delete(null);
  // One at a time, in the list's order: no burst of requests beside the page's own.
  for (const { key, bytes } of build) {
    if (bytes > LARGE && !had.has(assetName(key))) continue;
    await fill(cache, key, key);
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
 * downloads) is ignored. Then the rest of the build (cacheBuild).
 */
self.addEventListener('message', (event) => {
  const data = event.data;
  if (data?.type !== 'cache-shell' || !Array.isArray(data.urls)) return;
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      const pageAssets = [];
      // The engine worker's script is not among the page's resource timings; it is a client.
      const clients = await self.clients.matchAll({ includeUncontrolled: true, type: 'all' });
      const urls = data.urls.slice(0, 200);
      for (const href of [...urls, ...clients.map((c) => c.url)]) {
        let r;
        try {
          r = route(new URL(href));
        } catch {
          continue;
        }
        const shell = r && (r.immutable || r.key === INDEX || r.key === MANIFEST);
        if (!shell) continue;
        // Other clients may be pages of an older build: only the posting page's own count.
        if (r.immutable && urls.includes(href)) pageAssets.push(r.key);
        await fill(cache, r.key, href);
      }
      await cacheBuild(cache, pageAssets);
    })(),
  );
});
