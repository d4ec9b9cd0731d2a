/**
 * The editors' token table from SSM (functions/api/tokens.ts), read by the real SSM client over
 * HTTP. SSM has no local edition, so a small HTTP server answers its GetParameter (the JSON 1.1
 * protocol the SDK speaks) and fails the way SSM can: connections refused, throttling.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_TIMEOUTS, sdkTimeouts } from '../../../shared/adapters/dynamodb/client';
import { authenticate } from '../../../shared/adapters/http/auth';
import { writeApp } from '../../../shared/adapters/http/write-app';
import { StoreUnavailableError } from '../../../shared/application/errors';
import type { Log } from '../../../shared/application/ports';
import { createRuntime } from '../../../functions/runtime';
import { createWriter } from '../../../functions/writer';
import { editorTokenSource, REFRESH_MS, RETRY_MS, ssmParameter } from '../../../functions/api/tokens';
import { createTestStore, type TestStore } from '../../support/dynamo';
import { apiGatewayEvent, lambdaContext, type ApiHandler } from '../../support/lambda';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** What the SSM endpoint does with the next GetParameter. */
type Mode = { value: string } | 'refuse' | 'throttle';

let ssm: Server;
let endpoint: string;
let mode: Mode = 'refuse';
let reads = 0;

function answer(req: IncomingMessage, res: import('node:http').ServerResponse) {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    reads++;
    if (req.headers['x-amz-target'] === 'AmazonSSM.GetParametersByPath') return byPath(JSON.parse(body) as { Path: string; NextToken?: string }, res);
    if (req.headers['x-amz-target'] !== 'AmazonSSM.GetParameter') return void res.writeHead(400).end();
    if (mode === 'refuse') return void req.socket.destroy();
    if (mode === 'throttle') {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      return void res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
    }
    const name = (JSON.parse(body) as { Name: string }).Name;
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ Parameter: { Name: name, Type: 'SecureString', Value: mode.value, Version: 1 } }));
  });
}

/** The parameters under a path (one per editor), as GetParametersByPath pages them: PAGE a call. */
let perEditor: Record<string, string> = {};
const PAGE = 2;
function byPath(input: { Path: string; NextToken?: string }, res: import('node:http').ServerResponse) {
  const under = Object.entries(perEditor).filter(([name]) => name.startsWith(`${input.Path}/`) && !name.slice(input.Path.length + 1).includes('/'));
  const start = Number(input.NextToken ?? 0);
  const page = under.slice(start, start + PAGE);
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(
    JSON.stringify({
      Parameters: page.map(([Name, Value]) => ({ Name, Type: 'SecureString', Value, Version: 1 })),
      ...(start + PAGE < under.length ? { NextToken: String(start + PAGE) } : {}),
    }),
  );
}

beforeAll(async () => {
  ssm = createServer(answer);
  await new Promise<void>((resolve) => ssm.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(ssm.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => ssm?.close(resolve)));

const client = () =>
  new SSMClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...sdkTimeouts({ ...AWS_TIMEOUTS, maxAttempts: 1 }),
  });

function logs() {
  const lines = { info: [] as string[], warn: [] as string[], error: [] as string[] };
  const log: Log = {
    info: (message) => void lines.info.push(message),
    warn: (message) => void lines.warn.push(message),
    error: (message, ...extra) => void lines.error.push(`${message} ${JSON.stringify(extra)}`),
  };
  return { lines, log };
}

function source() {
  const clock = { now: 1_000_000 };
  const { lines, log } = logs();
  let stale = 0;
  const tokens = editorTokenSource({
    read: ssmParameter('/newsroom/test/editor-tokens', client()),
    log,
    onStale: () => stale++,
    now: () => clock.now,
  });
  return { tokens, clock, lines, stale: () => stale };
}

const names = async (tokens: () => Promise<{ hashes: readonly { name: string }[] }>) => (await tokens()).hashes.map((h) => h.name);

