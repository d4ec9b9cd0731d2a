/**
 * The stream poller when the store goes away under it: DynamoDB Local (its own, on a data
 * directory) is SIGKILLed while the projector holds a batch, so the batch fails. That failure is
 * the outage's, not the records': with room for a single attempt per record nothing is
 * quarantined, the poller says once that polls fail and once that they recovered, and it resumes
 * from its checkpoint when the supervisor has DynamoDB Local back, projecting every record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { processStreamBatch } from '../../functions/projector/process';
import { startDynamoLocal, type LocalDynamo } from '../../functions/local/dynamodb-local';
import { StreamPoller } from '../../functions/local/stream-poller';
import { clientConfig, documentClient, tablesFromEnv } from '../../shared/adapters/dynamodb/client';
import { EventStore } from '../../shared/adapters/dynamodb/event-store';
import { ViewStore } from '../../shared/adapters/dynamodb/views/writes';
import { ensureTables } from '../../shared/adapters/dynamodb/tables';
import { opened, statement } from '../support/events';
import { until } from '../support/until';

const dir = mkdtempSync(join(tmpdir(), 'poller-outage-'));
const tables = tablesFromEnv({});
let dynamo: LocalDynamo;
let db: ReturnType<typeof documentClient>;

beforeAll(async () => {
  dynamo = await startDynamoLocal({ dbPath: join(dir, 'dynamodb') });
  const admin = new DynamoDBClient(clientConfig(dynamo.endpoint));
  await ensureTables(admin, tables);
  admin.destroy();
  db = documentClient(clientConfig(dynamo.endpoint));
});
afterAll(async () => {
  db?.destroy();
  await dynamo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('stream poller during a store outage', () => {
  it('pauses, logs once, quarantines nothing and resumes from its checkpoint', async () => {
    const events = new EventStore(db, tables.events);
    const views = new ViewStore(db, tables.views);
    const story = [opened('outage'), statement(2, 'Roza Otunbayeva', 'first', 'outage'), statement(3, 'Roza Otunbayeva', 'second', 'outage')];
    for (const e of story) await events.append('outage', e.metadata.version - 1, [e as never]);

    const logs: string[] = [];
    let killed = false;
    const poller = new StreamPoller({
      endpoint: dynamo.endpoint,
      table: tables.events,
      checkpointFile: join(dir, 'checkpoints.json'),
      quarantineFile: join(dir, 'quarantine.ndjson'),
      maxAttempts: 1,
      idleMs: 20,
      log: (message) => logs.push(message),
      handler: async (event: DynamoDBStreamEvent) => {
        if (!killed) {
          // The store dies while the projector holds the batch: its writes fail.
          killed = true;
          const java = dynamo.process;
          const gone = new Promise((r) => java.once('exit', r));
          java.kill('SIGKILL');
          await gone;
        }
        return processStreamBatch(event.Records, { views: async () => views, events, log: { error() {} } });
      },
    });
    await poller.start();
    try {
      // The probe itself fails while the store is down.
      const projected = async () => (await views.head('outage', true).catch(() => undefined))?.version === 3;
      await until(async () => ((await projected()) ? true : undefined), 45_000);
    } finally {
      await poller.stop();
    }
    expect(killed).toBe(true);
    expect(dynamo.up).toBe(true);
    expect(poller.quarantined).toEqual([]);
    expect(logs.filter((m) => m.startsWith('stream poll failed'))).toHaveLength(1);
    expect(logs.filter((m) => m === 'stream poll recovered')).toHaveLength(1);
  }, 60_000);
});
