/**
 * What every entry point shares that needs no AWS SDK: the logger and the feeds' URLs from the
 * environment. Apart from ./runtime.ts (the DynamoDB clients and stores), so that a function that
 * never touches DynamoDB (the edge refresher) does not load its SDK at a cold start.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DEFAULT_TAG_PREFIX, type FeedContext } from '../shared/domain/feeds/urls';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'newsroom' });

export function feedContext(env: NodeJS.ProcessEnv = process.env, fallbackBaseUrl = 'http://127.0.0.1:3000'): FeedContext {
  return {
    baseUrl: (env.PUBLIC_BASE_URL ?? fallbackBaseUrl).replace(/\/+$/, ''),
    tagPrefix: env.NEWSROOM_TAG_PREFIX ?? DEFAULT_TAG_PREFIX,
    ...(env.WEBSUB_HUB_URL ? { hubUrl: env.WEBSUB_HUB_URL } : {}),
  };
}
