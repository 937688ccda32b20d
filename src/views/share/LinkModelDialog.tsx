import { useApp } from '../../store/app-store';
import { acceptLinkModel, declineLinkModel, describeLinkModel } from '../../store/link';

/** Asks before downloading a model that an opened link names: where from, and how big. */
export function LinkModelDialog() {
  const pending = useApp((s) => s.pendingLinkModel);
  if (!pending) return null;
  const d = describeLinkModel(pending);
  return (
    <div className="dialog" role="dialog" aria-modal="false" aria-labelledby="link-model-title">
      <h2 id="link-model-title">Load the model from this link?</h2>
      <p>
        The link asks to download <strong>{d.label}</strong> from <strong>{d.host}</strong> (
        {d.size}).
      </p>
      <p className="muted ellipsis" title={d.url}>
        {d.url}
      </p>
      <div className="row">
        <button type="button" onClick={acceptLinkModel}>
          Download model
        </button>
        <button type="button" onClick={declineLinkModel}>
          Not now
        </button>
      </div>
    </div>
  );
}
