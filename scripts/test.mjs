#!/usr/bin/env node
// `npm test`: every test, unit and real-browser. Fails early, with instructions, when no Chromium
// is installed (the tests never download a browser).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const candidates = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];
const found =
  candidates.find((p) => p && fs.existsSync(p)) ??
  spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
    encoding: 'utf8',
  }).stdout.trim();
if (!found) {
  console.error(`npm test needs a Chromium for its browser tests, and none was found.
Install one, then run npm test again:
  - Debian/Ubuntu: sudo apt-get install -y chromium
  - or set CHROMIUM_PATH to a Chromium or Chrome binary: CHROMIUM_PATH=/path/to/chrome npm test
(The tests never download a browser.)`);
  process.exit(1);
}
const args = ['vitest', 'run', ...process.argv.slice(2)];
const r = spawnSync('npx', args, {
  stdio: 'inherit',
  env: { ...process.env, CHROMIUM_PATH: found },
});
process.exit(r.status ?? 1);
