/**
 * The local server and replay sharing a data directory: endpoint.json while it runs (and a second
 * owner refused), and views built by an older projection version rebuilt in the background.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { claimDataDir, DataDirBusyError, endpointFile } from '../../functions/local/data-dir';
import { startNewsroom } from '../../functions/local/server';
import { PROJECTION_VERSION } from '../../shared/projection/story-view';
import { POINTER, readPointer } from '../../shared/store/view-store';
import { createTestStore, type TestStore } from '../support/dynamo';

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
    await store.db.send(new PutCommand({ TableName: store.tables.views, Item: { ...POINTER, generation: 'v1', projectionVersion: PROJECTION_VERSION - 1 } }));

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
});
