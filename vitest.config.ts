import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Stack tests bundle nothing but still build large templates; keep parallelism modest on 2 cores.
    maxWorkers: 2,
    // The SDK's "releases after January 2027 need Node 22" warning, once per worker, buried
    // the test output; local dev and CI run Node 20 on purpose (README, Node versions).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
