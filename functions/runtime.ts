/**
 * Wiring shared by every entry point (Lambda handlers and the local server): clients, stores and
 * configuration from the environment, created once per process.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ulid } from 'ulid';
import { DEFAULT_TAG_PREFIX, type FeedContext } from '../shared/domain/feeds/urls';
import { clientConfig, documentClient, tablesFromEnv, viewsEndpoint, type Tables } from '../shared/adapters/dynamodb/client';
import { EventStore } from '../shared/adapters/dynamodb/event-store';
import { IdempotencyStore } from '../shared/adapters/dynamodb/idempotency-store';
import { StoryWriter } from '../shared/application/story-writer';
import type { ViewReader } from '../shared/application/ports';
import { activeGeneration } from '../shared/adapters/dynamodb/views/pointer';
import { replayStores } from '../shared/adapters/dynamodb/views/replay-store';
import { activeViews } from '../shared/adapters/dynamodb/views/writes';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReplayContext } from '../shared/application/replay';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'newsroom' });

export interface Runtime {
  /** The events and idempotency tables. */
  db: DynamoDBDocumentClient;
  /** The views table: the same client on AWS; locally the views have a DynamoDB Local of their own. */
  viewsDb: DynamoDBDocumentClient;
  tables: Tables;
  events: EventStore;
}

export function createRuntime(env: NodeJS.ProcessEnv = process.env): Runtime {
  const db = documentClient(clientConfig(env.DYNAMODB_ENDPOINT));
  const views = viewsEndpoint(env);
  const viewsDb = views === env.DYNAMODB_ENDPOINT ? db : documentClient(clientConfig(views));
  const tables = tablesFromEnv(env);
  return { db, viewsDb, tables, events: new EventStore(db, tables.events) };
}

export function feedContext(env: NodeJS.ProcessEnv = process.env, fallbackBaseUrl = 'http://127.0.0.1:3000'): FeedContext {
  return {
    baseUrl: (env.PUBLIC_BASE_URL ?? fallbackBaseUrl).replace(/\/+$/, ''),
    tagPrefix: env.NEWSROOM_TAG_PREFIX ?? DEFAULT_TAG_PREFIX,
    ...(env.WEBSUB_HUB_URL ? { hubUrl: env.WEBSUB_HUB_URL } : {}),
  };
}

/** What replay needs: the events, and its stores on the views table. */
export function replayContext(rt: Runtime, log?: (line: string) => void): ReplayContext {
  return { events: rt.events, ...replayStores(rt.viewsDb, rt.tables.views), ...(log ? { log } : {}) };
}

/** View reads for the write side, always from the active generation. */
export function liveViews(rt: Runtime): ViewReader {
  const current = activeViews(rt.viewsDb, rt.tables.views);
  return {
    head: async (storyId, consistent) => (await current()).head(storyId, consistent),
    entry: async (storyId, updateId, consistent) => (await current()).entry(storyId, updateId, consistent),
  };
}

export function createWriter(rt: Runtime, options: { now?: () => string } = {}): StoryWriter {
  return new StoryWriter(rt.events, liveViews(rt), new IdempotencyStore(rt.db, rt.tables.idempotency), { newId: () => ulid(), ...options });
}

export async function storeIsReachable(rt: Runtime): Promise<boolean> {
  await Promise.all([activeGeneration(rt.viewsDb, rt.tables.views), rt.events.headVersion('health-check')]);
  return true;
}
