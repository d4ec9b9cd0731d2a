import { defineConfig } from 'vitest/config';

// The config runs in vitest's main process (global setup creates SDK clients there): the local
// Node 20 is intended, Lambda runs nodejs22+.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Specs that need neither DynamoDB Local nor a newsroom server (`npm run test:unit`): the WebSub test
// starts only an in-process HTTP hub, infra synthesizes the stack in-process. The feed-parser self-test
// needs neither either, but drives newsboat and friends for many seconds: it runs with the integration.
const unit = [
  'test/domain/**/*.test.ts',
  'test/events/**/*.test.ts',
  'test/tooling/**/*.test.ts',
  'test/infra/**/*.test.ts',
  'test/adapters/websub.test.ts',
  'test/adapters/scheduler.test.ts',
  'test/adapters/update-ids.test.ts',
  'test/bin/newsroom-client.test.ts',
];
const notTests = ['test/bench/**', 'node_modules/**'];

export default defineConfig({
  test: {
    exclude: notTests,
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
    projects: [
      { extends: true, test: { name: 'unit', include: unit } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...notTests, ...unit],
          globalSetup: ['test/support/dynamodb.global.ts'],
        },
      },
    ],
  },
});
