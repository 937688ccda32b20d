/**
 * Registers public/sw.js in production builds. On hosts that cannot send COOP/COEP headers, the
 * first visit is not cross-origin isolated; once the worker controls the page, one reload makes
 * it so (WASM threads). The reload happens at most once per tab, so a browser that refuses
 * isolation never loops. It goes back to the address the visit arrived with: by then the app has
 * rewritten the address bar to its settings, which would drop what the link said and the notices
 * about what it got wrong. Call this before anything touches the address bar.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const arrival = location.href;
  const url = new URL('sw.js', document.baseURI);
  navigator.serviceWorker
    .register(url, { scope: new URL('./', document.baseURI).pathname })
    .then(() => navigator.serviceWorker.ready)
    .then(() => {
      const key = 'dinov2-explorer-isolation-reload';
      if (!crossOriginIsolated && !sessionStorage.getItem(key)) {
        sessionStorage.setItem(key, '1');
        location.replace(arrival);
      }
    })
    .catch(() => {
      // No service worker (private mode, file://): the app works, single-threaded and online.
    });
}
