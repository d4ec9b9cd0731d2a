/**
 * The local server and replay sharing a data directory: endpoint.json while it runs (and a second
 * owner refused), views built by an older projection version rebuilt in the background, and a data
 * directory from before the views had their own DynamoDB Local brought over.
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamoLocal } from '../../../functions/local/dynamodb-local';
import { clientConfig, documentClient, tablesFromEnv } from '../../../shared/adapters/dynamodb/client';
import { EventStore } from '../../../shared/adapters/dynamodb/event-store';
import { ensureTables } from '../../../shared/adapters/dynamodb/tables';
import { claimDataDir, DataDirBusyError, endpointFile } from '../../../functions/local/data-dir';
import { startNewsroom } from '../../../functions/local/server';
import { PROJECTION_VERSION } from '../../../shared/domain/projection/story-view';
import { POINTER, readPointer } from '../../../shared/adapters/dynamodb/views/pointer';
import { createTestStore, type TestStore } from '../../support/dynamo';

let store: TestStore;
let dataDir: string;
beforeAll(async () => {
  store = await createTestStore();
  store.applyEnv();
  dataDir = mkdtempSync(join(tmpdir(), 'newsroom-'));
});
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await store.drop();
});

describe('local server and replay', () => {
  it('publishes its endpoint, refuses a second owner, and rebuilds views of an older projection version', async () => {
    const lines: string[] = [];
    const first = await startNewsroom({ endpoint: store.endpoint, dataDir, port: 0, editorTokens: 'a:b', quiet: true, log: (l) => lines.push(l) });
    await first.stop();
    // Pretend the views were built by the previous projection version.
    const built = await readPointer(store.db, store.tables.views);
    expect(built).toMatchObject({ generation: 'v1', projectionVersion: PROJECTION_VERSION });
    await store.db.send(
      new PutCommand({ TableName: store.tables.views, Item: { ...POINTER, generation: 'v1', projectionVersion: PROJECTION_VERSION - 1 } }),
    );

    const newsroom = await startNewsroom({ endpoint: store.endpoint, dataDir, port: 0, editorTokens: 'a:b', quiet: true, log: (l) => lines.push(l) });
    try {
      expect(JSON.parse(readFileSync(endpointFile(dataDir), 'utf8'))).toMatchObject({ endpoint: store.endpoint, pid: process.pid, owner: 'server' });
      expect(() => claimDataDir(dataDir, 'replay')).toThrow(DataDirBusyError);
      const deadline = Date.now() + 30_000;
      while ((await readPointer(store.db, store.tables.views))?.projectionVersion !== PROJECTION_VERSION && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const pointer = await readPointer(store.db, store.tables.views);
      expect(pointer).toMatchObject({ projectionVersion: PROJECTION_VERSION, previous: 'v1' });
      expect(pointer?.generation).not.toBe('v1');
      expect(lines.some((l) => l.includes('rebuilding them for version'))).toBe(true);
      const res = await fetch(`${newsroom.url}/api/stories/kyrgyzstan-bakiyev-ouster-2010`);
      expect(res.status).toBe(200);
    } finally {
      await newsroom.stop();
    }
    expect(existsSync(endpointFile(dataDir))).toBe(false);
  });

  it('brings over a data directory whose views lived beside the events: events kept, old views table removed, views rebuilt apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsroom-old-'));
    try {
      // The old layout: every table in one database, <dir>/dynamodb/shared-local-instance.db
      // (DynamoDB Local with -sharedDb), the story loaded and projected there.
      const old = await startDynamoLocal({ dbPath: join(dir, 'dynamodb') });
      try {
        const admin = new DynamoDBClient(clientConfig(old.endpoint));
        await ensureTables(admin, tablesFromEnv());
        admin.destroy();
        const seeded = await startNewsroom({
          endpoint: old.endpoint,
          dataDir: join(dir, 'seeding'),
          port: 0,
          editorTokens: 'a:b',
          quiet: true,
          log: () => {},
        });
        await seeded.stop();
      } finally {
        await old.stop();
      }
      renameSync(join(dir, 'dynamodb', 'local_us-east-1.db'), join(dir, 'dynamodb', 'shared-local-instance.db'));

      const lines: string[] = [];
      const newsroom = await startNewsroom({ dataDir: dir, port: 0, editorTokens: 'a:b', quiet: true, log: (l) => lines.push(l) });
      try {
        expect(newsroom.viewsEndpoint).not.toBe(newsroom.endpoint);
        expect(lines.some((l) => l.includes('removed the old views table'))).toBe(true);
        const tables = tablesFromEnv();
        const eventsAdmin = new DynamoDBClient(clientConfig(newsroom.endpoint));
        await expect(eventsAdmin.send(new DescribeTableCommand({ TableName: tables.views }))).rejects.toMatchObject({
          name: 'ResourceNotFoundException',
        });
        eventsAdmin.destroy();
        const eventsDb = documentClient(clientConfig(newsroom.endpoint));
        expect(await new EventStore(eventsDb, tables.events).headVersion('kyrgyzstan-bakiyev-ouster-2010')).toBe(15);
        eventsDb.destroy();
        let res = await fetch(`${newsroom.url}/api/stories/kyrgyzstan-bakiyev-ouster-2010`);
        for (const deadline = Date.now() + 30_000; res.status !== 200 && Date.now() < deadline;) {
          await new Promise((r) => setTimeout(r, 100));
          res = await fetch(`${newsroom.url}/api/stories/kyrgyzstan-bakiyev-ouster-2010`);
        }
        expect(res.status).toBe(200);
        expect(((await res.json()) as { version: number }).version).toBe(15);
        expect(JSON.parse(readFileSync(endpointFile(dir), 'utf8'))).toMatchObject({
          endpoint: newsroom.endpoint,
          viewsEndpoint: newsroom.viewsEndpoint,
        });
      } finally {
        await newsroom.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
