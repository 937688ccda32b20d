import { formatBytes } from '../../lib/files';
import type { DownloadState } from '../../store/app-store';

export function DownloadBar({
  download,
  onCancel,
}: {
  download: DownloadState;
  onCancel: () => void;
}) {
  const { loaded, total, bytesPerSecond, label } = download;
  const pct = total ? Math.min(100, (loaded / total) * 100) : null;
  return (
    <div className="download">
      <div className="row">
        <span className="grow ellipsis">Downloading {label}</span>
        <button type="button" onClick={onCancel}>
          Cancel download
        </button>
      </div>
      <progress
        aria-label="Download progress"
        max={total ?? undefined}
        value={total ? loaded : undefined}
      />
      <small>
        {formatBytes(loaded)}
        {total ? ` of ${formatBytes(total)} (${pct!.toFixed(0)}%)` : ''} ·{' '}
        {formatBytes(bytesPerSecond)}/s
      </small>
    </div>
  );
}
