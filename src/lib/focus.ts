/**
 * Keeping keyboard focus somewhere useful when the focused control goes away (a dismissed alert,
 * a view that replaces the button pressed): without it the browser drops focus to <body> and a
 * keyboard user starts again from the top of the page.
 */

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), ' +
  'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function visible(el: HTMLElement): boolean {
  return !el.hidden && el.getClientRects().length > 0;
}

/** Focuses the first focusable element after `anchor` in document order (outside it). */
export function focusAfter(anchor: Element): void {
  for (const el of document.querySelectorAll<HTMLElement>(FOCUSABLE)) {
    if (anchor.contains(el) || !visible(el)) continue;
    if (anchor.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) {
      el.focus();
      return;
    }
  }
}

/**
 * Focuses the element matching `selector` once React has rendered it (next frames), unless the
 * user has put focus somewhere else meanwhile.
 */
export function focusWhenShown(selector: string, tries = 10, fallback?: string): void {
  const step = (left: number) => {
    const active = document.activeElement;
    if (active && active !== document.body) return;
    const el = document.querySelector<HTMLElement>(selector);
    if (el) el.focus();
    else if (left > 0) requestAnimationFrame(() => step(left - 1));
    // Not shown (another view is open): somewhere sensible rather than <body>.
    else if (fallback) document.querySelector<HTMLElement>(fallback)?.focus();
  };
  requestAnimationFrame(() => step(tries));
}
