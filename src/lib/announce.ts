/**
 * One polite live region for the whole page, for what a screen reader should hear but the page
 * does not show as text of its own: a keyboard cursor's patch, a result that arrived elsewhere
 * in the view. A single region (created on first use) rather than one per component: readers
 * queue its changes instead of talking over themselves.
 */
let region: HTMLElement | null = null;

export function announce(message: string): void {
  if (typeof document === 'undefined') return;
  if (!region || !region.isConnected) {
    region = document.createElement('div');
    region.className = 'visually-hidden';
    region.setAttribute('aria-live', 'polite');
    region.setAttribute('aria-atomic', 'true');
    region.dataset.announcer = '';
    document.body.append(region);
  }
  // The same words again (the cursor back on a patch) are still said: cleared first.
  if (region.textContent === message) region.textContent = '';
  region.textContent = message;
}
