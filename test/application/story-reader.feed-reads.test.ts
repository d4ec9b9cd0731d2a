/**
 * A story's three feed formats at one version share one read of its latest changes (the walk back
 * through the events and the entries' BatchGetItem): under breaking news every write moves the
 * head, and each format would otherwise read them again. On DynamoDB Local, with the reads counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLogReader } from '../../shared/adapters/dynamodb/event-store';
import { activeViews } from '../../shared/adapters/dynamodb/views/writes';
import { StoryReader } from '../../shared/application/story-reader';
import { createsEntry, foldStory } from '../../shared/domain/projection/story-view';
import type { StoryEvent } from '../../shared/domain/story/events';
import { writeEvents } from '../bench/story-generator';
import { createTestStore, type TestStore } from '../support/dynamo';
import { generatedStory } from '../support/feeds';

let store: TestStore;
const STORY = 'feed-reads';
const all = generatedStory(STORY, 12).events;
const created = (events: StoryEvent[]) => events.filter(createsEntry).map((e) => e.metadata.updateId);

/** The events table read through a count of the walks back from the head; `failNext` makes the next walk fail. */
class CountedEvents extends EventLogReader {
  walks = 0;
  failNext = false;
  override async *streamNewestFirst(storyId: string, options: { upTo: number; pageSize?: number }): AsyncGenerator<StoryEvent[]> {
    this.walks++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('the walk failed');
    }
    yield* super.streamNewestFirst(storyId, options);
  }
}

async function storeUpTo(count: number) {
  const events = all.slice(0, count);
  await writeEvents(store.db, store.tables.events, events.length, (i) => events[i]!);
  const view = foldStory(events)!;
  await store.views.writeView({ ...view, entries: view.entries.values() });
}

beforeAll(async () => {
  store = await createTestStore();
  await storeUpTo(all.length - 1);
});
afterAll(() => store?.drop());

describe('feed reads', () => {
  it('Atom, RSS and JSON at one version: one walk; a new version: one more; a failed walk is not kept', async () => {
    const events = new CountedEvents(store.db, store.tables.events);
    const reader = new StoryReader(activeViews(store.db, store.tables.views), events, {
      feed: { baseUrl: 'https://n.example', tagPrefix: 'tag:n.example,2026:' },
      feedSize: 50,
      headTtlMs: Number.POSITIVE_INFINITY,
    });
    const text = async (format: 'atom' | 'rss' | 'json') => Buffer.from((await reader.feed(STORY, format))!.body).toString('utf8');

    const before = await Promise.all([text('atom'), text('rss'), text('json')]);
    expect(events.walks).toBe(1);
    for (const feed of before) for (const id of created(all.slice(0, -1))) expect(feed).toContain(id);
    const last = all.at(-1)!;
    expect(createsEntry(last)).toBe(true);
    for (const feed of before) expect(feed).not.toContain(last.metadata.updateId);

    // The projector moves the story: the next version's feeds read once more, and carry the new entry.
    await storeUpTo(all.length);
    reader.invalidate(STORY);
    events.failNext = true;
    await expect(reader.feed(STORY, 'atom')).rejects.toThrow('the walk failed');
    const after = [await text('atom'), await text('rss'), await text('json')];
    expect(events.walks).toBe(3);
    for (const feed of after) expect(feed).toContain(last.metadata.updateId);
  });

  it('answers a feed from its cache at once only while the head is fresh and the feed rendered at it', async () => {
    const reader = new StoryReader(activeViews(store.db, store.tables.views), new EventLogReader(store.db, store.tables.events), {
      feed: { baseUrl: 'https://n.example', tagPrefix: 'tag:n.example,2026:' },
      feedSize: 50,
      headTtlMs: 60_000,
    });
    // Nothing read yet: nothing at hand, whatever the story.
    expect(reader.cachedFeed(STORY, 'atom')).toBeUndefined();
    expect(reader.cachedFeed('no-such-story', 'atom')).toBeUndefined();
    const atom = await reader.feed(STORY, 'atom');
    const keyEvents = await reader.keyEventsFeed(STORY, 'rss');
    expect(atom).toBeDefined();
    expect(reader.cachedFeed(STORY, 'atom')).toBe(atom);
    expect(reader.cachedFeed(STORY, 'rss', true)).toBe(keyEvents);
    // Another format, or the key events in another format, was never rendered.
    expect(reader.cachedFeed(STORY, 'json')).toBeUndefined();
    expect(reader.cachedFeed(STORY, 'atom', true)).toBeUndefined();
    // A story that changed is read again.
    reader.invalidate(STORY);
    expect(reader.cachedFeed(STORY, 'atom')).toBeUndefined();
    expect(await reader.feed(STORY, 'atom')).toEqual(atom);
    expect(reader.cachedFeed(STORY, 'atom')).toBeDefined();
    // No story: never from the cache (the read answers 404).
    expect(await reader.feed('no-such-story', 'atom')).toBeUndefined();
    expect(reader.cachedFeed('no-such-story', 'atom')).toBeUndefined();
  });

  it('does not answer from the cache once the head is older than its time to live', async () => {
    const reader = new StoryReader(activeViews(store.db, store.tables.views), new EventLogReader(store.db, store.tables.events), {
      feed: { baseUrl: 'https://n.example', tagPrefix: 'tag:n.example,2026:' },
      feedSize: 50,
      headTtlMs: 50,
    });
    expect(await reader.feed(STORY, 'atom')).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(reader.cachedFeed(STORY, 'atom')).toBeUndefined();
  });
});
