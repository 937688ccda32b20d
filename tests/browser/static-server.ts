/**
 * A small static file server for the built app. `isolation` adds the COOP/COEP headers (like the
 * dev server); without it the server behaves like a host that cannot set headers.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.onnx': 'application/octet-stream',
};

export interface StaticServer {
  url: string;
  /**
   * Drops every request (the connection is cut) while true: offline for every fetch, the service
   * worker's own included, which Playwright's `context.setOffline` does not cover.
   */
  down: boolean;
  close(): Promise<void>;
}

export async function serveStatic(
  root: string,
  opts: { isolation: boolean; mount?: string } = { isolation: true },
): Promise<StaticServer> {
  const mount = opts.mount ?? '/';
  const state = { down: false };
  const server = http.createServer((req, res) => {
    if (state.down) {
      req.socket.destroy();
      return;
    }
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
    if (!url.startsWith(mount)) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    let file = path.join(root, url.slice(mount.length));
    if (!file.startsWith(root)) {
      res.statusCode = 403;
      res.end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory())
      file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', fs.statSync(file).size);
    if (opts.isolation) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    }
    if (url.includes('/slow/')) {
      // A slow host, for cancelling downloads: 64 KiB every 200 ms, stopped when the client goes.
      const data = fs.readFileSync(file);
      let at = 0;
      const timer = setInterval(() => {
        if (res.destroyed || at >= data.length) {
          clearInterval(timer);
          res.end();
          return;
        }
        res.write(data.subarray(at, at + 65536));
        at += 65536;
      }, 200);
      res.on('close', () => clearInterval(timer));
      return;
    }
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}${mount}`,
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
      // Kept-alive connections would otherwise still serve; new ones are cut above.
      if (v) server.closeAllConnections();
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
