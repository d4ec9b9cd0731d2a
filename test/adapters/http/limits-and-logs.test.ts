/**
 * The per-editor write rate limit and the structured logs, on the write app wired to test
 * tables of the shared DynamoDB Local, with the runtime's real Powertools Logger.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tokensFromPlain } from '../../../shared/adapters/http/auth';
import { TokenBuckets } from '../../../shared/adapters/http/rate-limit';
import { writeApp } from '../../../shared/adapters/http/write-app';
import { createRuntime, logger } from '../../../functions/runtime';
import { createWriter } from '../../../functions/writer';
import { createTestStore, type TestStore } from '../../support/dynamo';
import { openBody, statement, TOKEN_SPEC, TOKENS, type ProblemBody } from '../../support/api';

let store: TestStore;
const STORY = 'kyrgyzstan-bakiyev-ouster-2010';

beforeAll(async () => {
  store = await createTestStore();
  store.applyEnv();
});
afterAll(() => store?.drop());

function app(rateLimit = { perSecond: 1_000, burst: 1_000 }) {
  return writeApp({ writer: createWriter(createRuntime()), tokens: () => tokensFromPlain(TOKEN_SPEC), log: logger, rateLimit });
}

const post = (a: ReturnType<typeof app>, path: string, body: unknown, headers: Record<string, string> = {}) =>
  a.request(path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKENS.anna}`, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const count = async () => {
  let n = 0;
  for await (const page of store.events.stream(STORY)) n += page.length;
  return n;
};

describe('rate limit', () => {
  it('an editor over its burst gets 429 with Retry-After, and the refused write is not stored', async () => {
    // A token a hundred seconds: however slow the machine, none comes back during the test.
    const limited = app({ perSecond: 0.01, burst: 2 });
    expect((await post(limited, '/api/stories', openBody(STORY))).status).toBe(201);
    expect((await post(limited, `/api/stories/${STORY}/updates`, statement('one'))).status).toBe(201);
    const before = await count();
    const res = await post(limited, `/api/stories/${STORY}/updates`, statement('two'));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await res.json()) as ProblemBody).type).toMatch(/rate-limited$/);
    expect(await count()).toBe(before);
    // Another editor has a bucket of their own.
    expect((await post(limited, `/api/stories/${STORY}/updates`, statement('ben'), { Authorization: `Bearer ${TOKENS.ben}` })).status).toBe(201);
  });

  it('a bucket refills at the sustained rate, up to the burst', () => {
    let now = 0;
    const buckets = new TokenBuckets({ perSecond: 2, burst: 3 }, () => now);
    expect([1, 2, 3].map(() => buckets.take('anna').ok)).toEqual([true, true, true]);
    expect(buckets.take('anna')).toEqual({ ok: false, retryAfterSeconds: 1 });
    now += 500; // half a second: one token back
    expect(buckets.take('anna').ok).toBe(true);
    expect(buckets.take('anna').ok).toBe(false);
    now += 60_000; // a long pause refills only up to the burst
    expect([1, 2, 3, 4].map(() => buckets.take('anna').ok)).toEqual([true, true, true, false]);
  });
});

describe('structured logs', () => {
  let lines: string[] = [];
  beforeAll(() => {
    logger.setLogLevel('INFO');
  });
  afterEach(() => {
    vi.restoreAllMocks();
    lines = [];
  });
  /** Powertools writes INFO to stdout and ERROR to stderr, one JSON object per line. */
  const capture = () => {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      vi.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        if (text.trimStart().startsWith('{')) {
          lines.push(text);
          return true;
        }
        return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write);
    }
  };
  const records = () => lines.flatMap((l) => l.split('\n').filter(Boolean)).map((l) => JSON.parse(l) as Record<string, unknown>);

  it('each write is one JSON line carrying its correlation id and editor; the event carries the id too', async () => {
    const a = app();
    capture();
    const res = await post(a, `/api/stories/${STORY}/updates`, statement('logged'), { 'X-Correlation-Id': 'corr-abc-123' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-correlation-id')).toBe('corr-abc-123');
    const line = records().find((r) => r.message === 'write');
    expect(line).toMatchObject({
      level: 'INFO',
      service: expect.any(String),
      correlationId: 'corr-abc-123',
      editor: 'anna',
      status: 201,
      path: `/api/stories/${STORY}/updates`,
    });
    const { version } = (await res.json()) as { version: number };
    const page = await store.events.read(STORY, { after: version - 1, limit: 1 });
    expect(page.events[0]?.metadata.correlationId).toBe('corr-abc-123');
  });

  it('a request without one gets a generated id, in the log and the response alike', async () => {
    const a = app();
    capture();
    const res = await post(a, `/api/stories/${STORY}/updates`, statement('anonymous id'));
    const id = res.headers.get('x-correlation-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(records().find((r) => r.message === 'write')?.correlationId).toBe(id);
  });

  it('tokens never reach a log: not on success, not on refusal, not on an internal error', async () => {
    capture();
    await post(app(), `/api/stories/${STORY}/updates`, statement('fine'));
    await post(app(), `/api/stories/${STORY}/updates`, statement('wrong'), { Authorization: `Bearer ${TOKENS.anna}x` });
    const broken = writeApp({
      writer: createWriter(createRuntime()),
      log: logger,
      tokens: () => {
        throw new Error('token store unavailable');
      },
    });
    const failed = await post(broken, `/api/stories/${STORY}/updates`, statement('boom'), { 'X-Correlation-Id': 'corr-500' });
    expect(failed.status).toBe(500);
    const all = records();
    expect(all.find((r) => r.message === 'request failed')?.correlationId).toBe('corr-500');
    expect(all.some((r) => r.status === 401)).toBe(true);
    const text = lines.join('');
    for (const token of Object.values(TOKENS)) expect(text).not.toContain(token);
  });
});
