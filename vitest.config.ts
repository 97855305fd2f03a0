import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Stack tests bundle nothing but still build large templates; keep parallelism modest on 2 cores.
    maxWorkers: 2,
  },
});
