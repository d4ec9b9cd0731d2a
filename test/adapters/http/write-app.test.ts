/**
 * The write API through the real local HTTP stack on DynamoDB Local: auth, input rules, If-Match,
 * corrections and retractions. Every refusal is checked to store nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { authenticate, parseTokenHashes, tokensFromPlain } from '../../../shared/adapters/http/auth';
import { MAX_BODY_BYTES } from '../../../shared/adapters/http/limits';
import { LIMITS } from '../../../shared/domain/story/limits';
import { writeApp } from '../../../shared/adapters/http/write-app';
import { createRuntime } from '../../../functions/runtime';
import { createWriter } from '../../../functions/writer';
import { article, openBody, startApiWithStory, statement, TOKENS, until, type Api, type ProblemBody } from '../../support/api';

let api: Api;
const STORY = 'kyrgyzstan-bakiyev-ouster-2010';
const UPDATES = `/api/stories/${STORY}/updates`;

beforeAll(async () => void (api = await startApiWithStory(STORY)));
afterAll(() => api?.stop());

/** Sends a request that must be refused, and checks the refusal is problem+json and stored nothing. */
async function refused(send: () => Promise<Response>, status: number, pointer?: string, storyId = STORY): Promise<ProblemBody> {
  const before = await api.eventCount(storyId);
  const res = await send();
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as ProblemBody;
  expect(body.status).toBe(status);
  if (pointer !== undefined) expect(body.errors?.map((e) => e.pointer)).toContain(pointer);
  // No stack trace, no internal error text.
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at |Exception|node_modules/);
  expect(await api.eventCount(storyId)).toBe(before);
  return body;
}

