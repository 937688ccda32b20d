/**
 * The Chromium the browser tests drive and its flags: one definition, shared with `npm test` and
 * `npm run bench` (scripts/chromium.mjs).
 */
export {
  BASE_FLAGS,
  findChromium,
  NO_CHROMIUM_MESSAGE,
  WEBGPU_FLAGS,
} from '../../scripts/chromium.mjs';
