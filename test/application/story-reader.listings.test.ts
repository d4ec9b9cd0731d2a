/**
 * The story list's pages and the all-stories feeds, read through the activity index (views/layout.ts)
 * against DynamoDB Local, with stories projected by the real projector: the feeds are byte for
 * byte what merging every story's latest changes gives (the way they were built before the
 * index), in every format, live and after a replay; the story list pages through every story once,
 * newest activity first; and a render's requests are bounded by the page, not by the stories.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayAll } from '../../shared/application/replay';
import { StoryReader } from '../../shared/application/story-reader';
import { FEED_MEDIA_TYPES } from '../../shared/domain/feeds/render';
import type { FeedFormat } from '../../shared/domain/feeds/urls';
import type { StoryEvent } from '../../shared/domain/story/events';
import { InvalidCursorError } from '../../shared/application/errors';
import { activeViews } from '../../shared/adapters/dynamodb/views/writes';
import { ViewReads } from '../../shared/adapters/dynamodb/views/reads';
import { POINTER, readPointer } from '../../shared/adapters/dynamodb/views/pointer';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { readApp } from '../../shared/adapters/http/read-app';
import { writeEvents } from '../bench/story-generator';
import { createTestStore, type TestStore } from '../support/dynamo';
import { generatedStory } from '../support/feeds';
import { projectLive, replayContextOf } from '../support/replay';
import { mergedFromEveryStory } from '../support/all-stories';

const STORIES = 56;
const FEED = { baseUrl: 'https://news.example', tagPrefix: 'tag:news.example,2026:' };
const FORMATS: FeedFormat[] = ['atom', 'rss', 'json'];
const T0 = Date.parse('2026-03-01T00:00:00Z');

let store: TestStore;
const ids: string[] = [];

beforeAll(async () => {
  store = await createTestStore();
  const all: StoryEvent[] = [];
  for (let i = 0; i < STORIES; i++) {
    const id = `listed-${String(i).padStart(3, '0')}`;
    ids.push(id);
    // Interleaved times (never equal across stories), 2 to 15 updates with corrections and retractions.
    all.push(...generatedStory(id, 2 + ((i * 5) % 14), { base: T0 + i * 1237, concluded: i % 9 === 0 }).events);
  }
  // Two writes in flight: the shared DynamoDB Local serves other test files meanwhile.
  await writeEvents(store.db, store.tables.events, all.length, (i) => all[i]!, 2);
  // As the stream delivers them: batches of 100 records, several stories each.
  await projectLive(store, all);
}, 120_000);

afterAll(() => store?.drop());

const reader = () => new StoryReader(activeViews(store.db, store.tables.views), store.events, { feed: FEED, feedSize: 50 });

const text = (body: string | Uint8Array) => (typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));

/** DynamoDB requests that `fn` sends through the store's client, by command. */
async function requests<T>(fn: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
  const sent: string[] = [];
  const name = `count-${Math.random()}`;
  store.db.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name },
  );
  try {
    return { result: await fn(), sent };
  } finally {
    store.db.middlewareStack.remove(name);
  }
}

describe('the all-stories feeds from the activity index', { timeout: 120_000 }, () => {
  it('are byte for byte what merging every story’s latest changes gives, in every format, live and after a replay', async () => {
    for (const generation of ['live', 'replayed']) {
      if (generation === 'replayed') await replayAll(replayContextOf(store), { cleanupDelayMs: 0 });
      const views = await activeViews(store.db, store.tables.views)();
      for (const format of FORMATS) {
        const rep = await reader().allStoriesFeed(format);
        expect(rep.contentType).toBe(FEED_MEDIA_TYPES[format]);
        expect(text(rep.body), `${generation} ${format}`).toBe(await mergedFromEveryStory(views, store.events, FEED, format));
      }
    }
    // The feed holds 50 entries from many stories (the test is not trivially one story's feed).
    const json = JSON.parse(text((await reader().allStoriesFeed('json')).body)) as { items: { url: string }[] };
    expect(json.items).toHaveLength(50);
    expect(new Set(json.items.map((item) => item.url.split('/')[4])).size).toBeGreaterThan(5);
  });

  it('a render sends a bounded number of requests whatever the number of stories, and a re-check keys-only queries', async () => {
    const r = reader();
    const { sent } = await requests(() => r.allStoriesFeed('atom'));
    // The pointer, one Query a shard for the newest story and for the newest changes, a BatchGetItem of entries and of heads.
    expect(sent.filter((c) => c === 'QueryCommand')).toHaveLength(8);
    expect(sent.filter((c) => c === 'BatchGetItemCommand')).toHaveLength(2);
    expect(sent.length).toBeLessThanOrEqual(11);
    // Nothing changed: the next request is served from memory; after an invalidation, the keys are read again and nothing is rendered.
    r.invalidate('listed-000');
    const again = await requests(() => r.allStoriesFeed('atom'));
    expect(again.sent.filter((c) => c === 'BatchGetItemCommand')).toHaveLength(0);
    expect(again.sent.filter((c) => c === 'QueryCommand')).toHaveLength(8);
  });
});

