/**
 * Registers public/sw.js in production builds. On hosts that cannot send COOP/COEP headers, the
 * first visit is not cross-origin isolated; once the worker controls the page, one reload makes
 * it so (WASM threads). The reload happens at most once per tab, so a browser that refuses
 * isolation never loops, and never once the visitor has clicked or typed: that would throw away
 * what they just did (the page stays single-threaded this visit, and the next one is isolated).
 * It goes back to the address the visit arrived with: by then the app has rewritten the address
 * bar to its settings, which would drop what the link said and the notices about what it got
 * wrong. Call this before anything touches the address bar.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const arrival = location.href;
  let interacted = false;
  const seen = (e: Event) => {
    if (e.isTrusted) interacted = true;
  };
  addEventListener('pointerdown', seen, { capture: true });
  addEventListener('keydown', seen, { capture: true });
  const url = new URL('sw.js', document.baseURI);
  const scope = new URL('./', document.baseURI);
  navigator.serviceWorker
    .register(url, { scope: scope.pathname })
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => {
      removeEventListener('pointerdown', seen, { capture: true });
      removeEventListener('keydown', seen, { capture: true });
      const key = 'dinov2-explorer-isolation-reload';
      if (!crossOriginIsolated && !interacted && !sessionStorage.getItem(key)) {
        sessionStorage.setItem(key, '1');
        // No posting: the reloaded page's requests pass through the worker, which caches them
        // (posting now would fetch the shell a second time, beside the reload's own requests).
        location.replace(arrival);
        return;
      }
      cacheShell(registration.active, scope.href);
    })
    .catch(() => {
      // No service worker (private mode, file://): the app works, single-threaded and online.
    });
}

/**
 * Tells the worker what this page loaded before it took control, so that it caches them (the
 * page, its scripts and styles, the engine worker's script). Without this, a first visit to a
 * host that sends the isolation headers (no reload) would leave nothing cached for offline. The
 * worker takes only the page, hashed build assets and the models' manifest; model files are
 * left out here too.
 */
function cacheShell(worker: ServiceWorker | null, scope: string): void {
  const post = () =>
    postShell(worker, scope, [
      location.href,
      ...performance.getEntriesByType('resource').map((e) => e.name),
    ]);
  post();
  // Once more a little later: the engine worker, started on the first render, is not among the
  // resource timings; the service worker finds it among its clients once its script has loaded.
  // What is cached already is skipped, so twice costs nothing.
  setTimeout(post, 5000);
}

function postShell(worker: ServiceWorker | null, scope: string, urls: string[]): void {
  worker?.postMessage({
    type: 'cache-shell',
    urls: urls.filter(
      (u) =>
        u.startsWith(scope) &&
        (!u.startsWith(`${scope}models/`) || u === `${scope}models/manifest.json`),
    ),
  });
}

/**
 * The files the engine worker fetched once a model is loaded (the runtime's WebAssembly, 14 or 27
 * MB, which the service worker otherwise fetches ahead only to replace an older copy), for the
 * offline cache. On a host that sends the isolation headers there is no reload on the first visit,
 * so the engine worker, started before the service worker controlled the page, fetched them past
 * it: without this, the runtime would only be cached on the second visit. Cached ones are skipped.
 */
export function cacheFetchedFiles(urls: string[]): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const scope = new URL('./', document.baseURI).href;
  void navigator.serviceWorker.ready.then(
    (registration) => postShell(registration.active, scope, urls),
    () => {},
  );
}
