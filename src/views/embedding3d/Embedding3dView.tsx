import { lazy, Suspense } from 'react';

/**
 * three.js and the view load on first use, so the rest of the app starts without them. If the
 * chunk cannot load (offline before the view was ever opened), the view says so.
 */
const Embedding3d = lazy(() =>
  import('./Embedding3d').catch(() => ({
    default: function Unavailable() {
      return (
        <p className="notice">
          The 3D view could not be loaded (offline?). Reload the page when online.
        </p>
      );
    },
  })),
);

/** The collection and its patches as explorable 3D point clouds (three.js). */
export function Embedding3dView() {
  return (
    <Suspense fallback={<p className="muted">Loading the 3D view…</p>}>
      <Embedding3d />
    </Suspense>
  );
}
