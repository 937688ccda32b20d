#!/usr/bin/env node
// `npm test`: every test, unit and real-browser. Fails early, with instructions, when no Chromium
// is installed (the tests never download a browser).
import { spawnSync } from 'node:child_process';
import { findChromium, NO_CHROMIUM_MESSAGE } from './chromium.mjs';

const found = findChromium();
if (!found) {
  console.error(NO_CHROMIUM_MESSAGE);
  process.exit(1);
}
const args = ['vitest', 'run', ...process.argv.slice(2)];
const r = spawnSync('npx', args, {
  stdio: 'inherit',
  env: { ...process.env, CHROMIUM_PATH: found },
});
process.exit(r.status ?? 1);
