/**
 * Long stories on the real views table (DynamoDB Local): a feed GET reads the head and N entries
 * whatever the story's length; archive pages (RFC 5005) are reachable from the subscription feed,
 * hold every entry between them, are served as cacheable documents, and change when one of their
 * entries is corrected, which also brings that entry back into the subscription feed.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createsEntry, foldStory, project, type StoryView } from '../../shared/domain/projection/story-view';
import { readApp } from '../../shared/adapters/http/read-app';
import { LIVE_CACHE_CONTROL } from '../../shared/application/representation';
import { StoryReader } from '../../shared/application/story-reader';
import { activeViews } from '../../shared/adapters/dynamodb/views/writes';
import { WALK_SLACK } from '../../shared/application/feed-entries';
import { CURRENT_SCHEMA_VERSION, type StoryEvent } from '../../shared/domain/story/events';
import { assertValidJsonFeed11 } from '../support/feed-parsers';
import { createTestStore, type TestStore } from '../support/dynamo';
import { writeEvents } from '../bench/story-generator';
import { assertAllValidAtom, generatedStory, parseAllWithFeedparser } from '../support/feeds';

const SIZE = 10;
const LONG = 2_000;
let store: TestStore;
let reader: StoryReader;
let server: ServerType;
let base = '';
/** Items DynamoDB returned to the reader (GetItem: 1, Query: Count, BatchGetItem: its responses). */
let itemsRead = 0;
const views = new Map<string, StoryView>();

/** The story's events (every third article or statement a key event) and its view, as the projector would have left them. */
async function writeStory(storyId: string, updates: number): Promise<StoryView> {
  const events = generatedStory(storyId, updates).events.map((e) =>
    createsEntry(e) && e.metadata.version % 3 === 0 ? ({ ...e, data: { ...e.data, keyEvent: true } } as StoryEvent) : e,
  );
  const view = foldStory(events)!;
  await writeEvents(store.db, store.tables.events, events.length, (i) => events[i]!);
  await store.views.writeView({ ...view, entries: view.entries.values() });
  views.set(storyId, view);
  return view;
}

beforeAll(async () => {
  store = await createTestStore();
  await Promise.all([writeStory('short', 10), writeStory('medium', 200), writeStory('long', LONG)]);
  store.db.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const output = result.output as { Count?: number; Item?: unknown; Responses?: Record<string, unknown[]> };
      itemsRead += output.Count ?? (output.Item ? 1 : 0) + Object.values(output.Responses ?? {}).reduce((n, items) => n + items.length, 0);
      return result;
    },
    { step: 'initialize', name: 'countItemsRead' },
  );
  reader = new StoryReader(activeViews(store.db, store.tables.views), store.events, {
    feed: { baseUrl: 'http://feeds.test', tagPrefix: 'tag:feeds.test,2026:' },
    feedSize: SIZE,
    headTtlMs: Number.POSITIVE_INFINITY,
  });
  const app = readApp({ reader, log: { info() {}, warn() {}, error() {} }, health: async () => true });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await store?.drop();
});

/** Feed URLs point at the public base URL; the test server answers them. */
const local = (url: string) => url.replace('http://feeds.test', base);

async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; items: number }> {
  reader.invalidate();
  const before = itemsRead;
  const value = await fn();
  return { value, items: itemsRead - before };
}

describe('serving cost', () => {
  it('a feed GET reads the head, about N events and at most N entries, for 10 updates as for 2,000', async () => {
    const counts: number[] = [];
    for (const id of ['short', 'long']) {
      for (const format of ['atom', 'rss', 'json']) {
        const { value: res, items } = await measured(() => fetch(`${base}/stories/${id}/feed.${format}`));
        expect(res.status).toBe(200);
        await res.arrayBuffer();
        counts.push(items);
      }
    }
    // generation pointer + head + one Query of N + WALK_SLACK events back from the head + N entries, at most
    const feedRead = 2 + SIZE + WALK_SLACK + SIZE;
    expect(Math.max(...counts)).toBeLessThanOrEqual(feedRead);
    // The first format of each story walks back and reads the entries; the other two at the same
    // version share that read (StoryReader.latestChangesAt) and read at most the pointer and the head.
    expect([counts[0], counts[3]].every((n) => n! >= 2 + SIZE)).toBe(true);
    expect([counts[1], counts[2], counts[4], counts[5]].every((n) => n! <= 2)).toBe(true);
    // The 2,000-update story: a full walk of N + WALK_SLACK events and N entries.
    expect(counts[3]).toBeGreaterThanOrEqual(1 + SIZE + WALK_SLACK + SIZE);
    // Archive pages and the all-stories feed are bounded the same way: N events, N entries.
    const page = await measured(() => fetch(`${base}/stories/long/archive/1001-1010/feed.atom`).then((r) => r.text()));
    expect(page.items).toBeLessThanOrEqual(2 + 2 * SIZE);
    const all = await measured(() => fetch(`${base}/feed.atom`).then((r) => r.text()));
    // story list (3) + per visited story a head, the walk back and N entries
    expect(all.items).toBeLessThanOrEqual(1 + 3 + 3 * (feedRead - 1));
    await assertAllValidAtom([page.value, all.value]);
  });

  it('a key-events feed GET reads the head, N index items and N entries, for 10 updates as for 2,000', async () => {
    const counts: Record<string, number> = {};
    for (const id of ['short', 'long']) {
      const { value: res, items } = await measured(() => fetch(`${base}/stories/${id}/key-events.atom`));
      expect(res.status).toBe(200);
      const doc = await res.text();
      counts[id] = items;
      const keyEvents = [...views.get(id)!.entries.values()].filter((e) => e.keyEvent).length;
      expect((doc.match(/<entry>/g) ?? []).length).toBe(Math.min(SIZE, keyEvents));
      await assertAllValidAtom([doc]);
    }
    // generation pointer + head + one Query of N index items + N entries
    expect(counts.long).toBeLessThanOrEqual(2 + 2 * SIZE);
    expect(counts.short).toBeLessThanOrEqual(counts.long!);
  });
});

