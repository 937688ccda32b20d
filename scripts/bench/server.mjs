/**
 * The benchmark's own static server: the built app, the bench page, the materialized models (as
 * files for the app and in transformers.js's layout), transformers.js's onnxruntime-web WASM
 * files and the test image. `isolation` adds COOP/COEP (WASM threads); without it the pages are
 * not cross-origin isolated, so onnxruntime-web runs on one thread (the app's own rule).
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
};

/**
 * `routes` maps a URL prefix to a folder, or to a function (rest of the path) => { file } |
 * { body, type } | null.
 */
export async function serve(routes, { isolation }) {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const prefix = Object.keys(routes)
      .sort((a, b) => b.length - a.length)
      .find((p) => url.startsWith(p));
    if (isolation) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    }
    res.setHeader('Cache-Control', 'no-store');
    const notFound = () => {
      res.statusCode = 404;
      res.end('not found');
    };
    if (!prefix) return notFound();
    const rest = url.slice(prefix.length);
    const route = routes[prefix];
    let target;
    if (typeof route === 'function') {
      target = route(rest);
    } else {
      const file = path.join(route, rest);
      if (!file.startsWith(route)) return notFound();
      target = { file };
    }
    if (!target) return notFound();
    if (target.body !== undefined) {
      res.setHeader('Content-Type', target.type ?? 'application/octet-stream');
      res.end(target.body);
      return;
    }
    let file = target.file;
    if (fs.existsSync(file) && fs.statSync(file).isDirectory())
      file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) return notFound();
    res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', fs.statSync(file).size);
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    origin: `http://localhost:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
