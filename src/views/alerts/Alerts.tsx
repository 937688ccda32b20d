import { focusAfter } from '../../lib/focus';
import { dismissAlert, useApp, type Alert } from '../../store/app-store';

/**
 * Errors (role `alert`, naming the file) and notices, each dismissible. Errors come first, each
 * announced by its own role; the notices sit in a polite live region that is always there, so a
 * notice added later (a fallback's reason) is read out too. Two lists, so that no error is inside
 * a live region as well and read twice.
 */
export function Alerts() {
  const alerts = useApp((s) => s.alerts);
  const dismiss = (id: number, button: HTMLElement) => {
    // Focus goes to the next alert's button, else on past the alerts, not to <body>.
    const rows = [...(button.closest('.alerts')?.querySelectorAll('.alert') ?? [])];
    const at = rows.findIndex((r) => r.contains(button));
    const next = (rows[at + 1] ?? rows[at - 1])?.querySelector('button');
    const region = button.closest('.alerts');
    dismissAlert(id);
    if (next) next.focus();
    else if (region) focusAfter(region);
  };
  const row = (a: Alert) => (
    <div
      key={a.id}
      // A removal's Undo floats at the foot of the window: the card removed may be a long way
      // down the page, and the notice at its top would be out of sight.
      className={`alert alert-${a.kind}${a.topic === 'removed' ? ' alert-toast' : ''}`}
    >
      {/* The role sits on the message alone, so it reads without the dismiss button. */}
      <span role={a.kind === 'error' ? 'alert' : 'note'}>{a.message}</span>
      {a.action && (
        <button
          type="button"
          className="alert-action"
          aria-label={a.subject ? `${a.action.label}: ${a.subject}` : a.action.label}
          // The action says where focus goes (an undone removal: to the image back).
          onClick={() => {
            a.action!.run();
            dismissAlert(a.id);
          }}
        >
          {a.action.label}
        </button>
      )}
      <button
        type="button"
        // Named by what it dismisses: a list of "Dismiss" buttons says nothing by itself.
        aria-label={
          a.subject
            ? `Dismiss the ${a.kind === 'error' ? 'error' : 'notice'} about ${a.subject}`
            : `Dismiss the ${a.kind === 'error' ? 'error' : 'notice'}`
        }
        onClick={(e) => dismiss(a.id, e.currentTarget)}
      >
        ×
      </button>
    </div>
  );
  return (
    <div className="alerts">
      {alerts.filter((a) => a.kind === 'error').map(row)}
      <div className="alert-notices" aria-live="polite" aria-relevant="additions">
        {alerts.filter((a) => a.kind !== 'error').map(row)}
      </div>
    </div>
  );
}