describe('archive pages', () => {
  it('lead from the subscription feed through every page, and together hold every entry once', async () => {
    const view = views.get('medium')!;
    const ids = new Set<string>();
    let url: string | undefined = `${base}/stories/medium/feed.atom`;
    const docs: string[] = [];
    let pages = 0;
    while (url) {
      const res: Response = await fetch(url);
      expect(res.status, url).toBe(200);
      const body: string = await res.text();
      docs.push(body);
      // Archive pages are cached no longer than the live feed: a later retraction changes them too.
      if (pages > 0) expect(res.headers.get('cache-control')).toBe(LIVE_CACHE_CONTROL);
      for (const m of body.matchAll(/<id>tag:feeds\.test,2026:story\/medium\/update\/([^<]+)<\/id>/g)) ids.add(m[1]!);
      const prev: string | undefined = /<link rel="prev-archive" type="application\/atom\+xml" href="([^"]+)"\/>/.exec(body)?.[1];
      url = prev ? local(prev) : undefined;
      pages++;
    }
    expect(pages).toBe(Math.floor(view.head.version / SIZE) + 1);
    expect([...ids].sort()).toEqual([...view.entries.keys()].sort());
    await assertAllValidAtom(docs);
  });

  it('exist only as complete, aligned ranges; JSON Feed pages chain through next_url', async () => {
    const head = views.get('medium')!.head.version;
    const incomplete = Math.floor(head / SIZE) * SIZE + 1;
    for (const path of [`archive/${incomplete}-${incomplete + SIZE - 1}`, 'archive/2-11', 'archive/1-20', 'archive/x']) {
      expect((await fetch(`${base}/stories/medium/${path}/feed.atom`)).status, path).toBe(404);
    }
    const json = (await (await fetch(`${base}/stories/medium/feed.json`)).json()) as { next_url: string };
    const page = (await (await fetch(local(json.next_url))).json()) as { next_url?: string; items: unknown[] };
    assertValidJsonFeed11(page);
    expect(page.next_url).toMatch(/\/archive\/\d+-\d+\/feed\.json$/);
    const rss = await (await fetch(`${base}/stories/medium/archive/1-10/feed.rss`)).text();
    const [parsed] = await parseAllWithFeedparser([rss]);
    expect(parsed!.bozo).toBe(false);
    expect(rss).toContain('<fh:archive/>');
  });

  it('a correction of an archived entry changes its page and brings it back into the subscription feed', async () => {
    const view = views.get('medium')!;
    const target = [...view.entries.values()].find((e) => e.version <= SIZE && !e.retraction)!;
    const pageUrl = `${base}/stories/medium/archive/1-10/feed.atom`;
    const before = await fetch(pageUrl);
    const etag = before.headers.get('etag')!;
    expect((await fetch(pageUrl, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    expect(await (await fetch(`${base}/stories/medium/feed.atom`)).text()).not.toContain(target.updateId);

    const version = view.head.version + 1;
    const event = {
      type: 'UpdateCorrected',
      data: {
        target: target.updateId,
        changes: target.kind === 'article' ? { title: 'Archived and corrected' } : { quote: 'Archived and corrected' },
        note: 'Fixed long after',
      },
      metadata: {
        storyId: 'medium',
        version,
        updateId: 'C-late',
        schemaVersion: CURRENT_SCHEMA_VERSION,
        recordedAt: '2026-06-01T00:00:00.000Z',
        recordedBy: 'anna',
      },
    } as StoryEvent;
    await store.events.append('medium', view.head.version, [event]);
    await store.views.applySteps('medium', view.head.version, [project(event, { head: view.head, target })]);
    reader.invalidate('medium');

    const after = await fetch(pageUrl, { headers: { 'If-None-Match': etag } });
    expect(after.status).toBe(200);
    expect(await after.text()).toContain('Archived and corrected');
    const feed = await (await fetch(`${base}/stories/medium/feed.atom`)).text();
    expect(feed).toContain(target.updateId);
    expect(feed).toContain('Fixed long after');
  });
});
