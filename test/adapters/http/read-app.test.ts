/**
 * The public JSON reads that belong to the API contract: time travel (?version, ?asOf), the raw
 * log with pagination, and the OpenAPI document generated from the zod schemas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileErrors, validate } from '@readme/openapi-parser';
import { Hono } from 'hono';
import type * as z from 'zod/mini';
import { LIMITS } from '../../../shared/domain/story/limits';
import { readApp } from '../../../shared/adapters/http/read-app';
import { writeApp } from '../../../shared/adapters/http/write-app';
import { tokensFromPlain } from '../../../shared/adapters/http/auth';
import { createReader } from '../../../functions/reader';
import { createRuntime, feedContext } from '../../../functions/runtime';
import { createWriter } from '../../../functions/writer';
import { responseBodies } from '../../../shared/adapters/http/responses';
import { LIVE_CACHE_CONTROL } from '../../../shared/application/representation';
import { article, openBody, startApi, statement, until, type Api, type ProblemBody } from '../../support/api';
import { stored } from '../../support/events';

let api: Api;
const STORY = 'kyrgyzstan-bakiyev-ouster-2010';
/** recordedAt of versions 1..4 */
const recorded: string[] = [];

const pause = () => new Promise((r) => setTimeout(r, 15));

beforeAll(async () => {
  api = await startApi();
  const open = await api.post('/api/stories', openBody(STORY));
  recorded.push(((await open.json()) as { recordedAt: string }).recordedAt);
  for (const quote of ['first', 'second', 'third']) {
    await pause();
    const res = await api.post(`/api/stories/${STORY}/updates`, statement(quote));
    recorded.push(((await res.json()) as { recordedAt: string }).recordedAt);
  }
});
afterAll(() => api?.stop());

type View = { version: number; timeline: { content: { quote?: string } }[] };
const view = async (query: string) => {
  const res = await api.get(`/api/stories/${STORY}?${query}`);
  return { res, body: res.status === 200 ? ((await res.json()) as View) : ((await res.json()) as ProblemBody) };
};

describe('time travel', () => {
  it('?version=N is the view as it stood at version N, cached no longer than the live view (a later retraction reaches it)', async () => {
    const { res, body } = await view('version=2');
    expect(res.status).toBe(200);
    expect((body as View).version).toBe(2);
    expect((body as View).timeline.map((e) => e.content.quote)).toEqual(['first']);
    expect(res.headers.get('cache-control')).toBe(LIVE_CACHE_CONTROL);
    expect(((await view('version=1')).body as View).timeline).toEqual([]);
  });

  it('?version past the head, or of a story that does not exist, gets 404', async () => {
    expect((await view('version=5')).res.status).toBe(404);
    expect((await api.get('/api/stories/no-such-story?version=1')).status).toBe(404);
  });

  it('?asOf is the view at that time: events recorded up to and including it', async () => {
    const { body } = await view(`asOf=${encodeURIComponent(recorded[2]!)}`);
    expect((body as View).version).toBe(3);
    expect((body as View).timeline.map((e) => e.content.quote)).toEqual(['first', 'second']);
    const withZone = new Date(Date.parse(recorded[1]!) + 1).toISOString().replace('Z', '+00:00');
    expect(((await view(`asOf=${encodeURIComponent(withZone)}`)).body as View).version).toBe(2);
  });

  it('?asOf before the story was opened gets 404', async () => {
    const before = new Date(Date.parse(recorded[0]!) - 1000).toISOString();
    expect((await view(`asOf=${before}`)).res.status).toBe(404);
  });

  it.each([
    ['both version and asOf', `version=2&asOf=${new Date().toISOString()}`, '/query/asOf'],
    ['version 0', 'version=0', '/query/version'],
    ['a version that is not a number', 'version=two', '/query/version'],
    ['an asOf that is not ISO 8601', 'asOf=yesterday', '/query/asOf'],
    ['an asOf without a zone', 'asOf=2010-04-08T10:00:00', '/query/asOf'],
    ['an unknown parameter', 'at=3', '/query/at'],
  ])('%s gets 400 naming the parameter', async (_, query, pointer) => {
    const { res, body } = await view(query);
    expect(res.status).toBe(400);
    expect((body as ProblemBody).errors?.map((e) => e.pointer)).toContain(pointer);
  });
});

