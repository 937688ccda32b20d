/**
 * Builds the app once (the production build: what users get) and serves it with cross-origin
 * isolation for every browser test file.
 */
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { findChromium, NO_CHROMIUM_MESSAGE } from './chromium';
import { serveStatic, type StaticServer } from './static-server';

let server: StaticServer | null = null;

export default async function setup(project: TestProject) {
  if (!findChromium()) throw new Error(NO_CHROMIUM_MESSAGE);
  const root = path.resolve(import.meta.dirname, '../..');
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinov2-explorer-dist-'));
  // Vitest sets NODE_ENV=test, which would make a development build; test what users get.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root,
      mode: 'production',
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  server = await serveStatic(outDir, { isolation: true });
  project.provide('appUrl', server.url);
  project.provide('distDir', outDir);
  return async () => {
    await server?.close();
    fs.rmSync(outDir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    appUrl: string;
    distDir: string;
  }
}
