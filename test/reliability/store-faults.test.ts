/**
 * Faults of the store, injected into the real DynamoDB client that the writer and the HTTP apps use
 * (DynamoDB Local behind it): answers lost after DynamoDB applied the write, transaction conflicts
 * (which DynamoDB Local never raises), throttling, a store that refuses connections,
 * and one that accepts them and never answers.
 *
 * A lost answer is lost for real: the fault lets the request reach DynamoDB Local, which applies it,
 * then throws the network error a dropped response gives, so the SDK's own retry sends it again.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Hono } from 'hono';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, documentClient, LOCAL_TIMEOUTS, sdkTimeouts } from '../../shared/adapters/dynamodb/client';
import { EventStore } from '../../shared/adapters/dynamodb/event-store';
import { IdempotencyStore } from '../../shared/adapters/dynamodb/idempotency-store';
import { tokensFromPlain } from '../../shared/adapters/http/auth';
import type { Env } from '../../shared/adapters/http/base';
import { readApp } from '../../shared/adapters/http/read-app';
import { routes, type RouteId } from '../../shared/adapters/http/routes';
import { writeApp } from '../../shared/adapters/http/write-app';
import type { Log } from '../../shared/application/ports';
import { StoryWriter } from '../../shared/application/story-writer';
import { createReader } from '../../functions/reader';
import { StoryReader } from '../../shared/application/story-reader';
import { activeReads } from '../../shared/adapters/dynamodb/views/reads';
import { projectLive } from '../support/replay';
import { createRuntime, feedContext, type Runtime } from '../../functions/runtime';
import { liveViews } from '../../functions/writer';
import { TOKEN_SPEC, TOKENS, openBody, statement } from '../support/api';
import { createTestStore, type TestStore } from '../support/dynamo';
import { apiGatewayEvent, lambdaContext, type ApiHandler } from '../support/lambda';
import { inject, overProvisioned, putConflict, throttled, throttledTransaction, transactionConflict } from '../support/faults';

let store: TestStore;

beforeAll(async () => void (store = await createTestStore()));
afterAll(() => store?.drop());

// ── The write side on the test store ────────────────────────────────────────────────────────────

function runtimeOn(db: DynamoDBDocumentClient, tables = store.tables): Runtime {
  return { db, viewsDb: db, tables, events: new EventStore(db, tables.events) };
}

function logs() {
  const lines = { info: [] as unknown[][], warn: [] as unknown[][], error: [] as unknown[][] };
  const log: Log = {
    info: (...args) => void lines.info.push(args),
    warn: (...args) => void lines.warn.push(args),
    error: (...args) => void lines.error.push(args),
  };
  return { lines, log };
}

function writeAppOn(rt: Runtime, log: Log = logs().log): Hono<Env> {
  const writer = new StoryWriter(rt.events, liveViews(rt), new IdempotencyStore(rt.db, rt.tables.idempotency), { newId: () => ulid() });
  return writeApp({ writer, tokens: () => tokensFromPlain(TOKEN_SPEC), log, rateLimit: { perSecond: 1000, burst: 1000 } });
}

const post = (app: Hono<Env>, path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKENS.anna}`, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** The story's log straight from the table: each version once, in order. */
async function logOf(storyId: string) {
  const events = [];
  for await (const page of store.events.stream(storyId)) events.push(...page);
  return events;
}

