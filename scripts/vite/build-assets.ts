/**
 * Writes `build-assets.json` next to index.html: every file this build emitted under `assets/`,
 * with its size. The service worker (public/sw.js) reads it to cache the whole current build while
 * online, chunks loaded only on demand included (the 3D view, its layout worker), so that after a
 * redeploy they open offline although the visitor never opened them on the new build. Not hashed:
 * every build's list is at the same address.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

export const BUILD_ASSETS = 'build-assets.json';

export interface BuildAssets {
  /** Paths relative to the site's folder (`assets/name-hash.ext`), sorted. */
  assets: { file: string; bytes: number }[];
}

export function buildAssetsPlugin(): Plugin {
  let assetsDir = 'assets';
  return {
    name: 'dinov2-build-assets',
    apply: 'build',
    configResolved(config) {
      assetsDir = config.build.assetsDir;
    },
    // After writing, so that the workers' chunks and the files they import (onnxruntime's .wasm)
    // are on disk with their final sizes. Read from this build's bundle, not from the folder: a
    // build that keeps its output folder would otherwise list older builds' files too.
    writeBundle(options, bundle) {
      const dir = options.dir ?? path.dirname(options.file ?? '');
      const assets = Object.keys(bundle)
        .filter((f) => f.startsWith(`${assetsDir}/`))
        .sort()
        .map((file) => ({ file, bytes: fs.statSync(path.join(dir, file)).size }));
      const list: BuildAssets = { assets };
      fs.writeFileSync(path.join(dir, BUILD_ASSETS), JSON.stringify(list));
    },
  };
}
