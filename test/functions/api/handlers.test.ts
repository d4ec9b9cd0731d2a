/**
 * The input rules in the Lambda handlers (functions/api/{read,write}.ts), invoked with API Gateway
 * HTTP API (payload 2.0) events on DynamoDB Local, the projector handler fed stream records of the
 * stored events: a URL stored as its RFC 3986 form, an id that can name nothing a 404 on every
 * route, a forged cursor a 400 naming /query/cursor.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoryEvent } from '../../../shared/domain/story/events';
import { createTestStore, type TestStore } from '../../support/dynamo';
import { apiGatewayEvent } from '../../support/lambda';
import { streamRecord } from '../../support/stream-records';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
const TOKEN = 'lambda-token-0123456789';
const STORY = 'lambda-input-rules';

let store: TestStore;
let read: Handler;
let write: Handler;
let project: (event: DynamoDBStreamEvent) => Promise<unknown>;

const context = { awsRequestId: 'test', functionName: 'newsroom-test', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

const event = (method: string, path: string, body?: unknown) =>
  apiGatewayEvent(method, path, body === undefined ? {} : { body, headers: { authorization: `Bearer ${TOKEN}` } });

const get = (path: string) => read(event('GET', path), context);
const post = (path: string, body: unknown) => write(event('POST', path, body), context);
const json = <T>(res: APIGatewayProxyStructuredResultV2) => JSON.parse(res.body ?? '') as T;

beforeAll(async () => {
  store = await createTestStore();
  store.applyEnv();
  process.env.NEWSROOM_EDITOR_TOKENS = `anna:${TOKEN}`;
  read = (await import('../../../functions/api/read')).handler as unknown as Handler;
  write = (await import('../../../functions/api/write')).handler as unknown as Handler;
  project = (await import('../../../functions/projector/handler')).handler;

  expect((await post('/api/stories', { id: STORY, headline: 'Lambda', summary: 'Input rules on Lambda' })).statusCode).toBe(201);
  const article = {
    type: 'article',
    title: 'Markup in a query',
    url: 'https://news.example.org/x?a=1&b=<2>&c=]]>',
    outlet: 'O',
    publishedAt: '2010-04-08',
  };
  expect((await post(`/api/stories/${STORY}/updates`, article)).statusCode).toBe(201);
  for (const quote of ['one', 'two']) {
    expect((await post(`/api/stories/${STORY}/updates`, { type: 'statement', speaker: { name: 'S' }, quote, saidAt: '2010-04-09' })).statusCode).toBe(
      201,
    );
  }
  const stored: StoryEvent[] = [];
  for await (const page of store.events.stream(STORY)) stored.push(...page);
  await project({ Records: stored.map(streamRecord) });
});
afterAll(async () => {
  delete process.env.NEWSROOM_EDITOR_TOKENS;
  await store?.drop();
});

describe('the Lambda handlers', () => {
  it('store an accepted URL as its RFC 3986 form', async () => {
    const log = json<{ events: { data: { url?: string } }[] }>(await get(`/api/stories/${STORY}/events`));
    expect(log.events.map((e) => e.data.url).filter(Boolean)).toEqual(['https://news.example.org/x?a=1&b=%3C2%3E&c=%5D%5D%3E']);
  });

  it('name the editor of a token for the desk’s sign-in, and refuse one that is no editor’s', async () => {
    const named = await write(apiGatewayEvent('GET', '/api/editor', { headers: { authorization: `Bearer ${TOKEN}` } }), context);
    expect(named.statusCode).toBe(200);
    expect(json<{ editor: string }>(named)).toEqual({ editor: 'anna' });
    expect(named.headers?.['cache-control']).toBe('no-store');
    const refused = await write(apiGatewayEvent('GET', '/api/editor', { headers: { authorization: 'Bearer not-a-token' } }), context);
    expect(refused.statusCode).toBe(401);
    expect(refused.headers?.['www-authenticate']).toMatch(/^Bearer realm="newsroom"/);
  });

  it('serve the editor’s desk from the read function, under the pages’ CSP', async () => {
    const desk = await get(`/desk/stories/${STORY}`);
    expect(desk.statusCode).toBe(200);
    expect(desk.headers?.['content-security-policy']).toMatch(/^default-src 'none'/);
    expect(desk.body).toContain('Markup in a query');
  });

  it('answer 404 problem+json for an id that can name no story, on every route', async () => {
    const id = 'x'.repeat(3000);
    const answers = [
      ...(await Promise.all(
        [`/api/stories/${id}`, `/api/stories/${id}/events`, `/stories/${id}`, `/stories/${id}/feed.atom`, `/stories/${id}/archive/1-50/feed.rss`].map(
          get,
        ),
      )),
      await post(`/api/stories/${id}/updates`, { type: 'statement', speaker: { name: 'S' }, quote: 'q' }),
    ];
    for (const res of answers) {
      expect(res.statusCode).toBe(404);
      expect(res.headers?.['content-type']).toMatch(/^application\/problem\+json/);
      expect(json<{ detail: string }>(res).detail).toBe('no story has this id');
    }
  });

  it('answer 400 naming /query/cursor for a cursor they did not hand out, and page with the ones they did', async () => {
    const forged = Buffer.from(JSON.stringify({ pk: 'other', sk: 'head', timelineKey: 'x' })).toString('base64url');
    for (const path of [`/api/stories/${STORY}?cursor=${forged}`, `/stories/${STORY}?cursor=${forged}`]) {
      const res = await get(path);
      expect(res.statusCode).toBe(400);
      expect(json<{ errors: { pointer: string }[] }>(res).errors.map((e) => e.pointer)).toEqual(['/query/cursor']);
    }
    const first = json<{ timelineNext?: string }>(await get(`/api/stories/${STORY}?limit=1`));
    expect(first.timelineNext).toBeDefined();
    expect((await get(`/api/stories/${STORY}?limit=1&cursor=${first.timelineNext}`)).statusCode).toBe(200);
    expect((await get(`/stories/${STORY}?cursor=${first.timelineNext}`)).statusCode).toBe(200);
  });
});
