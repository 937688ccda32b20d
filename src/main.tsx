import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { parseLink } from './lib/link-state';
import { pushAlert } from './store/app-store';
import { applyLink, syncAddressBar } from './store/link';
import { registerServiceWorker } from './lib/service-worker';
import './styles.css';

registerServiceWorker();

// The link's state, applied before the first render; bad values become notices, never errors.
const { state, notices } = parseLink(location.search);
applyLink(state);
for (const message of notices) pushAlert({ kind: 'notice', message });
syncAddressBar();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
