/**
 * DynamoDB Local answers a TransactWriteItems before it is on disk (shared/adapters/dynamodb/client.ts
 * `durableTransactions`): killed with SIGKILL as soon as it answered a large transaction, it came
 * back without it 5 times in 5. Through the clients the handlers and the local server use
 * (functions/runtime.ts), a transaction is answered only once it is on disk: every round here
 * writes one, kills DynamoDB Local the moment the answer arrives, lets its supervisor start it again
 * on the same data, and finds every item. Both databases (events and idempotency; views), and a
 * keyed append, the transaction an editor's desk makes with every post.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchGetCommand, GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoLocal, type LocalDynamo } from '../../functions/local/dynamodb-local';
import { prepareTables, viewsDatabase } from '../../functions/local/stores';
import { createRuntime, type Runtime } from '../../functions/runtime';
import type { Tables } from '../../shared/adapters/dynamodb/client';
import { IdempotencyStore } from '../../shared/adapters/dynamodb/idempotency-store';
import { CURRENT_SCHEMA_VERSION } from '../../shared/domain/story/events';

const ROUNDS = 3;
/** 100 items of 30 KB: a transaction DynamoDB Local takes long enough to put on disk that a kill lands before it does. */
const ITEMS = 100;
const BLOB = 'x'.repeat(30_000);
const KEY = 'durable';

const dataDir = mkdtempSync(join(tmpdir(), 'newsroom-durable-tx-'));
const tables: Tables = { events: 'durable-events', views: 'durable-views', idempotency: 'durable-idem' };
let dynamo: LocalDynamo;
let pid = 0;
let rt: Runtime;

beforeAll(async () => {
  dynamo = await startDynamoLocal({ dbPath: join(dataDir, 'dynamodb'), accessKey: KEY, onSpawn: (p) => (pid = p), onExit: () => {} });
  const url = new URL(dynamo.endpoint);
  url.username = KEY;
  const endpoint = url.toString().replace(/\/$/, '');
  await prepareTables({ endpoint, viewsEndpoint: viewsDatabase(endpoint) }, tables);
  rt = createRuntime({
    DYNAMODB_ENDPOINT: endpoint,
    DYNAMODB_VIEWS_ENDPOINT: viewsDatabase(endpoint),
    EVENTS_TABLE: tables.events,
    VIEWS_TABLE: tables.views,
    IDEMPOTENCY_TABLE: tables.idempotency,
  });
}, 60_000);

afterAll(async () => {
  rt?.db.destroy();
  if (rt && rt.viewsDb !== rt.db) rt.viewsDb.destroy();
  await dynamo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** SIGKILLs the Java process now, and waits for its supervisor's replacement to answer on the same data. */
async function killAndRestart(db: DynamoDBDocumentClient, probe: { TableName: string; Key: Record<string, unknown> }) {
  const killed = pid;
  process.kill(killed, 'SIGKILL');
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    if (pid !== killed && dynamo.up) {
      try {
        await db.send(new GetCommand(probe));
        return;
      } catch {
        // not answering yet
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('DynamoDB Local was not started again within 60 s');
}

async function present(db: DynamoDBDocumentClient, table: string, keys: Record<string, unknown>[]): Promise<number> {
  let found = 0;
  for (let i = 0; i < keys.length; i += 100) {
    const out = await db.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys.slice(i, i + 100), ConsistentRead: true } } }));
    found += out.Responses?.[table]?.length ?? 0;
    expect(out.UnprocessedKeys?.[table]).toBeUndefined();
  }
  return found;
}

describe('transactions on DynamoDB Local, killed as soon as it answers', () => {
  // The events database (its idempotency table: no stream) and the views database, each through its runtime client.
  const databases = [
    { name: 'events', client: () => rt.db, table: () => tables.idempotency, key: (round: number, i: number) => ({ id: `tx-${round}-${i}` }) },
    { name: 'views', client: () => rt.viewsDb, table: () => tables.views, key: (round: number, i: number) => ({ pk: `tx-${round}`, sk: String(i) }) },
  ];
  it.each(databases)(
    'keeps every item of a large transaction in the $name database',
    async ({ client, table, key }) => {
      expect(rt.viewsDb).not.toBe(rt.db);
      const [db, name] = [client(), table()];
      for (let round = 0; round < ROUNDS; round++) {
        const keys = Array.from({ length: ITEMS }, (_, i) => key(round, i));
        await db.send(new TransactWriteCommand({ TransactItems: keys.map((k) => ({ Put: { TableName: name, Item: { ...k, blob: BLOB } } })) }));
        await killAndRestart(db, { TableName: name, Key: keys[0]! });
        expect({ round, found: await present(db, name, keys) }).toEqual({ round, found: ITEMS });
      }
    },
    180_000,
  );

  it('keeps a keyed append: its event and its idempotency record', async () => {
    const idempotency = new IdempotencyStore(rt.db, tables.idempotency);
    for (let round = 0; round < ROUNDS; round++) {
      const storyId = `durable-story-${round}`;
      const key = `key-${round}`;
      const claim = await idempotency.claim(key, 'hash', 'owner', Date.now());
      expect(claim.claimed).toBe(true);
      const updateId = `01DURABLE${String(round).padStart(17, '0')}`;
      const metadata = {
        storyId,
        updateId,
        schemaVersion: CURRENT_SCHEMA_VERSION,
        recordedAt: new Date().toISOString(),
        recordedBy: 'anna',
        idempotencyKey: key,
      };
      await rt.events.append(
        storyId,
        0,
        [{ type: 'StoryOpened', data: { headline: 'Durable', summary: 'A keyed append', language: 'en', topics: [] }, metadata }],
        idempotency.completion(key, 'owner', { status: 201, body: { storyId, updateId, version: 1 } }),
      );
      await killAndRestart(rt.db, { TableName: tables.idempotency, Key: { id: key } });
      const { events } = await rt.events.read(storyId);
      expect({ round, events: events.map((e) => e.metadata.updateId) }).toEqual({ round, events: [updateId] });
      const record = await idempotency.get(key);
      expect({ round, status: record?.status, response: record?.response?.status }).toEqual({ round, status: 'COMPLETED', response: 201 });
    }
  }, 180_000);
});
