/**
 * The data directory's secret access key (DynamoDB Local listens on every interface and checks no
 * signature; its databases are separated by access key): a data directory from before the key is
 * brought over with its data, the key and endpoint.json are readable by their owner only, a client
 * without the key finds nothing, and DynamoDB Local runs with its telemetry off and allows no CORS
 * origin. Real `npm start` processes: the handlers read their store from the environment once per
 * process.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { endpointFile } from '../../../functions/local/data-dir';
import { freePort, startDynamoLocal } from '../../../functions/local/dynamodb-local';
import { viewsDatabase } from '../../../functions/local/stores';
import { clientConfig } from '../../../shared/adapters/dynamodb/client';
import { endpointInfo, exited, killGroup, startNewsroomProcess, postStatement } from '../../support/newsroom-process';
import { until } from '../../support/until';

const STORY = 'kyrgyzstan-bakiyev-ouster-2010';
const TOKEN = 'key-test-token';
const dir = mkdtempSync(join(tmpdir(), 'newsroom-unkeyed-'));
const children: ChildProcess[] = [];

afterAll(() => {
  children.forEach(killGroup);
  rmSync(dir, { recursive: true, force: true });
});

const version = async (url: string) => ((await (await fetch(`${url}/api/stories/${STORY}`)).json()) as { version?: number }).version;

describe('the stores’ secret key', () => {
  it('brings over a data directory from before it, and a client without it finds nothing', async () => {
    const port = await freePort();
    // The layout before the key: events in the default key's database, views in `views`'.
    const old = await startDynamoLocal({ dbPath: join(dir, 'dynamodb') });
    try {
      const seeding = await startNewsroomProcess({
        port,
        dataDir: join(dir, 'seeding'),
        token: TOKEN,
        env: { DYNAMODB_ENDPOINT: old.endpoint, DYNAMODB_VIEWS_ENDPOINT: viewsDatabase(old.endpoint) },
      });
      children.push(seeding.proc);
      // One update beyond the fixture, so that a reseeded store could not pass for this one.
      const posted = await postStatement(seeding.url, STORY, TOKEN, 'Roza Otunbayeva', 'before the key');
      expect(posted.status).toBe(201);
      await until(async () => ((await version(seeding.url)) === 16 ? true : undefined), 30_000);
      process.kill(seeding.proc.pid!, 'SIGTERM');
      await exited(seeding.proc);
    } finally {
      await old.stop();
    }
    expect(readdirSync(join(dir, 'dynamodb')).sort()).toEqual(['local_us-east-1.db', 'views_us-east-1.db']);

    const newsroom = await startNewsroomProcess({ port, dataDir: dir, token: TOKEN });
    children.push(newsroom.proc);
    const key = readFileSync(join(dir, 'dynamodb-key'), 'utf8').trim();
    expect(statSync(join(dir, 'dynamodb-key')).mode & 0o777).toBe(0o600);
    expect(statSync(endpointFile(dir)).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'dynamodb')).sort()).toEqual([`${key}_us-east-1.db`, `${key}views_us-east-1.db`]);
    expect(newsroom.output()).toContain('keyed with its secret');
    // The story and its views are found under the key: served at once, nothing rebuilt.
    expect(await version(newsroom.url)).toBe(16);
    expect(newsroom.output()).not.toMatch(/rebuilding them|building them in the background/);
    // The key is not printed.
    expect(newsroom.output()).not.toContain(key);

    const info = endpointInfo(dir);
    expect(new URL(info.endpoint!).username).toBe(key);
    // A client that reaches the port without the key gets a database of its own, empty.
    const stranger = new DynamoDBClient(clientConfig(new URL(info.endpoint!).origin));
    expect((await stranger.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    stranger.destroy();
    // No usage reports leave the machine.
    expect(readFileSync(`/proc/${info.storePid}/cmdline`, 'utf8').split('\0')).toContain('-disableTelemetry');
    // A web page the operator has open cannot call it from the browser (CORS allows no origin).
    const preflight = await fetch(new URL(info.endpoint!).origin, {
      method: 'OPTIONS',
      headers: { Origin: 'https://example.com', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();

    process.kill(newsroom.proc.pid!, 'SIGTERM');
    expect(await exited(newsroom.proc)).toEqual({ code: 0, signal: null });
  }, 90_000);
});
