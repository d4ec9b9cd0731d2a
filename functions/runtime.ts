/**
 * Wiring shared by every entry point (Lambda handlers and the local server): clients, stores and
 * configuration from the environment, created once per process. What only one side needs is wired
 * beside it (./writer.ts, ./reader.ts, ./replay/context.ts), so no bundle carries another's code;
 * what needs no AWS SDK (the logger, the feeds' URLs) is in ./context.ts.
 */
import { clientConfig, documentClient, durableTransactions, tablesFromEnv, viewsEndpoint, type Tables } from '../shared/adapters/dynamodb/client';
import { EventLogReader, EventStore } from '../shared/adapters/dynamodb/event-store';
import { activeGeneration } from '../shared/adapters/dynamodb/views/pointer';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export { feedContext, logger } from './context';

export interface Runtime {
  /** The events and idempotency tables. */
  db: DynamoDBDocumentClient;
  /** The views table: the same client on AWS; locally the views have a DynamoDB Local of their own. */
  viewsDb: DynamoDBDocumentClient;
  tables: Tables;
  events: EventStore;
}

export function createRuntime(env: NodeJS.ProcessEnv = process.env): Runtime {
  const rt = clients(env);
  return { ...rt, events: new EventStore(rt.db, rt.tables.events) };
}

/** What the read side needs: the events table read only (the read function's bundle then carries no append). */
export type ReadRuntime = Omit<Runtime, 'events'> & { events: EventLogReader };

export function createReadRuntime(env: NodeJS.ProcessEnv = process.env): ReadRuntime {
  const rt = clients(env);
  return { ...rt, events: new EventLogReader(rt.db, rt.tables.events) };
}

function clients(env: NodeJS.ProcessEnv): Omit<Runtime, 'events'> {
  const tables = tablesFromEnv(env);
  const db = documentClient(clientConfig(env.DYNAMODB_ENDPOINT));
  const views = viewsEndpoint(env);
  const viewsDb = views === env.DYNAMODB_ENDPOINT ? db : documentClient(clientConfig(views));
  // DynamoDB Local: a transaction is answered only once it is written (client.ts), each database
  // probed at a key of no item in the table every use of it has (a read: no stream sees it).
  if (env.DYNAMODB_ENDPOINT) durableTransactions(db, { TableName: tables.events, Key: DURABILITY_PROBE.events });
  if (views && viewsDb !== db) durableTransactions(viewsDb, { TableName: tables.views, Key: DURABILITY_PROBE.views });
  return { db, viewsDb, tables };
}

/** The keys of no item that `durableTransactions` reads after each transaction on DynamoDB Local. */
export const DURABILITY_PROBE = {
  events: { storyId: '#durability-probe', version: 0 },
  views: { pk: '#durability', sk: 'probe' },
} as const;

export async function storeIsReachable(rt: ReadRuntime): Promise<boolean> {
  await Promise.all([activeGeneration(rt.viewsDb, rt.tables.views), rt.events.headVersion('health-check')]);
  return true;
}