describe('the raw event log', () => {
  it('pages a log of long events to its end: DynamoDB stops a page at 1 MB, before `limit`', async () => {
    const storyId = 'long-log';
    expect((await api.post('/api/stories', openBody(storyId))).status).toBe(201);
    // Twenty statements of the longest quote the API takes: about 1.2 MB of events.
    const quote = 'q'.repeat(LIMITS.quote);
    for (let version = 2; version <= 21; version++) {
      const event = stored('StatementRecorded', { speaker: { name: 'Example Speaker (fictional)' }, quote, speech: 'direct' }, { storyId, version });
      await api.store.events.append(storyId, version - 1, [event as never]);
    }
    const versions: number[] = [];
    let pages = 0;
    for (let next: string | undefined = `/api/stories/${storyId}/events?limit=100`; next; pages++) {
      const res = await api.get(next);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { events: { metadata: { version: number } }[]; next?: string };
      versions.push(...body.events.map((e) => e.metadata.version));
      next = body.next;
    }
    expect(pages).toBeGreaterThan(1);
    expect(versions).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  });

  type Page = { events: { metadata: { version: number } }[]; next?: string };

  it('pages oldest first; following `next` reads every event once', async () => {
    const seen: number[] = [];
    let path: string | undefined = `/api/stories/${STORY}/events?limit=3`;
    let pages = 0;
    while (path) {
      const page = (await (await api.get(path)).json()) as Page;
      seen.push(...page.events.map((e) => e.metadata.version));
      path = page.next;
      pages++;
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(pages).toBe(2);
  });

  it('?after skips what the client has; past the end is an empty page, not an error', async () => {
    const page = (await (await api.get(`/api/stories/${STORY}/events?after=2`)).json()) as Page;
    expect(page.events.map((e) => e.metadata.version)).toEqual([3, 4]);
    const end = await api.get(`/api/stories/${STORY}/events?after=4`);
    expect(end.status).toBe(200);
    expect(((await end.json()) as Page).events).toEqual([]);
  });

  it('an unknown story gets 404, whatever `after` says', async () => {
    expect((await api.get('/api/stories/no-such-story/events')).status).toBe(404);
    expect((await api.get('/api/stories/no-such-story/events?after=3')).status).toBe(404);
    expect((await api.get(`/api/stories/${'x'.repeat(3000)}/events`)).status).toBe(404);
  });

  it.each([['limit=0'], ['limit=1001'], ['after=-1'], ['after=abc'], ['cursor=x']])('?%s gets 400', async (query) => {
    const res = await api.get(`/api/stories/${STORY}/events?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('path and query that can name nothing', () => {
  const BAD_IDS = [
    ['3,000 characters', 'x'.repeat(3000)],
    ['upper case and an underscore', 'NOT_A_SLUG'],
    ['an emoji', encodeURIComponent('story-😀')],
    ['a double hyphen', 'a--b'],
  ];
  const routesOf = (id: string) => [
    `/api/stories/${id}`,
    `/api/stories/${id}?version=1`,
    `/api/stories/${id}?cursor=x`,
    `/api/stories/${id}/events`,
    `/stories/${id}`,
    `/stories/${id}/feed.atom`,
    `/stories/${id}/feed.rss`,
    `/stories/${id}/feed.json`,
    `/stories/${id}/archive/1-50/feed.atom`,
  ];

  it.each(BAD_IDS)('an id of %s is a 404 problem on every route, without echoing the id', async (_, id) => {
    for (const path of routesOf(id)) {
      const res = await api.get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
      const body = (await res.json()) as ProblemBody;
      expect(body).toMatchObject({ status: 404, title: 'No such story', detail: 'no story has this id' });
      if (id.length > 100) expect(JSON.stringify(body)).not.toContain(id);
    }
  });

  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
  it.each([
    ['not base64url JSON', 'x'],
    ['empty', ''],
    ['a key of another partition', b64({ pk: 'g0#story#other', sk: `u#${ULID}`, timelineKey: '2010-04-08#000000000002' })],
    ['a sort key of another kind', b64({ sk: 'head', timelineKey: '2010-04-08#000000000002' })],
    ['no index key', b64({ sk: `u#${ULID}` })],
    ['a timelineKey too long for the index', b64({ sk: `u#${ULID}`, timelineKey: `${'9'.repeat(2000)}#000000000002` })],
    ['an attribute of its own', b64({ sk: `u#${ULID}`, timelineKey: '2010-04-08#000000000002', x: 1 })],
    ['3,000 characters', 'A'.repeat(3000)],
  ])('a cursor that is %s is a 400 problem naming /query/cursor (view and page)', async (_, cursor) => {
    for (const path of [`/api/stories/${STORY}?cursor=${cursor}`, `/stories/${STORY}?cursor=${cursor}`]) {
      const res = await api.get(path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
      const body = (await res.json()) as ProblemBody;
      expect(
        body.errors?.map((e) => e.pointer),
        path,
      ).toEqual(['/query/cursor']);
    }
  });

  it('the cursors the server hands out page through the whole timeline, in the view and on the page', async () => {
    const quotes: (string | undefined)[] = [];
    let path: string | undefined = `/api/stories/${STORY}?limit=1`;
    const cursors: string[] = [];
    while (path) {
      const res = await api.get(path);
      expect(res.status).toBe(200);
      const body = (await res.json()) as View & { timelineNext?: string };
      quotes.push(...body.timeline.map((e) => e.content.quote));
      if (body.timelineNext) cursors.push(body.timelineNext);
      path = body.timelineNext ? `/api/stories/${STORY}?limit=1&cursor=${encodeURIComponent(body.timelineNext)}` : undefined;
    }
    expect(quotes).toEqual(['first', 'second', 'third']);
    expect(cursors.length).toBeGreaterThan(0);
    for (const cursor of cursors) {
      const page = await api.get(`/stories/${STORY}?cursor=${encodeURIComponent(cursor)}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    }
  });
});

/** The request bodies' schemas by their names in the document: each strict, each string bounded. */
const REQUEST_KINDS = ['Article', 'Statement', 'Correction', 'Retraction', 'Headline', 'Status', 'KeyEvent', 'Pin', 'Unpin', 'OpenStory', 'Speaker'];

describe('OpenAPI', () => {
  type Doc = {
    openapi: string;
    paths: Record<string, Record<string, unknown>>;
    components: { schemas: Record<string, { properties?: Record<string, { maxLength?: number; $ref?: string }>; additionalProperties?: boolean }> };
  };
  let doc: Doc;

  beforeAll(async () => {
    const res = await api.get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = (await res.json()) as Doc;
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    // validate() dereferences in place: give it a copy.
    const result = await validate(structuredClone(doc) as never);
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.valid).toBe(true);
  });

  it('states every limit of the input: each string of a request schema has a maxLength or a closed set of values', () => {
    type Schema = { type?: string; maxLength?: number; enum?: unknown[]; const?: unknown; format?: string; $ref?: string } & Record<string, unknown>;
    const unbounded: string[] = [];
    const visit = (schema: unknown, where: string): void => {
      if (!schema || typeof schema !== 'object') return;
      const s = schema as Schema;
      if (s.type === 'string' && s.maxLength === undefined && s.enum === undefined && s.const === undefined && s.format !== 'date')
        unbounded.push(where);
      for (const [key, value] of Object.entries(s)) {
        if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${where}/${key}/${i}`));
        else visit(value, `${where}/${key}`);
      }
    };
    for (const name of [...REQUEST_KINDS, 'Update', 'CorrectionChanges', 'StoryId']) {
      visit(doc.components.schemas[name], name);
    }
    // Every parameter (path, query, header) and request body of every operation.
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops as Record<string, { parameters?: unknown; requestBody?: unknown }>)) {
        visit(op.parameters, `${method} ${path} parameters`);
        visit(op.requestBody, `${method} ${path} requestBody`);
      }
    }
    expect(unbounded).toEqual([]);
    const { schemas } = doc.components;
    expect(schemas.Article?.properties?.url?.maxLength).toBe(LIMITS.url);
    expect(schemas.Article?.properties?.summary?.maxLength).toBe(LIMITS.articleSummary);
    expect(schemas.Statement?.properties?.context?.maxLength).toBe(LIMITS.context);
    expect(JSON.stringify(doc)).toContain('a request body holds at most 65536 bytes');
  });

  it('carries the zod schemas: lengths, strictness, the update kinds', () => {
    const { schemas } = doc.components;
    expect(schemas.Statement?.properties?.quote?.maxLength).toBe(LIMITS.quote);
    expect(schemas.Article?.properties?.title?.maxLength).toBe(LIMITS.title);
    expect(schemas.OpenStory?.properties?.headline?.maxLength).toBe(LIMITS.headline);
    for (const kind of REQUEST_KINDS) {
      expect(schemas[kind]?.additionalProperties, kind).toBe(false);
    }
    expect(JSON.stringify(schemas.Update)).toContain('#/components/schemas/Retraction');
    expect(JSON.stringify(schemas.Update)).toContain('#/components/schemas/Pin');
    expect(schemas.Article?.properties?.keyEvent).toMatchObject({ type: 'boolean' });
    expect(schemas.Statement?.properties?.keyEvent).toMatchObject({ type: 'boolean' });
  });

  it('shows whether a statement is a direct quote or reported speech, and that a title may be the newsroom’s', () => {
    const { schemas } = doc.components as { schemas: Record<string, { properties?: Record<string, Record<string, unknown>>; required?: string[] }> };
    // Optional with a default: clients that do not send it post direct quotes, as they always did.
    expect(schemas.Statement?.properties?.speech).toMatchObject({ enum: ['direct', 'reported'], default: 'direct' });
    expect(schemas.Statement?.properties?.speech?.description).toMatch(/reported speech/);
    expect(schemas.Statement?.required).not.toContain('speech');
    expect(schemas.Article?.properties?.titleReconstructed).toMatchObject({ type: 'boolean' });
  });

  it('documents the JSON bodies the apps send, field for field', async () => {
    // The schemas are open to new fields (a z.object strips them): parsing must give the body back whole.
    const {
      WriteResult: writeResult,
      StoryView: storyView,
      EventsPage: eventsPage,
      StoryList: storyList,
      StoryChanges: storyChanges,
      Health: health,
    } = responseBodies;
    const exact = (schema: z.ZodMiniType, body: unknown) => expect(schema.parse(body)).toEqual(body);
    const story = 'documented-shapes';
    exact(writeResult, await (await api.post('/api/stories', openBody(story))).json());
    const posted = async (body: unknown) => ((await (await api.post(`/api/stories/${story}/updates`, body)).json()) as { updateId: string }).updateId;
    const articleId = await posted(article());
    const statementId = await posted(statement());
    await posted({ type: 'correction', target: articleId, changes: { title: 'Corrected' }, note: 'n' });
    const keyStatementId = await posted({ ...statement('Key words'), keyEvent: true });
    await posted({ type: 'key-event', target: statementId, keyEvent: true });
    await posted({ type: 'pin', target: articleId });
    await posted({ type: 'retraction', target: statementId, reason: 'r' });
    const view = await until(async () => {
      const body = (await (await api.get(`/api/stories/${story}`)).json()) as { version: number };
      return body.version === 8 ? body : undefined;
    });
    // Key events (one retracted: its notice only) and the pin, live and as they stood.
    expect(view).toMatchObject({
      pinned: { updateId: articleId },
      keyEvents: [{ updateId: keyStatementId }, { updateId: statementId, retracted: true }],
    });
    exact(storyView, view);
    exact(storyView, await (await api.get(`/api/stories/${story}?version=7`)).json());
    exact(storyView, await (await api.get(`/api/stories/${story}?version=4&limit=1`)).json());
    exact(storyView, await (await api.get(`/api/stories/${story}?limit=1`)).json());
    exact(eventsPage, await (await api.get(`/api/stories/${story}/events?limit=3`)).json());
    exact(storyList, await (await api.get('/api/stories')).json());
    exact(storyChanges, await (await api.get(`/api/stories/${story}/changes?since=1`)).json());
    exact(health, await (await api.get('/health')).json());
  });

  it('describes every route the apps serve', () => {
    const log = { info() {}, warn() {}, error() {} };
    const rt = createRuntime();
    const app = new Hono();
    app.route('/', writeApp({ writer: createWriter(rt), tokens: () => tokensFromPlain(''), log }));
    app.route('/', readApp({ reader: createReader(rt, feedContext()), log, health: async () => true }));
    const served = app.routes
      // Middleware (every method, or the write log on POST /api/*), not a route.
      .filter((r) => r.method !== 'ALL' && !r.path.endsWith('/*'))
      .map(
        (r) =>
          // A feed route is served at one path per format (routes.ts honoPaths), as the document lists it.
          `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`,
      );
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
    for (const route of served) expect(documented, route).toContain(route);
  });
});
