import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import path from 'node:path';
import { buildAssetsPlugin } from './scripts/vite/build-assets.ts';
import { modelsFolderPlugin } from './scripts/vite/models-folder.ts';

// Cross-origin isolation lets onnxruntime-web use WASM threads (SharedArrayBuffer).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export default defineConfig({
  // Relative base: the static build works from any path (a project page, a sub-folder, a file share).
  base: './',
  plugins: [
    react(),
    modelsFolderPlugin(path.resolve(import.meta.dirname, 'models')),
    // The list of this build's files, which the service worker caches for offline use.
    buildAssetsPlugin(),
  ],
  server: { headers: isolation },
  preview: { headers: isolation },
  // The worker runs ORT; an ES-module worker is what ORT's threaded WASM expects.
  worker: { format: 'es' },
  // Pre-bundling would move ORT away from its .wasm files (they are located from import.meta.url).
  // The rest is pre-bundled at start: found only when the lazy 3D view or a worker first loads,
  // the dev server would re-optimize and reload the page under the user.
  optimizeDeps: {
    exclude: ['onnxruntime-web'],
    include: ['three', 'three/examples/jsm/controls/OrbitControls.js', 'umap-js', 'idb'],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
});
