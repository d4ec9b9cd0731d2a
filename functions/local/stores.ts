/**
 * The local stores: the events and idempotency tables in one database of the embedded DynamoDB
 * Local, the views table in another (DynamoDB Local keeps one database per access key: the views'
 * endpoint is `http://views@host:port`, see clientConfig). One database holds its tables in one
 * SQLite file, so a replay (or a busy projector) writing views would otherwise hold up every read
 * of the events: rebuilding 100,000 events took about the time of reading them plus the time of
 * writing the views; apart, the two overlap, as on AWS where each table is its own resource
 * (docs/projections.md, docs/benchmarks.md).
 *
 * DYNAMODB_ENDPOINT (an existing DynamoDB Local) holds every table, unless DYNAMODB_VIEWS_ENDPOINT
 * names another place for the views.
 */
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clientConfig, type Tables } from '../../shared/adapters/dynamodb/client';
import { describeTable, ensureTables } from '../../shared/adapters/dynamodb/tables';
import { startDynamoLocal } from './dynamodb-local';

export interface StoreEndpoints {
  /** Events and idempotency records. */
  endpoint: string;
  /** Views (the same as `endpoint` when one database holds every table). */
  viewsEndpoint: string;
}

export interface LocalStores extends StoreEndpoints {
  stop(): Promise<void>;
}

/** The views' database on the same DynamoDB Local instance as `endpoint`. */
export function viewsDatabase(endpoint: string): string {
  const url = new URL(endpoint);
  url.username = 'views';
  return url.toString().replace(/\/$/, '');
}

/** Starts the embedded DynamoDB Local: on `<dataDir>/dynamodb`, or in memory when `dataDir` is undefined. */
export async function startLocalStores(dataDir: string | undefined): Promise<LocalStores> {
  const dynamo = await startDynamoLocal(dataDir ? { dbPath: join(dataDir, 'dynamodb') } : {});
  return { endpoint: dynamo.endpoint, viewsEndpoint: viewsDatabase(dynamo.endpoint), stop: () => dynamo.stop() };
}

/**
 * Creates the tables where they belong. A views table still beside the events (a data directory
 * from before the views had their own instance) is deleted: the views are rebuilt from the events
 * in their own instance. Returns the tables created.
 */
export async function prepareTables(stores: StoreEndpoints, tables: Tables, log: (line: string) => void = () => {}): Promise<string[]> {
  const events = new DynamoDBClient(clientConfig(stores.endpoint));
  const views = stores.viewsEndpoint === stores.endpoint ? events : new DynamoDBClient(clientConfig(stores.viewsEndpoint));
  try {
    if (views === events) return await ensureTables(events, tables);
    if (await describeTable(events, tables.views)) {
      await events.send(new DeleteTableCommand({ TableName: tables.views }));
      log(`Views now have a database of their own: removed the old views table beside the events (the views are rebuilt from them)`);
    }
    return [...(await ensureTables(events, tables, ['events', 'idempotency'])), ...(await ensureTables(views, tables, ['views']))];
  } finally {
    events.destroy();
    if (views !== events) views.destroy();
  }
}