describe('authentication', () => {
  it('a missing token gets 401 with WWW-Authenticate', async () => {
    const res = await fetch(api.url + UPDATES, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(statement()),
    });
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="newsroom"');
    await refused(async () => res, 401, '/headers/authorization');
  });

  it.each([
    ['a wrong token', 'Bearer not-the-token-0000'],
    ['another scheme', `Basic ${TOKENS.anna}`],
    ['a bare scheme', 'Bearer'],
    ['two tokens', `Bearer ${TOKENS.anna} ${TOKENS.ben}`],
    ['a token with a character b64token forbids', `Bearer ${TOKENS.anna}!`],
  ])('%s gets 401 invalid_token', async (_, authorization) => {
    const body = await refused(() => api.post(UPDATES, statement(), { Authorization: authorization }), 401, '/headers/authorization');
    expect(body.detail).not.toContain(TOKENS.anna);
    const res = await api.post(UPDATES, statement(), { Authorization: authorization });
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="newsroom", error="invalid_token"');
  });

  it('the scheme name is case-insensitive, and each event records the editor who posted it', async () => {
    const res = await api.post(UPDATES, statement('Ben was here'), { Authorization: `bearer ${TOKENS.ben}` });
    expect(res.status).toBe(201);
    const { version } = (await res.json()) as { version: number };
    const page = (await (await api.get(`/api/stories/${STORY}/events?after=${version - 1}&limit=1`)).json()) as {
      events: { metadata: { recordedBy: string } }[];
    };
    expect(page.events[0]?.metadata.recordedBy).toBe('ben');
  });

  it('reads need no token', async () => {
    expect((await api.get(`/api/stories/${STORY}/events`)).status).toBe(200);
    expect((await api.get('/api/stories')).status).toBe(200);
  });

  it('on AWS, tokens are held as SHA-256 hashes: the hash of the presented token must match', () => {
    const hex = createHash('sha256').update('s3cret-token').digest('hex');
    const { table, skipped } = parseTokenHashes(`carol:${hex}`);
    expect(skipped).toEqual([]);
    expect(authenticate('Bearer s3cret-token', table)).toEqual({ ok: true, editor: { name: 'carol' } });
    expect(authenticate(`Bearer ${hex}`, table)).toEqual({ ok: false, reason: 'invalid' });
    expect(parseTokenHashes('carol:not-hex')).toEqual({ table: { hashes: [] }, skipped: [expect.stringMatching(/64 hex digits/)] });
  });

  it('on AWS, a malformed entry is skipped (and said why) and the other editors keep their tokens', () => {
    const hex = (token: string) => createHash('sha256').update(token).digest('hex');
    const { table, skipped } = parseTokenHashes(`anna:${hex('a')}, broken , ben:${hex('b').slice(1)},carol:${hex('c')}`);
    expect(table.hashes.map((h) => h.name)).toEqual(['anna', 'carol']);
    expect(skipped).toEqual([expect.stringMatching(/entry 2 does not/), expect.stringMatching(/editor ben: token hash must be 64 hex digits/)]);
    expect(authenticate('Bearer c', table)).toEqual({ ok: true, editor: { name: 'carol' } });
    expect(parseTokenHashes('')).toEqual({ table: { hashes: [] }, skipped: [] });
  });

  // Names are part of keys (the idempotency key is editor#story#key) and of every event.
  it.each([
    ['a #', 'anna#desk'],
    ['a space', 'anna smith'],
    ['a slash', 'desk/anna'],
    ['non-ASCII', 'анна'],
    ['a zero-width space', 'anna\u200B'],
    ['65 characters', 'z'.repeat(65)],
  ])('an editor name with %s is refused when the token table is loaded, naming the entry but not its token', (_, name) => {
    const hex = createHash('sha256').update('s3cret-token').digest('hex');
    const rule = /entry 2 has the name .*names must match \/\^\[A-Za-z0-9\._-\]\{1,64\}\$\//;
    const load = () => tokensFromPlain(`ben:ok-token,${name}:s3cret-token`);
    expect(load).toThrow(rule);
    expect(load).not.toThrow(/s3cret-token|[0-9a-f]{64}/);
    // From SSM, that entry alone is left out.
    const { table, skipped } = parseTokenHashes(`ben:${hex},${name}:${hex}`);
    expect(table.hashes.map((h) => h.name)).toEqual(['ben']);
    expect(skipped).toEqual([expect.stringMatching(rule)]);
    expect(skipped[0]).not.toMatch(/s3cret-token|[0-9a-f]{64}/);
  });

  it('names of letters, digits, dots, underscores and hyphens up to 64 characters are fine', () => {
    const table = tokensFromPlain(`anna.k_2-desk:t1,${'b'.repeat(64)}:t2`);
    expect(table.hashes.map((h) => h.name)).toEqual(['anna.k_2-desk', 'b'.repeat(64)]);
  });
});

