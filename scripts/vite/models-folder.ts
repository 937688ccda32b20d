/**
 * Serves the top-level `models/` folder at `<base>models/` (dev server and preview) and copies it
 * into `dist/models/` at build time, with a `manifest.json` listing what is there. The app reads
 * that manifest, so a self-hosted demo needs no third-party model host: drop an export into
 * `models/<name>/` and it appears in the app.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

export interface LocalModelEntry {
  /** Folder name under models/. */
  id: string;
  /** One entry per .onnx file in the folder. */
  variants: { file: string; bytes: number; dataFiles: { file: string; bytes: number }[] }[];
}

export function scanModelsFolder(root: string): LocalModelEntry[] {
  if (!fs.existsSync(root)) return [];
  const out: LocalModelEntry[] = [];
  for (const dir of fs.readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const folder = path.join(root, dir.name);
    // Exports from the hub keep their graphs in an `onnx/` subfolder; accept both layouts.
    const candidates = [folder, path.join(folder, 'onnx')].filter((d) => fs.existsSync(d));
    const variants: LocalModelEntry['variants'] = [];
    for (const d of candidates) {
      const files = fs.readdirSync(d);
      for (const f of files.filter((n) => n.endsWith('.onnx')).sort()) {
        const rel = path.relative(folder, path.join(d, f)).split(path.sep).join('/');
        const dataFiles = files
          .filter((n) => n.startsWith(f) && n !== f)
          .map((n) => ({
            file: path.relative(folder, path.join(d, n)).split(path.sep).join('/'),
            bytes: fs.statSync(path.join(d, n)).size,
          }));
        variants.push({ file: rel, bytes: fs.statSync(path.join(d, f)).size, dataFiles });
      }
    }
    if (variants.length > 0) out.push({ id: dir.name, variants });
  }
  return out;
}

export function modelsFolderPlugin(root: string): Plugin {
  let outDir = 'dist';
  return {
    name: 'dinov2-models-folder',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use(serveModels(root));
    },
    configurePreviewServer(server) {
      server.middlewares.use(serveModels(root));
    },
    closeBundle() {
      const target = path.join(outDir, 'models');
      fs.mkdirSync(target, { recursive: true });
      const entries = scanModelsFolder(root);
      for (const e of entries) {
        fs.cpSync(path.join(root, e.id), path.join(target, e.id), { recursive: true });
      }
      fs.writeFileSync(path.join(target, 'manifest.json'), JSON.stringify({ models: entries }));
    },
  };
}

function serveModels(root: string) {
  return (
    req: { url?: string },
    res: {
      statusCode: number;
      setHeader(k: string, v: string | number): void;
      end(b?: string): void;
    } & NodeJS.WritableStream,
    next: () => void,
  ) => {
    const url = decodeURIComponent((req.url ?? '').split('?')[0]);
    const at = url.indexOf('/models/');
    if (at < 0) return next();
    const rel = url.slice(at + '/models/'.length);
    if (rel === 'manifest.json') {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Cache-Control', 'no-store');
      res.end(JSON.stringify({ models: scanModelsFolder(root) }));
      return;
    }
    const file = path.resolve(root, rel);
    if (!file.startsWith(path.resolve(root) + path.sep) || !fs.existsSync(file)) return next();
    const stat = fs.statSync(file);
    if (!stat.isFile()) return next();
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', stat.size);
    fs.createReadStream(file).pipe(res);
  };
}
