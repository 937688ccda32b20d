import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { parseUrlSettings } from './lib/url-params';
import { pushAlert, useApp } from './store/app-store';
import { registerServiceWorker } from './lib/service-worker';
import './styles.css';

registerServiceWorker();

// Settings from the URL, applied before the first render; bad values become notices.
const { settings, notices } = parseUrlSettings(location.search);
useApp.setState((s) => ({ settings: { ...s.settings, ...settings } }));
for (const message of notices) pushAlert({ kind: 'notice', message });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