describe('the editor token table from SSM', { timeout: 20_000 }, () => {
  it('is read once, kept for the refresh interval, then read again', async () => {
    mode = { value: `anna:${hash('a')},ben:${hash('b')}` };
    const { tokens, clock } = source();
    const before = reads;
    expect(authenticate('Bearer b', await tokens())).toEqual({ ok: true, editor: { name: 'ben' } });
    clock.now += REFRESH_MS - 1;
    await tokens();
    expect(reads - before).toBe(1);
    mode = { value: `anna:${hash('a')}` };
    clock.now += 1;
    expect(await names(tokens)).toEqual(['anna']);
    expect(reads - before).toBe(2);
  });

  it('keeps the last good table when SSM fails after the refresh interval, with an error log and a metric, and asks again later', async () => {
    mode = { value: `anna:${hash('a')},ben:${hash('b')}` };
    const { tokens, clock, lines, stale } = source();
    expect(await names(tokens)).toEqual(['anna', 'ben']);

    for (const failure of ['refuse', 'throttle'] as const) {
      mode = failure;
      clock.now += REFRESH_MS;
      const before = reads;
      expect(authenticate('Bearer a', await tokens())).toEqual({ ok: true, editor: { name: 'anna' } });
      expect(reads - before).toBe(1);
      // Not asked again on every request while it is failing.
      clock.now += RETRY_MS - 1;
      await tokens();
      expect(reads - before).toBe(1);
    }
    expect(stale()).toBe(2);
    expect(lines.error).toHaveLength(2);
    expect(lines.error[0]).toMatch(/could not be read; the last table that loaded stays in use.*loadedSecondsAgo/);
    expect(lines.error[1]).toMatch(/ThrottlingException|Rate exceeded/);

    // SSM is back: the rotated table takes over.
    mode = { value: `carol:${hash('c')}` };
    clock.now += 1;
    expect(await names(tokens)).toEqual(['carol']);
  });

  it('with no table ever loaded, refuses with StoreUnavailableError, and loads as soon as SSM answers', async () => {
    mode = 'refuse';
    const { tokens, lines } = source();
    await expect(tokens()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(lines.error[0]).toMatch(/no table was ever loaded/);
    mode = { value: `anna:${hash('a')}` };
    expect(await names(tokens)).toEqual(['anna']);
  });

  it('leaves out a malformed entry with an error log and keeps the other editors', async () => {
    mode = { value: `anna:${hash('a')},ben:not-a-hash,bad name:${hash('x')},carol:${hash('c')}` };
    const { tokens, lines } = source();
    expect(await names(tokens)).toEqual(['anna', 'carol']);
    expect(lines.error).toHaveLength(2);
    expect(lines.error[0]).toMatch(/left out.*editor ben: token hash must be 64 hex digits/);
    expect(lines.error.join('\n')).not.toContain(hash('x'));
  });

  it('a path of one parameter per editor: every page read, a malformed one left out by name (its value never logged)', async () => {
    perEditor = {
      '/newsroom/test/editors/anna': hash('a'),
      '/newsroom/test/editors/ben': 'not-a-hash',
      '/newsroom/test/editors/carol': hash('c'),
      '/newsroom/test/editors/dan': `${hash('d')},eve:${hash('e')}`,
      '/newsroom/test/editors/nested/frank': hash('f'),
      '/newsroom/test/editors/gus': hash('g'),
      '/newsroom/other/hal': hash('h'),
    };
    const { lines, log } = logs();
    const tokens = editorTokenSource({ read: ssmParameter('/newsroom/test/editors/', client()), log });
    const table = await tokens();
    expect(table.hashes.map((h) => h.name)).toEqual(['anna', 'carol', 'gus']);
    expect(lines.error).toHaveLength(2);
    expect(lines.error[0]).toMatch(/left out.*editor ben: token hash must be 64 hex digits/);
    expect(lines.error[1]).toMatch(/left out.*editor dan/);
    expect(lines.error.join('\n')).not.toContain(hash('d'));
    expect(lines.error.join('\n')).not.toContain('not-a-hash');
    // The tokens themselves authenticate.
    expect(authenticate('Bearer g', table)).toEqual({ ok: true, editor: { name: 'gus' } });
    expect(authenticate('Bearer f', table)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('an empty parameter names no editor: a warning, and every token is refused', async () => {
    mode = { value: ' ' };
    const { tokens, lines } = source();
    expect((await tokens()).hashes).toEqual([]);
    expect(lines.warn[0]).toMatch(/names no editor/);
  });
});

describe('the write API when the token table cannot be loaded', { timeout: 30_000 }, () => {
  let store: TestStore;
  const env = { ...process.env };
  beforeAll(async () => void (store = await createTestStore()));
  afterAll(async () => {
    process.env = env;
    await store?.drop();
  });

  it('answers 503 with Retry-After (not 500) and stores nothing; 201 once SSM answers', async () => {
    mode = 'refuse';
    const { tokens, lines } = source();
    const rt = createRuntime({ DYNAMODB_ENDPOINT: store.endpoint, ...envOf(store) });
    const app = writeApp({ writer: createWriter(rt), tokens, log: logs().log, rateLimit: { perSecond: 100, burst: 100 } });
    const open = () =>
      app.request('/api/stories', {
        method: 'POST',
        headers: { Authorization: 'Bearer a', 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: 'tokens-unavailable', headline: 'H', summary: 'S' }),
      });
    const res = await open();
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('retry-after')).toMatch(/^\d$/);
    expect(lines.error).toHaveLength(1);
    expect(await store.events.headVersion('tokens-unavailable')).toBe(0);

    mode = { value: `anna:${hash('a')}` };
    expect((await open()).status).toBe(201);
    rt.db.destroy();
  });

  it('the Lambda write handler, wired from the environment, answers 503 too', async () => {
    mode = 'refuse';
    Object.assign(process.env, envOf(store), {
      DYNAMODB_ENDPOINT: store.endpoint,
      EDITOR_TOKENS_PARAMETER: '/newsroom/test/editor-tokens',
      AWS_ENDPOINT_URL_SSM: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    const handler = (await import('../../../functions/api/write')).handler as unknown as ApiHandler;
    const res = await handler(lambdaPost({ id: 'tokens-lambda', headline: 'H', summary: 'S' }), lambdaContext);
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toMatch(/^\d$/);
    mode = { value: `anna:${hash('a')}` };
    const ok = await handler(lambdaPost({ id: 'tokens-lambda', headline: 'H', summary: 'S' }), lambdaContext);
    expect(ok.statusCode).toBe(201);
  });
});

const lambdaPost = (body: unknown) => apiGatewayEvent('POST', '/api/stories', { body, headers: { authorization: 'Bearer a' } });

const envOf = (store: TestStore) => ({
  EVENTS_TABLE: store.tables.events,
  VIEWS_TABLE: store.tables.views,
  IDEMPOTENCY_TABLE: store.tables.idempotency,
});
