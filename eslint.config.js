import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

// Module boundaries (as excalidraw does): only src/engine may import onnxruntime-web; the pure
// math in src/features and the model reader in src/model stay free of React and the DOM store.
const noOrt = {
  paths: [{ name: 'onnxruntime-web', message: 'Only src/engine may import onnxruntime-web.' }],
  patterns: [
    { group: ['onnxruntime-web/*'], message: 'Only src/engine may import onnxruntime-web.' },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist',
      'node_modules',
      '.dbg',
      '.gl',
      '.whl',
      'tests/fixtures',
      'bench/out',
      'models',
      'coverage',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.worker } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'react-hooks/set-state-in-effect': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', noOrt],
    },
  },
  {
    // The oracle of the block tests runs the fixture itself, outside the app (see its header).
    files: ['src/engine/**', 'tests/block-reference.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/features/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...noOrt,
          patterns: [
            ...noOrt.patterns,
            {
              group: ['react', 'react-dom', 'zustand', '../store/*', '../views/*', '../engine/*'],
              message: 'src/features is pure math: no UI, store or engine imports.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/model/**', 'src/lib/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...noOrt,
          patterns: [
            ...noOrt.patterns,
            {
              group: ['react', 'react-dom', '../store/*', '../views/*'],
              message: 'src/model and src/lib do not depend on the UI.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['public/sw.js'],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  {
    files: ['scripts/**/*.{js,mjs,ts}', 'tests/**/*.{ts,mjs}', '*.config.{js,ts}'],
    languageOptions: { globals: { ...globals.node } },
  },
);
