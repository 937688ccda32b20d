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

/** Below this, a map fitted under what is above it is too small to use: it fits the window. */
const USEFUL = 240;

/**
 * The height left to `el` below its top with the page scrolled up, less `reserve` for what
 * follows it, in CSS pixels. Where that leaves less than a useful map (a low window, a phone with
 * the side panel stacked above), the window less the margin and reserve: seen whole once the user
 * scrolls to it.
 */
export function heightBelow(el: Element, reserve = 0): number {
  const below = innerHeight - pageTop(el) - 8 - reserve;
  return Math.round(below >= USEFUL ? below : Math.max(USEFUL, innerHeight - 16 - reserve));
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
        host.current.style.setProperty('--fit-h', `${heightBelow(measured.current, reserve)}px`);
      }
    };
    fit();
    addEventListener('resize', fit);
    return () => removeEventListener('resize', fit);
  });
}
