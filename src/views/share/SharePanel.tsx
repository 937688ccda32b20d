import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { shareSnapshot, subscribeLinkState } from '../../store/link';

const unsubscribed = () => () => {};
const closedSnapshot = () => JSON.stringify({ link: '', notIn: [] });

/** The `Share` button and its panel: a link that reopens this view, and what it leaves out. */
export function SharePanel() {
  const [open, setOpen] = useState(false);
  const [copied, setCopied] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  // A popover: Escape or a click elsewhere closes it (it may cover the tabs).
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      // Handled: the enlarged PCA map (which leaves on an unhandled Escape) stays. Listened to
      // in the capture phase, so this runs before that view's listener whatever their order.
      e.preventDefault();
      // Focus inside the closing panel goes back to its Share button, not to <body>.
      if (root.current?.contains(document.activeElement))
        root.current.querySelector('button')?.focus();
      setOpen(false);
    };
    const onDown = (e: PointerEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey, true);
    document.addEventListener('pointerdown', onDown);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      document.removeEventListener('pointerdown', onDown);
    };
  }, [open]);
  // Followed only while open: closed, the panel does no work on each store change.
  const snapshot = useSyncExternalStore(
    open ? subscribeLinkState : unsubscribed,
    open ? shareSnapshot : closedSnapshot,
  );
  const { link, notIn } = useMemo(
    () => JSON.parse(snapshot) as { link: string; notIn: string[] },
    [snapshot],
  );
  return (
    <div
      className="share"
      ref={root}
      // Focus that leaves the panel (Tab past its last control) closes it: it would otherwise
      // cover what focus moved to.
      onBlur={(e) => {
        const to = e.relatedTarget as Node | null;
        if (open && to && !root.current?.contains(to)) setOpen(false);
      }}
    >
      <button type="button" aria-expanded={open} onClick={() => (setOpen(!open), setCopied(false))}>
        Share
      </button>
      {open && (
        <div className="share-panel" role="group" aria-label="Share this view">
          <div className="row">
            <input
              className="grow-input"
              readOnly
              aria-label="Share link"
              value={link}
              onFocus={(e) => e.target.select()}
            />
            <button
              type="button"
              onClick={() => {
                // Emptied first: a second Copy is a change of the live text, and said again.
                setCopied(false);
                void navigator.clipboard?.writeText(link).then(
                  () => setCopied(true),
                  () => setCopied(false),
                );
              }}
            >
              {copied ? 'Copied' : 'Copy'}
            </button>
            <span className="visually-hidden" aria-live="polite">
              {copied ? 'Link copied' : ''}
            </span>
          </div>
          <small>
            The link reopens the model source, backend, preprocessing and the open view with its
            settings. Not in the link:
          </small>
          <ul className="small-list">
            {notIn.map((t) => (
              <li key={t}>{t}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
