import { defineConfig } from 'vitest/config';

/**
 * `npm run test:aws`: the bundled Lambdas under their synthesized IAM policies, against moto
 * (test/aws/README.md). One file, one worker: the profile deploys once and runs in order.
 */
export default defineConfig({
  test: {
    include: ['test/aws/**/*.aws.ts'],
    testTimeout: 60_000,
    // The synth (esbuild bundles of every function) and the deploy into the emulator.
    hookTimeout: 240_000,
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { concurrent: false },
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
