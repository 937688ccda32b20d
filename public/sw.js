/*
 * DINOv2 Explorer's service worker, for static hosts that cannot set headers:
 * 1. cross-origin isolation: same-origin responses get COOP/COEP (and CORP), so the page is
 *    crossOriginIsolated and onnxruntime-web can use WASM threads;
 * 2. the app shell is cached, so the app opens offline after the first visit (models have their
 *    own cache, written by the app).
 * Plain JavaScript on purpose: it is served as is, next to index.html, whatever the base path.
 */
const SHELL = 'dinov2-explorer-shell-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

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

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  // Model files are large and cached by the app itself; the manifest must stay fresh.
  if (url.pathname.includes('/models/')) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(SHELL);
      // Hashed build assets never change: cache first. Everything else: network first.
      const immutable = url.pathname.includes('/assets/');
      if (immutable) {
        const hit = await cache.match(req);
        if (hit) return isolate(hit);
      }
      try {
        const res = await fetch(req);
        if (res.ok && res.type === 'basic') await cache.put(req, res.clone());
        return isolate(res);
      } catch (e) {
        const hit = await cache.match(req, { ignoreSearch: req.mode === 'navigate' });
        if (hit) return isolate(hit);
        throw e;
      }
    })(),
  );
});
