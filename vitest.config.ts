import { defineConfig } from 'vitest/config';

// Two suites: `unit` (fast, real bwrap and small inputs) and `e2e` (the real kernel).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], globalSetup: ['test/helpers/bwrap-setup.ts'], testTimeout: 120_000, hookTimeout: 300_000 } },
      { test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: ['test/helpers/bwrap-setup.ts'], testTimeout: 3_600_000, hookTimeout: 3_600_000, fileParallelism: false } },
    ],
  },
});