describe('input', () => {
  it('a body over 64 KiB gets 413, with or without Content-Length', async () => {
    const big = JSON.stringify({ ...statement(), context: 'x'.repeat(70_000) });
    await refused(() => api.post(UPDATES, big), 413);
    // Chunked: no Content-Length, so only counting the bytes read can catch it.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(4096)));
        controller.close();
      },
    });
    await refused(
      () =>
        fetch(api.url + UPDATES, {
          method: 'POST',
          headers: { Authorization: `Bearer ${TOKENS.anna}`, 'Content-Type': 'application/json' },
          body: stream,
          duplex: 'half',
        } as RequestInit),
      413,
    );
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['application/json; charset=latin1'], ['application/merge-patch+json']])(
    'Content-Type %s gets 415',
    async (type) => {
      await refused(() => api.post(UPDATES, statement(), { 'Content-Type': type }), 415, '/headers/content-type');
    },
  );

  it('a missing Content-Type gets 415; application/json with charset=utf-8 is fine', async () => {
    await refused(
      () =>
        fetch(api.url + UPDATES, {
          method: 'POST',
          headers: { Authorization: `Bearer ${TOKENS.anna}` },
          body: new Blob([JSON.stringify(statement())]),
        }),
      415,
    );
    expect((await api.post(UPDATES, statement(), { 'Content-Type': 'application/json; charset=UTF-8' })).status).toBe(201);
  });

  it('malformed JSON gets 400 without echoing the parser', async () => {
    const body = await refused(() => api.post(UPDATES, '{"type": "statement", "quote": <script>'), 400, '');
    expect(body.detail).toBe('the body is not valid JSON');
  });

  it.each([
    ['a C0 control', '{"type":"statement","speaker":{"name":"A"},"quote":"bell \\u0007"}', '/quote'],
    ['a lone high surrogate', '{"type":"statement","speaker":{"name":"A"},"quote":"half \\ud800 pair"}', '/quote'],
    ['a lone low surrogate in a nested field', '{"type":"statement","speaker":{"name":"A \\udc00"},"quote":"q"}', '/speaker/name'],
    ['U+FFFE', '{"type":"statement","speaker":{"name":"A"},"quote":"q","context":"\\ufffe"}', '/context'],
  ])('text with %s gets 400 naming the field', async (_, raw, pointer) => {
    const body = await refused(() => api.post(UPDATES, raw), 400, pointer);
    expect(body.detail).toMatch(/XML 1\.0/);
  });

  it('invalid UTF-8 bytes get 400', async () => {
    await refused(
      () =>
        fetch(api.url + UPDATES, {
          method: 'POST',
          headers: { Authorization: `Bearer ${TOKENS.anna}`, 'Content-Type': 'application/json' },
          body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
        }),
      400,
    );
  });

  it.each([
    ['a non-http URL', { ...article(), url: 'javascript:alert(1)' }, '/url'],
    ['an ftp URL', { ...article(), url: 'ftp://example.org/x' }, '/url'],
    ['a relative URL', { ...article(), url: '/kyrgyzstan' }, '/url'],
    ['a date that is not ISO 8601', { ...article(), publishedAt: '08/04/2010' }, '/publishedAt'],
    ['a date that does not exist', { ...article(), publishedAt: '2010-02-30' }, '/publishedAt'],
    ['a date-time without a zone', { ...statement(), saidAt: '2010-04-08T10:00:00' }, '/saidAt'],
    ['an unknown field', { ...statement(), mood: 'angry' }, '/mood'],
    ['an unknown nested field', { ...statement(), speaker: { name: 'A', age: 60 } }, '/speaker/age'],
    ['an unknown type', { type: 'rumour', text: 'x' }, '/type'],
    ['a missing field', { type: 'statement', quote: 'q' }, '/speaker'],
    ['a blank required field', { ...statement(), quote: '   ' }, '/quote'],
    ['a quote of zero-width and format characters', { ...statement(), quote: '\u200B\u200D\u2060\uFEFF' }, '/quote'],
    ['a speaker name of bidi marks and spaces', { ...statement(), speaker: { name: '\u200E \u200F\u2066\u2069' } }, '/speaker/name'],
    ['a retraction reason that is a byte order mark', { type: 'retraction', target: '01ARZ3NDEKTSV4RRFFQ69G5FAV', reason: '\uFEFF' }, '/reason'],
    ['a quote one character too long', { ...statement(), quote: 'q'.repeat(LIMITS.quote + 1) }, '/quote'],
    ['a context one character too long', { ...statement(), context: 'c'.repeat(LIMITS.context + 1) }, '/context'],
    ['an article URL whose host no URI can hold', { ...article(), url: 'https://exa{mple}.org/' }, '/url'],
    ['a statement URL that is not http(s)', { ...statement(), url: 'data:text/html,<b>' }, '/url'],
    [
      'a correction URL too long once percent-encoded',
      { type: 'correction', target: '01ARZ3NDEKTSV4RRFFQ69G5FAV', changes: { url: `https://example.org/${'é'.repeat(700)}` }, note: 'n' },
      '/changes/url',
    ],
    ['a date-time of 2,000 digits', { ...article(), publishedAt: `2010-04-08T10:00:00.${'1'.repeat(2000)}Z` }, '/publishedAt'],
    ['a headline too long', { type: 'headline', headline: 'h'.repeat(201) }, '/headline'],
    ['a non-ULID target', { type: 'retraction', target: 'abc', reason: 'r' }, '/target'],
    ['a correction that changes nothing', { type: 'correction', target: '01ARZ3NDEKTSV4RRFFQ69G5FAV', changes: {}, note: 'n' }, '/changes'],
    ['an unknown status', { type: 'status', status: 'paused' }, '/status'],
    ['an array body', [statement()], ''],
  ])('%s gets 400 naming the field', async (_, body, pointer) => {
    await refused(() => api.post(UPDATES, body), 400, pointer);
  });

  it('a field at its documented maximum is accepted', async () => {
    expect((await api.post(UPDATES, { ...statement(), quote: 'q'.repeat(LIMITS.quote) })).status).toBe(201);
  });

  it('a long text at its maximum fits in the body with every other field at its maximum', async () => {
    const url = `https://example.org/${'u'.repeat(LIMITS.url - 20)}`;
    const fullStatement = {
      type: 'statement',
      speaker: { name: 'n'.repeat(LIMITS.name), role: 'r'.repeat(LIMITS.role) },
      quote: 'q'.repeat(LIMITS.quote),
      saidAt: '2010-04-07T14:00:00.123456789+06:00',
      medium: 'm'.repeat(LIMITS.medium),
      outlet: 'o'.repeat(LIMITS.outlet),
      url,
      dateApproximate: false,
    };
    const fullArticle = {
      type: 'article',
      title: 't'.repeat(LIMITS.title),
      url,
      outlet: 'o'.repeat(LIMITS.outlet),
      publishedAt: '2010-04-07T14:00:00.123456789+06:00',
      summary: 's'.repeat(LIMITS.articleSummary),
      author: 'a'.repeat(LIMITS.name),
      dateApproximate: true,
    };
    for (const body of [fullStatement, fullArticle]) {
      expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThanOrEqual(MAX_BODY_BYTES);
      expect((await api.post(UPDATES, body)).status).toBe(201);
    }
    // Text of two bytes a character meets the body limit first.
    await refused(() => api.post(UPDATES, { ...statement(), quote: 'Ж'.repeat(40_000) }), 413);
  });

  it('story ids must be slugs: opening gets 400, posting to one gets 404', async () => {
    await refused(() => api.post('/api/stories', { ...openBody('x'), id: 'Not A Slug' }), 400, '/id', 'not-a-slug');
    await refused(() => api.post('/api/stories/NOT_A_SLUG/updates', statement()), 404);
    await refused(() => api.post(`/api/stories/${'a'.repeat(81)}/updates`, statement()), 404);
    await refused(() => api.post(`/api/stories/${'a'.repeat(3000)}/updates`, statement()), 404);
  });

  it('an accepted URL is stored as its RFC 3986 form', async () => {
    const res = await api.post(UPDATES, { ...article(), url: 'https://news.example.org/x?a=1&b=<2>&c=]]>' });
    expect(res.status).toBe(201);
    const { version } = (await res.json()) as { version: number };
    const page = (await (await api.get(`/api/stories/${STORY}/events?after=${version - 1}&limit=1`)).json()) as {
      events: { data: { url: string } }[];
    };
    expect(page.events[0]?.data.url).toBe('https://news.example.org/x?a=1&b=%3C2%3E&c=%5D%5D%3E');
  });

  it('an unknown story gets 404; opening a story twice gets 409', async () => {
    await refused(() => api.post('/api/stories/no-such-story/updates', statement()), 404, undefined, 'no-such-story');
    await refused(() => api.post('/api/stories', openBody(STORY)), 409, '/id');
  });

  it('an unexpected failure is an opaque 500: no message, no stack', async () => {
    const app = new Hono();
    const log = { info() {}, warn() {}, error() {} };
    app.route(
      '/',
      writeApp({
        writer: createWriter(createRuntime()),
        log,
        tokens: () => {
          throw new Error('ssm says: secret-internal-detail');
        },
      }),
    );
    const res = await app.request(UPDATES, {
      method: 'POST',
      headers: { Authorization: 'Bearer x', 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const text = await res.text();
    expect(text).not.toContain('secret-internal-detail');
    expect(text).not.toMatch(/\bat \S+:\d+/);
  });
});

describe('If-Match', () => {
  const head = async () => api.eventCount(STORY);

  it('the current version is accepted, and the new version comes back as the ETag', async () => {
    const version = await head();
    const res = await api.post(UPDATES, statement('on top'), { 'If-Match': `"${version}"` });
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe(`"${version + 1}"`);
  });

  it('a stale version gets 412 naming the current one, and nothing is written', async () => {
    const version = await head();
    const body = (await refused(
      () => api.post(UPDATES, statement('too late'), { 'If-Match': `"${version - 1}"` }),
      412,
      '/headers/if-match',
    )) as ProblemBody & {
      currentVersion: number;
    };
    expect(body.currentVersion).toBe(version);
  });

  it('an If-Match lost to another process names the version now too (the store alone does not say it)', async () => {
    // A second writer (another Lambda container) on the same tables: it knows the head from its own last write.
    const other = writeApp({
      writer: createWriter(createRuntime()),
      log: { info() {}, warn() {}, error() {} },
      tokens: () => tokensFromPlain(`anna:${TOKENS.anna}`),
    });
    const postThere = async (body: unknown, headers: Record<string, string> = {}) =>
      other.request(UPDATES, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKENS.anna}`, 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const first = await postThere(statement('from the other process'));
    expect(first.status).toBe(201);
    const { version } = (await first.json()) as { version: number };
    // This process moves the story on; the other still believes it is at `version`, so only its conditional write can tell.
    expect((await api.post(UPDATES, statement('meanwhile, here'))).status).toBe(201);
    const body = (await refused(
      () => postThere(statement('stale in the other process'), { 'If-Match': `"${version}"` }),
      412,
      '/headers/if-match',
    )) as ProblemBody & {
      currentVersion: number;
      expectedVersion: number;
    };
    expect(body.expectedVersion).toBe(version);
    expect(body.currentVersion).toBe(version + 1);
  });

  it('a version the story never reached gets 412', async () => {
    const version = await head();
    await refused(() => api.post(UPDATES, statement('future'), { 'If-Match': `"${version + 5}"` }), 412);
  });

  it('an If-Match that is not a quoted version gets 400', async () => {
    await refused(() => api.post(UPDATES, statement(), { 'If-Match': '3' }), 400, '/headers/if-match');
    await refused(() => api.post(UPDATES, statement(), { 'If-Match': '"abc"' }), 400, '/headers/if-match');
  });
});

describe('corrections, retractions, headline and status', () => {
  const OTHER = 'kyrgyzstan-referendum-2010';
  let articleId: string;
  let statementId: string;
  let otherId: string;

  beforeAll(async () => {
    expect((await api.post('/api/stories', openBody(OTHER))).status).toBe(201);
    articleId = ((await (await api.post(UPDATES, article('Opposition takes over'))).json()) as { updateId: string }).updateId;
    statementId = ((await (await api.post(UPDATES, statement('I remain president'))).json()) as { updateId: string }).updateId;
    otherId = ((await (await api.post(`/api/stories/${OTHER}/updates`, statement('Vote in June'))).json()) as { updateId: string }).updateId;
  });

  it("a correction of another story's update gets 404 naming /target", async () => {
    await refused(() => api.post(UPDATES, { type: 'correction', target: otherId, changes: { quote: 'x' }, note: 'n' }), 404, '/target');
    await refused(() => api.post(UPDATES, { type: 'retraction', target: otherId, reason: 'r' }), 404, '/target');
  });

  it('a correction that targets an update id no one recorded gets 404', async () => {
    await refused(
      () => api.post(UPDATES, { type: 'correction', target: '01ARZ3NDEKTSV4RRFFQ69G5FAV', changes: { quote: 'x' }, note: 'n' }),
      404,
      '/target',
    );
  });

  it("a correction may only change the target kind's fields (409 otherwise)", async () => {
    await refused(() => api.post(UPDATES, { type: 'correction', target: articleId, changes: { quote: 'x' }, note: 'n' }), 409, '/changes/quote');
  });

  it('corrects, then retracts; a second retraction and a correction of the retracted update get 409', async () => {
    const corrected = await api.post(UPDATES, {
      type: 'correction',
      target: statementId,
      changes: { quote: 'I remain the president' },
      note: 'Misquoted',
    });
    expect(corrected.status).toBe(201);
    expect((await api.post(UPDATES, { type: 'retraction', target: statementId, reason: 'Not verified' })).status).toBe(201);
    await refused(() => api.post(UPDATES, { type: 'retraction', target: statementId, reason: 'again' }), 409, '/target');
    await refused(() => api.post(UPDATES, { type: 'correction', target: statementId, changes: { quote: 'y' }, note: 'n' }), 409, '/target');
  });

  it('headline and status updates change the view', async () => {
    expect((await api.post(UPDATES, { type: 'headline', headline: 'Bakiyev resigns from exile', summary: 'He signed a letter.' })).status).toBe(201);
    const res = await api.post(UPDATES, { type: 'status', status: 'concluded' });
    expect(res.status).toBe(201);
    const { version } = (await res.json()) as { version: number };
    const view = await until(async () => {
      const body = (await (await api.get(`/api/stories/${STORY}`)).json()) as {
        version: number;
        headline: string;
        status: string;
        retractions: { target: string }[];
      };
      return body.version >= version ? body : undefined;
    });
    expect(view).toMatchObject({ headline: 'Bakiyev resigns from exile', status: 'concluded' });
    expect(view.retractions.map((r) => r.target)).toContain(statementId);
  });
});

describe('direct quotes and reported speech', () => {
  const SCRATCH = 'speech-scratch';
  const spokesperson = { type: 'statement', speaker: { name: 'Example Spokesperson (fictional)' }, quote: 'the example bridge would reopen' };

  it('a statement says which it is; without the field it is a direct quote; the stored event and the view carry it', async () => {
    expect((await api.post('/api/stories', openBody(SCRATCH))).status).toBe(201);
    const updates = `/api/stories/${SCRATCH}/updates`;
    const reported = (await (await api.post(updates, { ...spokesperson, speech: 'reported' })).json()) as { updateId: string; version: number };
    const unsaid = (await (await api.post(updates, spokesperson)).json()) as { updateId: string; version: number };
    const log = (await (await api.get(`/api/stories/${SCRATCH}/events`)).json()) as { events: { metadata: { updateId: string }; data: object }[] };
    const stored = (id: string) => log.events.find((e) => e.metadata.updateId === id)?.data;
    expect(stored(reported.updateId)).toMatchObject({ speech: 'reported' });
    expect(stored(unsaid.updateId)).toMatchObject({ speech: 'direct' });
    const view = await until(async () => {
      const body = (await (await api.get(`/api/stories/${SCRATCH}`)).json()) as {
        version: number;
        timeline: { updateId: string; content: { speech?: string } }[];
      };
      return body.version >= unsaid.version ? body : undefined;
    });
    expect(view.timeline.find((e) => e.updateId === reported.updateId)?.content.speech).toBe('reported');
    expect(view.timeline.find((e) => e.updateId === unsaid.updateId)?.content.speech).toBe('direct');
  });

  it('any other kind of speech gets 400 naming /speech (or /changes/speech), and nothing is stored', async () => {
    const updates = `/api/stories/${SCRATCH}/updates`;
    for (const speech of ['paraphrase', 'Direct', null, 1])
      await refused(() => api.post(updates, { ...spokesperson, speech }), 400, '/speech', SCRATCH);
    const body = { type: 'correction', target: '01ARZ3NDEKTSV4RRFFQ69G5FAV', changes: { speech: 'indirect' }, note: 'n' };
    await refused(() => api.post(updates, body), 400, '/changes/speech', SCRATCH);
  });
});

describe('key events and the pin', () => {
  const KEYS = 'kyrgyzstan-key-events-2010';
  const KEY_UPDATES = `/api/stories/${KEYS}/updates`;
  const send = (body: unknown, headers?: Record<string, string>) => api.post(KEY_UPDATES, body, headers);
  const posted = async (body: unknown) => {
    const res = await send(body);
    expect(res.status, JSON.stringify(body)).toBe(201);
    return (await res.json()) as { updateId: string; version: number };
  };
  const refusedHere = (body: unknown, status: number, pointer?: string) => refused(() => send(body), status, pointer, KEYS);

  beforeAll(async () => void expect((await api.post('/api/stories', openBody(KEYS))).status).toBe(201));

  it('records marks and pins decided on the story as it stands, even before the projector has caught up', async () => {
    const a = await posted({ ...article('Opposition takes over'), keyEvent: true });
    const s = await posted(statement('I remain president'));
    // Each decision folds the events the views have not seen: no wait between these.
    await posted({ type: 'key-event', target: s.updateId, keyEvent: true });
    await refusedHere({ type: 'key-event', target: s.updateId, keyEvent: true }, 409, '/keyEvent');
    await posted({ type: 'key-event', target: a.updateId, keyEvent: false });
    await refusedHere({ type: 'key-event', target: a.updateId, keyEvent: false }, 409, '/keyEvent');
    await posted({ type: 'pin', target: a.updateId });
    await refusedHere({ type: 'pin', target: a.updateId }, 409, '/target');
    await posted({ type: 'unpin' });
    await refusedHere({ type: 'unpin' }, 409, '/type');
    await posted({ type: 'pin', target: s.updateId });
    const retraction = await posted({ type: 'retraction', target: s.updateId, reason: 'Not verified' });
    // The retraction unpinned it, and took it out of the key events.
    await refusedHere({ type: 'unpin' }, 409, '/type');
    await refusedHere({ type: 'pin', target: s.updateId }, 409, '/target');
    await refusedHere({ type: 'key-event', target: s.updateId, keyEvent: false }, 409, '/target');
    const view = await until(async () => {
      const body = (await (await api.get(`/api/stories/${KEYS}`)).json()) as {
        version: number;
        pinned: unknown;
        counts: { keyEvents: number };
        keyEvents: { updateId: string; retracted?: true; content?: unknown }[];
      };
      return body.version >= retraction.version ? body : undefined;
    });
    expect(view.pinned).toBeNull();
    expect(view.counts.keyEvents).toBe(0);
    expect(view.keyEvents).toEqual([expect.objectContaining({ updateId: s.updateId, retracted: true })]);
    expect(view.keyEvents[0]!.content).toBeUndefined();
  });

  it('refuses a target that is no article or statement of this story (404) and bad bodies (400), naming the field', async () => {
    const a = await posted(article('Another article'));
    const headline = await posted({ type: 'headline', headline: 'New headline' });
    const correction = await posted({ type: 'correction', target: a.updateId, changes: { title: 'Fixed' }, note: 'n' });
    const other = ((await (await api.post(UPDATES, statement('Elsewhere'))).json()) as { updateId: string }).updateId;
    for (const target of [headline.updateId, correction.updateId, other, '01ARZ3NDEKTSV4RRFFQ69G5FAV']) {
      await refusedHere({ type: 'key-event', target, keyEvent: true }, 404, '/target');
      await refusedHere({ type: 'pin', target }, 404, '/target');
    }
    await refusedHere({ type: 'key-event', target: a.updateId }, 400, '/keyEvent');
    await refusedHere({ type: 'pin', target: 'nope' }, 400, '/target');
    await refusedHere({ type: 'unpin', target: a.updateId }, 400);
    await refusedHere({ type: 'correction', target: a.updateId, changes: { keyEvent: true }, note: 'n' }, 400, '/changes/keyEvent');
  });

  it('a pin with a stale If-Match gets 412 and records nothing', async () => {
    const a = await posted(article('Pinned with If-Match'));
    await refused(() => send({ type: 'pin', target: a.updateId }, { 'If-Match': `"${a.version - 1}"` }), 412, undefined, KEYS);
    expect((await send({ type: 'pin', target: a.updateId }, { 'If-Match': `"${a.version}"` })).status).toBe(201);
  });
});
