import { dismissAlert, useApp } from '../../store/app-store';

/** Errors (role `alert`, naming the file) and notices, each dismissible. */
export function Alerts() {
  const alerts = useApp((s) => s.alerts);
  if (alerts.length === 0) return null;
  return (
    <div className="alerts">
      {alerts.map((a) => (
        <div key={a.id} className={`alert alert-${a.kind}`}>
          {/* The role sits on the message alone, so it reads without the dismiss button. */}
          <span role={a.kind === 'error' ? 'alert' : 'note'}>{a.message}</span>
          <button type="button" aria-label="Dismiss" onClick={() => dismissAlert(a.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
