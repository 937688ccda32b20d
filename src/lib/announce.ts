/**
 * One polite live region for the whole page, for what a screen reader should hear but the page
 * does not show as text of its own: a keyboard cursor's patch, a result that arrived elsewhere
 * in the view. A single region rather than one per component: readers queue its changes instead
 * of talking over themselves. It is put in the page at startup (`mountAnnouncer`): readers skip a
 * live region that arrives together with its first words.
 */
let region: HTMLElement | null = null;
/** Alternates a trailing no-break space, so the same words again are a change, and said. */
let odd = false;

export function mountAnnouncer(): HTMLElement | null {
  if (typeof document === 'undefined') return null;
  if (!region || !region.isConnected) {
    region = document.createElement('div');
    region.className = 'visually-hidden';
    region.setAttribute('aria-live', 'polite');
    region.setAttribute('aria-atomic', 'true');
    region.dataset.announcer = '';
    document.body.append(region);
  }
  return region;
}

export function announce(message: string): void {
  const fresh = !region || !region.isConnected;
  const el = mountAnnouncer();
  if (!el) return;
  odd = !odd;
  const text = message && odd ? `${message}\u00a0` : message;
  // A region made just now is given its words a task later (see above).
  if (fresh) setTimeout(() => (el.textContent = text), 50);
  else el.textContent = text;
}