describe('the story list, a page at a time', { timeout: 60_000 }, () => {
  it('pages through every story once, newest activity first, each page bounded', async () => {
    const app = readApp({ reader: reader(), log: { info() {}, warn() {}, error() {} }, health: async () => true });
    const seen: { storyId: string; lastEventAt: string }[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await app.request(`/api/stories?limit=20${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { stories: { storyId: string; lastEventAt: string }[]; next?: string };
      expect(body.stories.length).toBeLessThanOrEqual(20);
      expect(res.headers.get('last-modified')).toBe(new Date(body.stories[0]!.lastEventAt).toUTCString());
      seen.push(...body.stories);
      cursor = body.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(STORIES / 20));
    expect(seen.map((s) => s.storyId).sort()).toEqual([...ids].sort());
    const times = seen.map((s) => s.lastEventAt);
    expect(times).toEqual([...times].sort().reverse());

    // The default page is 50; the front page links the next one.
    const first = (await (await app.request('/api/stories')).json()) as { stories: unknown[]; next?: string };
    expect(first.stories).toHaveLength(50);
    const front = await (await app.request('/')).text();
    expect(front.match(/<li lang=/g)).toHaveLength(50);
    const older = /<a rel="next" href="\/\?cursor=([A-Za-z0-9_-]+)">Older stories →<\/a>/.exec(front);
    expect(older?.[1]).toBe(first.next);
    const second = await (await app.request(`/?cursor=${older![1]}`)).text();
    expect(second.match(/<li lang=/g)).toHaveLength(STORIES - 50);
    expect(second).not.toContain('rel="next"');
  });

  it('from a generation built before the index (projection version 5, the upgrade window on AWS), pages the whole list the same way', async () => {
    const current = await activeViews(store.db, store.tables.views)();
    const legacy = new ViewReads(store.db, store.tables.views, current.generation, 5);
    let cursor: string | undefined;
    do {
      const [fromIndex, fromList] = await Promise.all([current.activity('stories', 15, cursor), legacy.activity('stories', 15, cursor)]);
      expect(fromList).toEqual(fromIndex);
      cursor = fromIndex.next;
    } while (cursor);
    // The reader gets it through the pointer.
    const pointer = (await readPointer(store.db, store.tables.views))!;
    await store.db.send(new PutCommand({ TableName: store.tables.views, Item: { ...POINTER, ...pointer, projectionVersion: 5 } }));
    try {
      expect((await activeViews(store.db, store.tables.views)()).projectionVersion).toBe(5);
      const app = readApp({ reader: reader(), log: { info() {}, warn() {}, error() {} }, health: async () => true });
      const body = (await (await app.request('/api/stories?limit=100')).json()) as { stories: { storyId: string }[] };
      expect(body.stories.map((s) => s.storyId).sort()).toEqual([...ids].sort());
    } finally {
      await store.db.send(new PutCommand({ TableName: store.tables.views, Item: { ...POINTER, ...pointer } }));
    }
  });

  it('refuses a cursor no page gave and a limit out of range with problem+json naming the field', async () => {
    const app = readApp({ reader: reader(), log: { info() {}, warn() {}, error() {} }, health: async () => true });
    for (const [query, field] of [
      ['cursor=bm90LWEta2V5', 'cursor'],
      ['cursor=%24%24', 'cursor'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['page=2', 'page'],
    ] as const) {
      const res = await app.request(`/api/stories?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(JSON.stringify(await res.json()), query).toContain(field);
    }
    expect((await app.request('/?cursor=bm90LWEta2V5')).status).toBe(400);
    // Unknown parameters on the front page are ignored, like a story page's.
    expect((await app.request('/?utm_source=x')).status).toBe(200);
    await expect((await activeViews(store.db, store.tables.views)()).activity('stories', 5, 'bm90LWEta2V5')).rejects.toThrow(InvalidCursorError);
  });
});
