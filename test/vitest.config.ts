import { defineConfig } from 'vitest/config';

// Two projects: pure unit tests, and integration tests against real Redis,
// real SQLite files, real git and (when present) a real Docker engine.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          root: 'test/unit',
          include: ['**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          root: 'test/integration',
          include: ['**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
