import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'actions/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // The AWS SDK's notice that its 2027 releases need Node.js 22 is noise in test logs.
    // Tests of the process runtime need not say so; the container tests ask for containers explicitly.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', MXN_RUNTIME: 'process' },
  },
});
