import { useEffect, useRef, useState } from 'react';
import { formatBytes } from '../../lib/files';
import { listLocalModels, siteModelBytes } from '../../model/local-models';
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
        {size === null
          ? d.size
          : size.whole
            ? `${formatBytes(size.bytes)}${size.dataFiles > 0 ? ' with its weights' : ''}`
            : `${formatBytes(size.bytes)}, more if its weights are in a separate file`}
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
 * What downloading `url` costs: for one of this site's models, its graph and weights files as the
 * site's manifest lists them (`whole`); otherwise the file's size from a HEAD request (its
 * Content-Length), the graph only. Null when neither says (no CORS, offline). Nothing is
 * downloaded.
 */
function useRemoteSize(
  url: string | null,
): { bytes: number; dataFiles: number; whole: boolean } | null {
  const [size, setSize] = useState<{
    url: string;
    bytes: number;
    dataFiles: number;
    whole: boolean;
  } | null>(null);
  useEffect(() => {
    if (!url) return;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 5000);
    void (async () => {
      const site = siteModelBytes(url, await listLocalModels());
      if (ac.signal.aborted) return;
      if (site) return setSize({ url, ...site, whole: true });
      const r = await fetch(url, { method: 'HEAD', signal: ac.signal });
      const n = Number(r.headers.get('content-length'));
      if (r.ok && Number.isFinite(n) && n > 0)
        setSize({ url, bytes: n, dataFiles: 0, whole: false });
    })()
      .catch(() => {})
      .finally(() => clearTimeout(timer));
    return () => ac.abort();
  }, [url]);
  return size && size.url === url ? size : null;
}
