import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure code under Node, fast) and `browser` (the built app driven in a real
// Chromium through playwright-core, against the production build; see tests/browser/*.test.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/browser/global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          // One Chromium at a time: the machine has two cores and SwiftShader is CPU-bound.
          fileParallelism: false,
        },
      },
    ],
  },
});
