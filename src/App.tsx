import { useEffect, useRef, useState } from 'react';
import { filesFromDrop } from './lib/drop';
import type { ViewId } from './lib/link-state';
import { useApp } from './store/app-store';
import { LinkModelDialog } from './views/share/LinkModelDialog';
import { SharePanel } from './views/share/SharePanel';
import { isModelFile } from './lib/files';
import { addFolderFiles, addImages, engine, loadModel } from './store/controller';
import { Alerts } from './views/alerts/Alerts';
import { AttentionView } from './views/attention/AttentionView';
import { Embedding3dView } from './views/embedding3d/Embedding3dView';
import { SearchView } from './views/search/SearchView';
import { ImageGrid } from './views/images/ImageGrid';
import { ImagesPanel } from './views/images/ImagesPanel';
import { ModelInfoPanel } from './views/model/ModelInfoPanel';
import { ModelPanel } from './views/model/ModelPanel';
import { PcaView } from './views/pca/PcaView';
import { StatusLine } from './views/status/StatusLine';
import { ViewBoundary } from './views/shared/ViewBoundary';

const VIEWS: { id: ViewId; label: string }[] = [
  { id: 'images', label: 'Collection' },
  { id: 'pca', label: 'PCA maps' },
  { id: 'attention', label: 'Attention' },
  { id: 'search', label: 'Search' },
  { id: '3d', label: '3D view' },
];

export function App() {
  const [dragging, setDragging] = useState(false);
  const [sideOpen, setSideOpen] = useState(true);
  const view = useApp((s) => s.view);
  const setView = (v: ViewId) => useApp.setState({ view: v });
  // WAI-ARIA tabs: one Tab stop (the selected tab); arrows, Home and End move and select.
  const onTabKey = (e: React.KeyboardEvent) => {
    const i = VIEWS.findIndex((v) => v.id === view);
    const next =
      e.key === 'ArrowRight'
        ? (i + 1) % VIEWS.length
        : e.key === 'ArrowLeft'
          ? (i - 1 + VIEWS.length) % VIEWS.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? VIEWS.length - 1
              : null;
    if (next === null) return;
    e.preventDefault();
    setView(VIEWS[next].id);
    document.getElementById(`tab-${VIEWS[next].id}`)?.focus();
  };
  useEffect(() => {
    engine(); // start the worker (and the WebGPU probe) before the user needs it
  }, []);
  // A view opened from elsewhere (Find similar on a card far down, Open in Attention) starts at
  // its top: on a phone the views sit below the side panel, and the page stayed where it was.
  const shownView = useRef(view);
  useEffect(() => {
    if (shownView.current === view) return;
    shownView.current = view;
    const tabs = document.getElementById('views');
    const top = tabs?.getBoundingClientRect().top ?? 0;
    if (tabs && (top < 0 || top > innerHeight / 2)) tabs.scrollIntoView({ block: 'start' });
  }, [view]);

  const onDrop = async (e: React.DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const files = await filesFromDrop(e.dataTransfer);
    const models = files.filter(isModelFile);
    if (models.length > 0) void loadModel({ kind: 'files', files: models }, models[0].name);
    const rest = files.filter((f) => !isModelFile(f));
    // Files a dropped folder holds are treated as the "Add folder" picker treats them: hidden
    // files and other kinds skipped with one notice, not an alert for each.
    const inFolder = rest.filter((f) => f.webkitRelativePath);
    const loose = rest.filter((f) => !f.webkitRelativePath);
    if (inFolder.length > 0) addFolderFiles(inFolder);
    if (loose.length > 0) addImages(loose);
  };

  return (
    <div
      className={`app${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => void onDrop(e)}
    >
      {/* For keyboards (and narrow screens, where the side panel comes first): straight to the views. */}
      <a
        className="skip-link"
        href="#views"
        onClick={(e) => {
          // Focus the selected tab itself (one Tab stop for the views), and keep the address clean.
          e.preventDefault();
          document.querySelector<HTMLElement>('[role=tab][aria-selected=true]')?.focus();
        }}
      >
        Skip to the views
      </a>
      <header className="top">
        <h1>DINOv2 Explorer</h1>
        <StatusLine />
        <SharePanel />
      </header>
      <LinkModelDialog />
      <Alerts />
      <div className="layout">
        <aside className={`side${sideOpen ? '' : ' folded'}`} aria-label="Model and images">
          {/* On a phone the panels sit above the views and fill screens: they fold away (the
              button and the summary exist only there; see styles.css). */}
          <button
            type="button"
            className="side-toggle"
            aria-expanded={sideOpen}
            aria-controls="side-panels"
            onClick={() => setSideOpen((o) => !o)}
          >
            {sideOpen ? 'Hide model and images' : 'Show model and images'}
          </button>
          {!sideOpen && <SideSummary />}
          <div id="side-panels" className="side-panels">
            {/* Each panel fails on its own, as each view does: the others keep working. */}
            <ViewBoundary name="Model" kind="panel">
              <ModelPanel />
            </ViewBoundary>
            {/* Images (and their indexing progress, Pause, Cancel) before the model's details,
                which are read once and would push them a screen down. */}
            <ViewBoundary name="Images" kind="panel">
              <ImagesPanel />
            </ViewBoundary>
            <ViewBoundary name="Model details" kind="panel">
              <ModelInfoPanel />
            </ViewBoundary>
          </div>
        </aside>
        <main className="main">
          <div
            role="tablist"
            id="views"
            tabIndex={-1}
            aria-label="Views"
            className="tabs"
            onKeyDown={onTabKey}
          >
            {VIEWS.map((v) => (
              <button
                key={v.id}
                type="button"
                role="tab"
                id={`tab-${v.id}`}
                aria-controls="view-panel"
                aria-selected={view === v.id}
                tabIndex={view === v.id ? 0 : -1}
                onClick={() => setView(v.id)}
              >
                {v.label}
              </button>
            ))}
          </div>
          <div role="tabpanel" id="view-panel" aria-labelledby={`tab-${view}`}>
            <ViewBoundary key={view} name={VIEWS.find((v) => v.id === view)?.label ?? view}>
              {view === 'images' && <ImageGrid />}
              {view === 'pca' && <PcaView />}
              {view === 'attention' && <AttentionView />}
              {view === 'search' && <SearchView />}
              {view === '3d' && <Embedding3dView />}
            </ViewBoundary>
          </div>
        </main>
      </div>
      <footer className="foot">
        Everything runs in this browser; no image or model leaves it.
      </footer>
    </div>
  );
}

/** What the folded side panel holds, in one line: the model (or its load) and the images. */
function SideSummary() {
  const model = useApp((s) => s.model.info?.fileName ?? null);
  const block = useApp((s) => s.model.block);
  const loading = useApp((s) => s.model.loading);
  const images = useApp((s) => s.images.length);
  const what = loading
    ? `Loading ${loading}…`
    : model
      ? `Model: ${model}${block === null ? '' : `, block ${block}`}`
      : 'No model loaded';
  return (
    <p className="side-summary">
      {what} · {images} image{images === 1 ? '' : 's'}
    </p>
  );
}
