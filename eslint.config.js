import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.data/**', '**/coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Packages talk to each other only through their public entry points.
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@pipewright/*/src/*', '**/packages/*/src/*'], message: 'Import a package through its public entry point.' }] },
      ],
    },
  },
  {
    // Core runs on Node, Bun, Deno, edge runtimes and in the browser.
    files: ['packages/core/src/**/*.ts'],
    ignores: ['packages/core/src/**/*.test.ts', 'packages/core/src/**/*.node-fixture.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Core is platform-neutral: use web standards.' },
            { group: ['@pipewright/*'], message: 'Core imports nothing from this repo.' },
          ],
        },
      ],
    },
  },
);
