import { useEffect, useRef, useState } from 'react';
import { formatBytes } from '../../lib/files';
import { focusAfter } from '../../lib/focus';
import { useApp } from '../../store/app-store';
import { acceptLinkModel, declineLinkModel, describeLinkModel } from '../../store/link';

/**
 * Asks before downloading a model that an opened link names: where from, and how big. It takes
 * focus when it appears (its first button), Escape means "Not now", and focus moves on past it
 * when it goes.
 */
export function LinkModelDialog() {
  const pending = useApp((s) => s.pendingLinkModel);
  const ref = useRef<HTMLDivElement>(null);
  const shown = pending !== null;
  const size = useRemoteSize(pending?.kind === 'url' ? pending.url : null);
  useEffect(() => {
    if (!shown) return;
    ref.current?.querySelector('button')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') answer(ref.current, declineLinkModel);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [shown]);
  if (!pending) return null;
  const d = describeLinkModel(pending);
  return (
    <div
      ref={ref}
      className="dialog"
      role="dialog"
      aria-modal="false"
      aria-labelledby="link-model-title"
    >
      <h2 id="link-model-title">Load the model from this link?</h2>
      <p>
        The link asks to download <strong>{d.label}</strong> from <strong>{d.host}</strong> (
        {size !== null
          ? `${formatBytes(size)}, more if its weights are in a separate file`
          : d.size}
        ).
      </p>
      <p className="muted ellipsis" title={d.url}>
        {d.url}
      </p>
      <div className="row">
        <button type="button" onClick={() => answer(ref.current, acceptLinkModel)}>
          Download model
        </button>
        <button type="button" onClick={() => answer(ref.current, declineLinkModel)}>
          Not now
        </button>
      </div>
    </div>
  );
}

/** Acts on the dialog's answer; focus inside the dialog moves on past it. */
function answer(dialog: HTMLElement | null, act: () => void): void {
  const hadFocus = dialog?.contains(document.activeElement) ?? false;
  act();
  if (dialog && hadFocus) focusAfter(dialog);
}

/**
 * The size of a file at `url` from a HEAD request (its Content-Length), or null when the server
 * does not say (or refuses: no CORS, offline). Nothing is downloaded.
 */
function useRemoteSize(url: string | null): number | null {
  const [size, setSize] = useState<{ url: string; bytes: number } | null>(null);
  useEffect(() => {
    if (!url) return;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 5000);
    fetch(url, { method: 'HEAD', signal: ac.signal })
      .then((r) => {
        const n = Number(r.headers.get('content-length'));
        if (r.ok && Number.isFinite(n) && n > 0) setSize({ url, bytes: n });
      })
      .catch(() => {})
      .finally(() => clearTimeout(timer));
    return () => ac.abort();
  }, [url]);
  return size && size.url === url ? size.bytes : null;
}
