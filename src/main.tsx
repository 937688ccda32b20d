import { mountAnnouncer } from './lib/announce';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { parseLink } from './lib/link-state';
import { pushAlert } from './store/app-store';
import { acceptLinkModelIfCached, appBase, applyLink, syncAddressBar } from './store/link';
import { engine, restoreSession } from './store/controller';
import { registerServiceWorker } from './lib/service-worker';
import { guardUnsavedImages } from './store/collection';
import './styles.css';

registerServiceWorker();
guardUnsavedImages();

// `npm run bench` reads timings through a read-only hook, only with ?bench=1 (src/bench/hook.ts).
if (new URLSearchParams(location.search).get('bench') === '1') {
  void import('./bench/hook').then((m) => m.installBenchHook(engine()));
}

// The link's state, applied before the first render; bad values become notices, never errors.
const { state, notices } = parseLink(location.search, appBase());
applyLink({ ...state, images: undefined });
// Alerts keep the last few only: a link with many bad values says the rest in one notice.
const LINK_NOTICES = 6;
const shown = notices.length > LINK_NOTICES ? notices.slice(0, LINK_NOTICES - 1) : notices;
for (const message of shown) pushAlert({ kind: 'notice', message });
if (shown.length < notices.length) {
  pushAlert({
    kind: 'notice',
    message: `And ${notices.length - shown.length} more: ${notices.slice(shown.length).join(' ')}`,
  });
}
void acceptLinkModelIfCached();
syncAddressBar();
// The last visit's collection and model come back; the link's images are added after them.
void restoreSession(state.images, {
  ...(state.backend && { backend: state.backend }),
  ...(state.preprocess && { preprocess: state.preprocess }),
  ...(state.resolution !== undefined && { resolution: state.resolution }),
  ...(state.block !== undefined && { block: state.block }),
});

mountAnnouncer();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
