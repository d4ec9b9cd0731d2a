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
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clientConfig, LOCAL_REGION, type Tables } from '../../shared/adapters/dynamodb/client';
import { describeTable, ensureTables } from '../../shared/adapters/dynamodb/tables';
import { storeKey } from './data-dir';
import { startDynamoLocal, type DynamoLocalOptions, type LocalDynamo } from './dynamodb-local';

export interface StoreEndpoints {
  /** Events and idempotency records. */
  endpoint: string;
  /** Views (the same as `endpoint` when one database holds every table). */
  viewsEndpoint: string;
}

export interface LocalStores extends StoreEndpoints {
  /** The supervised DynamoDB Local (whether it is up, its process). */
  dynamo: LocalDynamo;
  stop(): Promise<void>;
}

/**
 * The views' database on the same DynamoDB Local instance as `endpoint`: the events' access key
 * with `views` after it (`views` alone when the events use the default key).
 */
export function viewsDatabase(endpoint: string): string {
  const url = new URL(endpoint);
  url.username = `${url.username}views`;
  return url.toString().replace(/\/$/, '');
}

/** An endpoint as it may be shown: without the access key that guards its database. */
export function displayEndpoint(endpoint: string): string {
  const url = new URL(endpoint);
  url.username = '';
  url.password = '';
  return url.toString().replace(/\/$/, '');
}

/**
 * Brings a data directory's databases under its key. DynamoDB Local names each database after
 * the access key that opened it: data directories from before the key kept the events in
 * `local_<region>.db` (the default key) and the views in `views_<region>.db`, and older ones every
 * table in `shared-local-instance.db` (-sharedDb). They are renamed once, before DynamoDB Local
 * starts; a rename is atomic, so a crash in between leaves each file under one of its names.
 * Returns the old names brought over.
 */
export function adoptDatabases(dbPath: string, key: string): string[] {
  const file = (name: string) => join(dbPath, `${name}_${LOCAL_REGION}.db`);
  const moves: [string, string][] = [
    [join(dbPath, 'shared-local-instance.db'), file(key)],
    [file('local'), file(key)],
    [file('views'), file(`${key}views`)],
  ];
  const adopted: string[] = [];
  for (const [from, to] of moves) {
    if (!existsSync(from) || existsSync(to)) continue;
    if (from.endsWith('shared-local-instance.db') && existsSync(file('local'))) continue; // the newer layout wins
    // SQLite's side files (a journal left by a crash) travel with their database.
    for (const suffix of ['-journal', '-wal', '-shm']) if (existsSync(from + suffix)) renameSync(from + suffix, to + suffix);
    renameSync(from, to);
    adopted.push(basename(from));
  }
  return adopted;
}

/**
 * Starts the embedded DynamoDB Local: on `<dataDir>/dynamodb`, or in memory when `dataDir` is
 * undefined. DynamoDB Local listens on every interface and checks no signature, but keeps one
 * database per access key: the stores are opened with a secret key (the data directory's, kept
 * 0600 in it; a fresh one in memory), so a client that reaches the port without it finds an empty
 * database of its own, not the events.
 */
export async function startLocalStores(dataDir: string | undefined, options: Omit<DynamoLocalOptions, 'dbPath'> = {}): Promise<LocalStores> {
  const dbPath = dataDir ? join(dataDir, 'dynamodb') : undefined;
  const key = dataDir ? storeKey(dataDir) : randomBytes(16).toString('hex');
  if (dbPath) {
    mkdirSync(dbPath, { recursive: true, mode: 0o700 });
    const adopted = adoptDatabases(dbPath, key);
    if (adopted.length > 0) options.log?.(`The data directory's databases are now keyed with its secret (${adopted.join(', ')} brought over)`);
  }
  const dynamo = await startDynamoLocal({ ...options, accessKey: key, ...(dbPath ? { dbPath } : {}) });
  const url = new URL(dynamo.endpoint);
  url.username = key;
  const endpoint = url.toString().replace(/\/$/, '');
  return { endpoint, viewsEndpoint: viewsDatabase(endpoint), dynamo, stop: () => dynamo.stop() };
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