async function expectGapFree(storyId: string, count: number) {
  const events = await logOf(storyId);
  expect(events.map((e) => e.metadata.version)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  expect(new Set(events.map((e) => e.metadata.updateId)).size).toBe(count);
  return events;
}

let storyN = 0;
const newStory = () => `store-faults-${++storyN}-${ulid().toLowerCase()}`;

async function opened(app: Hono<Env>): Promise<string> {
  const id = newStory();
  const res = await post(app, '/api/stories', openBody(id));
  expect(res.status).toBe(201);
  return id;
}

describe('a write whose answer was lost after DynamoDB applied it', { timeout: 20_000 }, () => {
  it('is recorded once and answered 201 with its version: a plain append (one conditional PutItem)', async () => {
    const db = documentClient(clientConfig(store.endpoint));
    const app = writeAppOn(runtimeOn(db));
    const story = await opened(app);
    await post(app, `/api/stories/${story}/updates`, statement('before'));

    const fault = inject(db, 'PutItem', 'lose-answer');
    const res = await post(app, `/api/stories/${story}/updates`, statement('the answer of this one is lost'));
    fault.remove();

    // The SDK sent it twice: the first reached DynamoDB Local, the retry failed its own condition.
    expect(fault.seen).toEqual({ sent: 2, faulted: 1 });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { updateId: string; version: number };
    expect(body.version).toBe(3);
    const events = await expectGapFree(story, 3);
    expect(events[2]!.metadata.updateId).toBe(body.updateId);
    expect(events.filter((e) => JSON.stringify(e.data).includes('the answer of this one is lost'))).toHaveLength(1);

    // The writer's head is right: the next append goes on top.
    expect(((await (await post(app, `/api/stories/${story}/updates`, statement('after'))).json()) as { version: number }).version).toBe(4);
    await expectGapFree(story, 4);
    db.destroy();
  });

  it('opens the story once and answers 201, not 409 for the story it just created (OpenStory)', async () => {
    const db = documentClient(clientConfig(store.endpoint));
    const app = writeAppOn(runtimeOn(db));
    const id = newStory();
    const fault = inject(db, 'PutItem', 'lose-answer');
    const res = await post(app, '/api/stories', openBody(id));
    fault.remove();
    expect(fault.seen).toEqual({ sent: 2, faulted: 1 });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { version: number }).version).toBe(1);
    await expectGapFree(id, 1);
    db.destroy();
  });

  it('is recorded once with an Idempotency-Key (the event and the key in one TransactWriteItems), and the key replays it', async () => {
    const db = documentClient(clientConfig(store.endpoint));
    const app = writeAppOn(runtimeOn(db));
    const story = await opened(app);
    const fault = inject(db, 'TransactWriteItems', 'lose-answer');
    const res = await post(app, `/api/stories/${story}/updates`, statement('keyed'), { 'Idempotency-Key': 'lost-answer-1' });
    fault.remove();
    // The SDK's retry carries the transaction's ClientRequestToken: DynamoDB answers it with the first one's success.
    expect(fault.seen).toEqual({ sent: 2, faulted: 1 });
    expect(res.status).toBe(201);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    const body = (await res.json()) as { updateId: string; version: number };
    expect(body.version).toBe(2);
    const events = await expectGapFree(story, 2);
    expect(events[1]!.metadata.updateId).toBe(body.updateId);

    const again = await post(app, `/api/stories/${story}/updates`, statement('keyed'), { 'Idempotency-Key': 'lost-answer-1' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(body);
    await expectGapFree(story, 2);
    db.destroy();
  });

  it('with an Idempotency-Key, a claim of the key whose answer was lost is still this request’s: 201, not 409 in flight', async () => {
    const db = documentClient(clientConfig(store.endpoint));
    const app = writeAppOn(runtimeOn(db));
    const story = await opened(app);
    // The keyed request's first PutItem is its claim of the key (the event goes in a transaction).
    const fault = inject(db, 'PutItem', 'lose-answer');
    const res = await post(app, `/api/stories/${story}/updates`, statement('claimed'), { 'Idempotency-Key': 'lost-claim-1' });
    fault.remove();
    expect(fault.seen).toEqual({ sent: 2, faulted: 1 });
    expect(res.status).toBe(201);
    await expectGapFree(story, 2);
    const again = await post(app, `/api/stories/${story}/updates`, statement('claimed'), { 'Idempotency-Key': 'lost-claim-1' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await expectGapFree(story, 2);
    db.destroy();
  });

  it('is still a lost race when the item in the way is another writer’s: the update goes on top, once', async () => {
    const db = documentClient(clientConfig(store.endpoint));
    const app = writeAppOn(runtimeOn(db));
    const story = await opened(app);
    // Another process appends version 2 behind this writer's back: its cached head (1) is stale.
    const other = writeAppOn(runtimeOn(db));
    expect((await post(other, `/api/stories/${story}/updates`, statement('other'))).status).toBe(201);
    const res = await post(app, `/api/stories/${story}/updates`, statement('mine'));
    expect(res.status).toBe(201);
    expect(((await res.json()) as { version: number }).version).toBe(3);
    await expectGapFree(story, 3);
    db.destroy();
  });
});

describe('a TransactionConflict on a story’s append', { timeout: 20_000 }, () => {
  it('is a lost race, retried: a keyed append (TransactWriteItems) is stored once and answered 201', async () => {
    const db = documentClient(clientConfig(store.endpoint));
    const app = writeAppOn(runtimeOn(db));
    const story = await opened(app);
    const fault = inject(db, 'TransactWriteItems', transactionConflict, 2);
    const res = await post(app, `/api/stories/${story}/updates`, statement('conflicted'), { 'Idempotency-Key': 'conflict-1' });
    fault.remove();
    expect(fault.seen).toEqual({ sent: 3, faulted: 2 });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { version: number }).version).toBe(2);
    await expectGapFree(story, 2);
    db.destroy();
  });

  it('is retried with If-Match too: the story is still at the expected version, so it is 201, not 412', async () => {
    const db = documentClient(clientConfig(store.endpoint));
    const app = writeAppOn(runtimeOn(db));
    const story = await opened(app);
    const fault = inject(db, 'TransactWriteItems', transactionConflict);
    const res = await post(app, `/api/stories/${story}/updates`, statement('if-match'), { 'Idempotency-Key': 'conflict-2', 'If-Match': '"1"' });
    fault.remove();
    expect(res.status).toBe(201);
    await expectGapFree(story, 2);
    db.destroy();
  });

  it('is retried on a plain append (PutItem against an item a transaction holds)', async () => {
    const db = documentClient(clientConfig(store.endpoint));
    const app = writeAppOn(runtimeOn(db));
    const story = await opened(app);
    const fault = inject(db, 'PutItem', putConflict);
    const res = await post(app, `/api/stories/${story}/updates`, statement('plain'));
    fault.remove();
    expect(fault.seen).toEqual({ sent: 2, faulted: 1 });
    expect(res.status).toBe(201);
    await expectGapFree(story, 2);
    db.destroy();
  });
});

// ── 503 on every route ─────────────────────────────────────────────────────────────────────────

const STORY = 'kyrgyzstan-bakiyev-ouster-2010';

/** One request per route of both apps (a new route fails the test until it is listed here). */
const requests: Record<RouteId, { path: string; body?: unknown } | 'no-store'> = {
  listStories: { path: '/api/stories' },
  openStory: { path: '/api/stories', body: openBody('a-story-while-the-store-is-down') },
  getStory: { path: `/api/stories/${STORY}` },
  recordUpdate: { path: `/api/stories/${STORY}/updates`, body: statement() },
  listEvents: { path: `/api/stories/${STORY}/events` },
  listScheduled: { path: `/api/stories/${STORY}/scheduled` },
  storyFeed: { path: `/stories/${STORY}/feed.atom` },
  keyEventsFeed: { path: `/stories/${STORY}/key-events.json` },
  storyArchiveFeed: { path: `/stories/${STORY}/archive/1-50/feed.rss` },
  allFeed: { path: '/feed.json' },
  frontPage: { path: '/' },
  storyPage: { path: `/stories/${STORY}` },
  updatePage: { path: `/stories/${STORY}/updates/01ARZ3NDEKTSV4RRFFQ69G5FAV` },
  storyChanges: { path: `/api/stories/${STORY}/changes?since=0` },
  deskHome: { path: '/desk' },
  deskStory: { path: `/desk/stories/${STORY}` },
  // Served from memory: the OpenAPI document, the pages' static assets; /health answers its own 503 (read-app.ts).
  openApi: 'no-store',
  asset: 'no-store',
  health: 'no-store',
  // Who a token names: the token table is in memory.
  whoAmI: 'no-store',
};

function appsOn(rt: Runtime) {
  const { lines, log } = logs();
  const read = readApp({ reader: createReader(rt, feedContext({})), log, health: async () => false, tokens: () => tokensFromPlain(TOKEN_SPEC) });
  return { read, write: writeAppOn(rt, log), lines };
}

async function expect503OnEveryRoute(rt: Runtime) {
  const { read, write, lines } = appsOn(rt);
  expect(Object.keys(requests).sort()).toEqual(Object.keys(routes).sort());
  const answers = await Promise.all(
    (Object.entries(requests) as [RouteId, (typeof requests)[RouteId]][])
      .filter(([, request]) => request !== 'no-store')
      .map(async ([id, request]) => {
        const { path, body } = request as { path: string; body?: unknown };
        // Editors' reads (the pending releases) with a token: without one they are a 401 before the store is asked.
        const auth = id === 'listScheduled' ? { headers: { Authorization: `Bearer ${TOKENS.anna}` } } : {};
        const res = routes[id].app === 'write' ? await post(write, path, body) : await read.request(path, auth);
        return { id, res, problem: (await res.json()) as { status: number; type: string; detail: string } };
      }),
  );
  for (const { id, res, problem } of answers) {
    expect({ id, status: res.status }).toEqual({ id, status: 503 });
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(10);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(problem.status).toBe(503);
    expect(problem.type).toMatch(/unavailable$/);
    expect(JSON.stringify(problem)).not.toMatch(/ECONN|Exception|127\.0\.0\.1|\n\s+at /);
  }
  // Logged as a warning, with what the store said, never as an error.
  expect(lines.error).toEqual([]);
  expect(lines.warn.length).toBe(answers.length);
  for (const [message, attributes] of lines.warn) {
    expect(message).toBe('store unavailable');
    expect(attributes).toMatchObject({ cause: expect.any(String) });
  }
  return lines;
}

describe('a store that is unavailable, throttled or timed out', { timeout: 20_000 }, () => {
  let refusing: string;
  let silent: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // A port nothing listens on: bind one, then let it go.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    refusing = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise((resolve) => probe.close(resolve));
    // A store that accepts connections and never answers.
    silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  it('refusing connections: 503 problem+json with Retry-After on every route of both apps (the runtime as wired)', async () => {
    const rt = createRuntime({ DYNAMODB_ENDPOINT: refusing, EVENTS_TABLE: 'e', VIEWS_TABLE: 'v', IDEMPOTENCY_TABLE: 'i' });
    const lines = await expect503OnEveryRoute(rt);
    expect(String((lines.warn[0]![1] as { cause?: string }).cause)).toMatch(/ECONNREFUSED/);
    rt.db.destroy();
  });

  it('refusing connections: the Lambda handlers, wired from the environment, answer 503 with Retry-After', async () => {
    const env = { ...process.env };
    Object.assign(process.env, { DYNAMODB_ENDPOINT: refusing, NEWSROOM_EDITOR_TOKENS: TOKEN_SPEC });
    delete process.env.DYNAMODB_VIEWS_ENDPOINT;
    delete process.env.EDITOR_TOKENS_PARAMETER;
    try {
      const read = (await import('../../functions/api/read')).handler as unknown as ApiHandler;
      const write = (await import('../../functions/api/write')).handler as unknown as ApiHandler;
      const answers = [
        await read(apiGatewayEvent('GET', `/api/stories/${STORY}`), lambdaContext),
        await read(apiGatewayEvent('GET', `/stories/${STORY}/feed.atom`), lambdaContext),
        await write(
          apiGatewayEvent('POST', `/api/stories/${STORY}/updates`, { body: statement(), headers: { authorization: `Bearer ${TOKENS.anna}` } }),
          lambdaContext,
        ),
      ];
      for (const res of answers) {
        expect(res.statusCode).toBe(503);
        expect(res.headers?.['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.headers?.['retry-after']).toMatch(/^\d+$/);
      }
    } finally {
      process.env = env;
    }
  });

  it('answering nothing: the request timeout ends each call, and every route answers 503', async () => {
    const port = (silent.address() as AddressInfo).port;
    const db = documentClient({ ...clientConfig(`http://127.0.0.1:${port}`), ...sdkTimeouts({ connectMs: 500, requestMs: 300, maxAttempts: 2 }) });
    const lines = await expect503OnEveryRoute(runtimeOn(db));
    expect(String((lines.warn[0]![1] as { cause?: string }).cause)).toMatch(/TimeoutError/);
    db.destroy();
  });

  it.each([
    ['ProvisionedThroughputExceeded', overProvisioned],
    ['Throttling', throttled],
    [
      'InternalServerError',
      () => Object.assign(new Error('internal'), { name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 } }),
    ],
  ])('%s on every attempt: 503 on every route, logged as a warning', async (_, fault) => {
    // One attempt, so the SDK's throttling backoff does not make the test slow; the error is the same after five.
    const db = documentClient({ ...clientConfig(store.endpoint), maxAttempts: 1 });
    for (const op of ['GetItem', 'Query', 'PutItem', 'TransactWriteItems', 'BatchGetItem', 'Scan']) inject(db, op, fault, Infinity);
    await expect503OnEveryRoute(runtimeOn(db));
    db.destroy();
  });

  it('a keyed write whose transaction DynamoDB cancelled for a throttled item: 503, nothing stored, the key free for the retry', async () => {
    const db = documentClient(clientConfig(store.endpoint));
    const { lines, log } = logs();
    const app = writeAppOn(runtimeOn(db), log);
    const story = await opened(app);
    const fault = inject(db, 'TransactWriteItems', throttledTransaction);
    const res = await post(app, `/api/stories/${story}/updates`, statement('throttled'), { 'Idempotency-Key': 'throttled-1' });
    fault.remove();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(lines.error).toEqual([]);
    await expectGapFree(story, 1);
    const retry = await post(app, `/api/stories/${story}/updates`, statement('throttled'), { 'Idempotency-Key': 'throttled-1' });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    await expectGapFree(story, 2);
    db.destroy();
  });

  it('the retries and the timeouts are the SDK’s own: a throttled first attempt is retried and the write succeeds', async () => {
    const db = documentClient(clientConfig(store.endpoint));
    expect(await db.config.maxAttempts()).toBe(LOCAL_TIMEOUTS.maxAttempts);
    const app = writeAppOn(runtimeOn(db));
    const story = await opened(app);
    const fault = inject(db, 'PutItem', throttled);
    expect((await post(app, `/api/stories/${story}/updates`, statement())).status).toBe(201);
    fault.remove();
    expect(fault.seen).toEqual({ sent: 2, faulted: 1 });
    await expectGapFree(story, 2);
    db.destroy();
  });
});

// ── What was rendered is served while the store is down ───────────────────────────────────────

describe('a store that fails after pages and feeds were rendered', { timeout: 60_000 }, () => {
  it('serves the last rendered feeds, pages and lists (stale-if-error), and 503 only for what was never rendered', async () => {
    // One attempt a call: the SDK's backoff between throttled attempts is not what this test is about.
    const db = documentClient({ ...clientConfig(store.endpoint), maxAttempts: 1 });
    const rt = runtimeOn(db);
    const write = writeAppOn(rt);
    const story = await opened(write);
    expect((await post(write, `/api/stories/${story}/updates`, statement('Said before the outage'))).status).toBe(201);
    await projectLive(store, await logOf(story));
    // headTtlMs 0: every request asks the store for the head again, as a Lambda container would after its TTL.
    const { log, lines } = logs();
    const reader = new StoryReader(activeReads(db, store.tables.views), rt.events, { feed: feedContext({}), headTtlMs: 0, generationTtlMs: 0 });
    const read = readApp({ reader, log, health: async () => true });
    const paths = [`/stories/${story}/feed.atom`, `/stories/${story}/feed.json`, `/stories/${story}`, '/', '/api/stories', '/feed.rss'];
    const before = new Map<string, { etag: string; body: string }>();
    for (const path of paths) {
      const res = await read.request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toMatch(/stale-if-error=300/);
      before.set(path, { etag: res.headers.get('etag')!, body: await res.text() });
    }
    const faults = ['GetItem', 'Query', 'BatchGetItem'].map((op) => inject(db, op, overProvisioned, 10_000));
    try {
      for (const path of paths) {
        const res = await read.request(path);
        expect(res.status, path).toBe(200);
        expect({ path, etag: res.headers.get('etag'), body: await res.text() }).toEqual({ path, ...before.get(path) });
      }
      // Never rendered: nothing to fall back on.
      const unrendered = await read.request(`/stories/${story}?order=oldest`);
      expect(unrendered.status).toBe(503);
      expect(unrendered.headers.get('retry-after')).toBeTruthy();
      expect(faults.some((f) => f.seen.faulted > 0)).toBe(true);
    } finally {
      for (const f of faults) f.remove();
    }
    expect(lines.error).toEqual([]);
    // Back: the store answers again and the reader reads it.
    expect((await read.request(`/stories/${story}?order=oldest`)).status).toBe(200);
    db.destroy();
  });
});
