import { useEffect, useRef, useState } from 'react';
import { formatBytes } from '../../lib/files';
import { listLocalModels, siteModelBytes } from '../../model/local-models';
import { focusAfter } from '../../lib/focus';
import { useApp } from '../../store/app-store';
import {
  acceptLinkModel,
  declineLinkModel,
  describeLinkModel,
  dismissMissingLinkModel,
} from '../../store/link';

/**
 * Asks before downloading a model that an opened link names: where from, and how big; or, when
 * its server says there is no such file, says so with nothing to download. It takes focus when it
 * appears (its first button), Escape means "Not now" (or "Dismiss"), and focus moves on past it
 * when it goes.
 */
export function LinkModelDialog() {
  const pending = useApp((s) => s.pendingLinkModel);
  const ref = useRef<HTMLDivElement>(null);
  const shown = pending !== null;
  const remote = useRemoteFile(pending?.kind === 'url' ? pending.url : null);
  const missing = remote?.kind === 'missing';
  // Escape dismisses whichever way the dialog asks. When it turns into "not found", the button
  // that had focus is gone (focus falls to the page): its one button takes it, unless the user
  // has moved on meanwhile.
  useEffect(() => {
    if (!shown) return;
    if (!missing || document.activeElement === document.body)
      ref.current?.querySelector('button')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape')
        answer(ref.current, missing ? dismissMissingLinkModel : declineLinkModel);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [shown, missing]);
  if (!pending) return null;
  const d = describeLinkModel(pending);
  const size = remote?.kind === 'size' ? remote : null;
  return (
    <div
      ref={ref}
      className="dialog"
      role="dialog"
      aria-modal="false"
      aria-labelledby="link-model-title"
    >
      {remote?.kind === 'missing' ? (
        <NotFound label={d.label} status={remote.status} />
      ) : (
        <>
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
        </>
      )}
      <p className="muted">{d.url}</p>
      <div className="row">
        {missing ? (
          // Nothing to download: the only answer is to close the question.
          <button type="button" onClick={() => answer(ref.current, dismissMissingLinkModel)}>
            Dismiss
          </button>
        ) : (
          <>
            <button type="button" onClick={() => answer(ref.current, acceptLinkModel)}>
              Download model
            </button>
            <button type="button" onClick={() => answer(ref.current, declineLinkModel)}>
              Not now
            </button>
          </>
        )}
      </div>
    </div>
  );
}

/**
 * What the dialog says of a link whose model file is not there (its server answered 404 or
 * 410): the file's name, why it cannot be loaded, and what to do.
 */
function NotFound(p: { label: string; status: number }) {
  return (
    <>
      <h2 id="link-model-title">The model in this link was not found</h2>
      <p>
        The link names <strong>{p.label}</strong>, but its server has no file at that address (it
        answered {p.status}): the file was moved or removed, or the link is mistyped. Ask whoever
        sent the link for a new one, or load another model.
      </p>
    </>
  );
}

/** Acts on the dialog's answer; focus inside the dialog moves on past it. */
function answer(dialog: HTMLElement | null, act: () => void): void {
  const hadFocus = dialog?.contains(document.activeElement) ?? false;
  act();
  if (dialog && hadFocus) focusAfter(dialog);
}

/** What the dialog learns of the linked file before any download. */
type Remote =
  /** Its size: for one of this site's models, graph and weights (`whole`); else the graph's. */
  | { kind: 'size'; bytes: number; dataFiles: number; whole: boolean }
  /** Its server answered that there is no such file (404, 410). */
  | { kind: 'missing'; status: number };

/** Statuses that mean the file is not there, rather than a server that will not say. */
const GONE = new Set([404, 410]);

/** What a HEAD request says of `url`: its size, that it is missing, or nothing (null). */
async function headRemote(url: string, signal: AbortSignal): Promise<Remote | null> {
  const r = await fetch(url, { method: 'HEAD', signal });
  if (GONE.has(r.status)) return { kind: 'missing', status: r.status };
  const n = Number(r.headers.get('content-length'));
  return r.ok && Number.isFinite(n) && n > 0
    ? { kind: 'size', bytes: n, dataFiles: 0, whole: false }
    : null;
}

/**
 * What downloading `url` costs: for one of this site's models, its graph and weights files as the
 * site's manifest lists them (`whole`); otherwise the file's size from a HEAD request (its
 * Content-Length), the graph only, or that the server has no such file. Null when neither says
 * (no CORS, offline, no Content-Length). Nothing is downloaded.
 */
function useRemoteFile(url: string | null): Remote | null {
  const [remote, setRemote] = useState<{ url: string; said: Remote } | null>(null);
  useEffect(() => {
    if (!url) return;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 5000);
    void (async () => {
      const site = siteModelBytes(url, await listLocalModels());
      if (ac.signal.aborted) return;
      const said: Remote | null = site
        ? { kind: 'size', ...site, whole: true }
        : await headRemote(url, ac.signal);
      if (said) setRemote({ url, said });
    })()
      .catch(() => {})
      .finally(() => clearTimeout(timer));
    return () => ac.abort();
  }, [url]);
  return remote && remote.url === url ? remote.said : null;
}
