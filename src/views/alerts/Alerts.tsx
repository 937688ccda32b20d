import { focusAfter } from '../../lib/focus';
import { dismissAlert, useApp } from '../../store/app-store';

/**
 * Errors (role `alert`, naming the file) and notices, each dismissible. The container is always
 * there and polite-live, so a notice added later (a fallback's reason) is read out too.
 */
export function Alerts() {
  const alerts = useApp((s) => s.alerts);
  const dismiss = (id: number, button: HTMLElement) => {
    // Focus goes to the next alert's button, else on past the alerts, not to <body>.
    const row = button.closest('.alert');
    const next = (row?.nextElementSibling ?? row?.previousElementSibling)?.querySelector('button');
    const region = button.closest('.alerts');
    dismissAlert(id);
    if (next) next.focus();
    else if (region) focusAfter(region);
  };
  return (
    <div className="alerts" aria-live="polite" aria-relevant="additions">
      {alerts.map((a) => (
        <div key={a.id} className={`alert alert-${a.kind}`}>
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
      ))}
    </div>
  );
}
