// The Chromium that the browser tests and the benchmark drive (never downloaded), and the flags
// that make it work headless here. Plain JS so that `npm test` and `npm run bench` need no TS loader.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** CHROMIUM_PATH, else the usual install places, else whatever `chromium` the PATH has; or null. */
export function findChromium() {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ].filter(Boolean);
  for (const c of candidates) if (fs.existsSync(c)) return c;
  try {
    return (
      execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
        encoding: 'utf8',
      }).trim() || null
    );
  } catch {
    return null;
  }
}

export const BASE_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** WebGPU on SwiftShader (Vulkan on the CPU): slow but real, enough for the tiny fixtures. */
export const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-vulkan-surface',
];

export const NO_CHROMIUM_MESSAGE = `No Chromium was found for the browser tests.
Install one and run again:
  - Debian/Ubuntu: sudo apt-get install -y chromium
  - or point CHROMIUM_PATH at any Chromium or Chrome binary: CHROMIUM_PATH=/path/to/chrome npm test
(The tests never download a browser.)`;
