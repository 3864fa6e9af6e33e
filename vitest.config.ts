import { defineConfig } from 'vitest/config';

// Tests run on source: the custom export condition points every
// `@pipewright/*` import at `src/` so no build is needed before testing.
export default defineConfig({
  resolve: { conditions: ['@pipewright/source'] },
  ssr: { resolve: { conditions: ['@pipewright/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
    typecheck: { enabled: true, include: ['packages/*/src/**/*.test-d.ts'], tsconfig: './packages/core/tsconfig.json' },
    testTimeout: 20_000,
  },
});
