import { defineConfig } from 'vitest/config';

// The config runs in vitest's main process (global setup creates SDK clients there): the local
// Node 20 is intended, Lambda runs nodejs22+.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    globalSetup: ['test/support/dynamodb.global.ts'],
    // DynamoDB Local and the parsers are real processes on a 2-core machine: give them room.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
    },
    maxWorkers: 2,
  },
});
