/**
 * Where things sit on the page, for maps sized to fit the window's height: a portrait photo's map
 * as wide as the view would run past the window's bottom, its last rows out of reach.
 */
import { useLayoutEffect, type RefObject } from 'react';

/** Where `el` starts on the page, whatever the page's (or the main area's) scroll. */
export function pageTop(el: Element | null): number {
  if (!el) return 0;
  return el.getBoundingClientRect().top + scrollY + (el.closest('.main')?.scrollTop ?? 0);
}

/**
 * The height left to `el` below its top with the page scrolled up, in CSS pixels: where the
 * page's top leaves it less than half the window (a phone, the side panel stacked above), the
 * window less a margin, for when the user scrolls to it.
 */
export function heightBelow(el: Element, min = 200): number {
  const top = pageTop(el);
  const room = top <= innerHeight / 2 ? innerHeight - top - 8 : innerHeight - 16;
  return Math.max(min, Math.round(room));
}

/**
 * Keeps `--fit-h` on `host` (which the stylesheet reads) at the height below `measured`'s top,
 * less `reserve` for what follows it (a caption, buttons): after every render (a status line
 * that wraps moves it) and on resize.
 */
export function useFitBelow(
  host: RefObject<HTMLElement | null>,
  measured: RefObject<Element | null>,
  reserve = 0,
): void {
  useLayoutEffect(() => {
    const fit = () => {
      if (host.current && measured.current) {
        host.current.style.setProperty(
          '--fit-h',
          `${Math.max(200, heightBelow(measured.current) - reserve)}px`,
        );
      }
    };
    fit();
    addEventListener('resize', fit);
    return () => removeEventListener('resize', fit);
  });
}
