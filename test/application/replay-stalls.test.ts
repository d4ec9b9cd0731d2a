/**
 * Replay on a store that stalls: DynamoDB Local behind a proxy that holds answers past the client's
 * request timeout, every attempt the SDK makes (test/support/stalling-store.ts), as a DynamoDB Local
 * paused for seconds on a loaded machine does. Replay reads the page again from the version it
 * folded and sends the batch write again (DynamoDB Local applied the first one: a put of a whole
 * item is the same item twice), and the generation it switches to serves what the live one did.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, documentClient, sdkTimeouts } from '../../shared/adapters/dynamodb/client';
import { EventStore } from '../../shared/adapters/dynamodb/event-store';
import { replayStores } from '../../shared/adapters/dynamodb/views/replay-store';
import { BatchWriter } from '../../shared/adapters/dynamodb/batch-writer';
import { pagesPatiently, patiently, UNAVAILABLE_PAUSES_MS } from '../../shared/application/async';
import { StoreUnavailableError } from '../../shared/application/errors';
import { replayAll } from '../../shared/application/replay';
import type { StoryEvent } from '../../shared/domain/story/events';
import { writeGeneratedStory } from '../bench/story-generator';
import { createTestStore, type TestStore } from '../support/dynamo';
import { generationItems, keyEventItems, projectLive, replayContextOf, served } from '../support/replay';
import { stallingStore, type StallingStore } from '../support/stalling-store';

const STORY = 'stalled-story';
const EVENTS = 600;
/** Short attempts, two of them: a stalled call fails in the SDK within 2 s (the proxy holds its answers 2.5 s). */
const TIMEOUTS = { connectMs: 500, requestMs: 1_000, maxAttempts: 2 };

let store: TestStore;
let proxy: StallingStore;
let slow: ReturnType<typeof documentClient>;

beforeAll(async () => {
  store = await createTestStore();
  proxy = await stallingStore(store.endpoint, 2_500);
  slow = documentClient({ ...clientConfig(proxy.endpoint), ...sdkTimeouts(TIMEOUTS) });
  await writeGeneratedStory(store.db, store.tables.events, STORY, EVENTS);
});
afterEach(() => proxy.clear());
afterAll(async () => {
  slow?.destroy();
  await proxy?.close();
  await store?.drop();
});

const eventsOf = async (events: AsyncIterable<StoryEvent[]>) => {
  const all: StoryEvent[] = [];
  for await (const page of events) all.push(...page);
  return all;
};

describe('replay on a store that stalls', () => {
  it('a stalled call fails in the SDK as StoreUnavailableError (what the replay used to die of)', async () => {
    proxy.stall({ operation: 'Query', match: (body) => body.includes('version > :a'), calls: 1 });
    const before = proxy.stalled;
    await expect(eventsOf(new EventStore(slow, store.tables.events).stream(STORY))).rejects.toBeInstanceOf(StoreUnavailableError);
    // Every attempt of the call was held.
    expect(proxy.stalled - before).toBe(TIMEOUTS.maxAttempts);
  });

  it('reads the pages after a stalled one from the version read, each event once', async () => {
    const events = new EventStore(slow, store.tables.events);
    // The fourth page (versions 301–400) stalls: the pages read before it are not read again.
    proxy.stall({ operation: 'Query', match: (body) => /":a":\{"N":"300"\}/.test(body), calls: 1 });
    const before = proxy.stalled;
    const read = await eventsOf(
      pagesPatiently(
        (after) => events.stream(STORY, { after, pageSize: 100 }),
        0,
        (event) => event.metadata.version,
      ),
    );
    expect(proxy.stalled - before).toBe(TIMEOUTS.maxAttempts);
    expect(read.map((event) => event.metadata.version)).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
  });

  it('rebuilds through stalled batch writes and a stalled page of events, and serves what the live generation served', async () => {
    const all = await eventsOf(store.events.stream(STORY));
    await projectLive(store, all);
    const live = await served(store, STORY, 400);
    const liveKeyEvents = await keyEventItems(store, 'v1');
    expect(liveKeyEvents.length).toBeGreaterThan(10);

    proxy.stall({ operation: 'BatchWriteItem', calls: 2 });
    proxy.stall({ operation: 'Query', match: (body) => body.includes('version > :a'), calls: 1 });
    const before = proxy.stalled;
    const summary = await replayAll(
      { events: new EventStore(slow, store.tables.events), ...replayStores(slow, store.tables.views) },
      { cleanupDelayMs: 0 },
    );
    // Three calls, every attempt of each held past the timeout: without patience the replay throws.
    expect(proxy.stalled - before).toBe(3 * TIMEOUTS.maxAttempts);
    expect(summary).toMatchObject({ previous: 'v1', stories: 1, events: EVENTS });
    // Each item once, though the stalled batches were applied and sent again.
    expect(summary.items).toBe(await generationItems(store, summary.generation));
    expect(await served(store, STORY, 400)).toEqual(live);
    expect(await keyEventItems(store, summary.generation)).toEqual(liveKeyEvents);
    expect(await generationItems(store, 'v1')).toBe(0);
  });

  it('deletes the old generation through a stalled page of its keys, after the readers were switched', async () => {
    // A generation to replace, built without stalls.
    await replayAll(replayContextOf(store), { cleanupDelayMs: 0 });
    const previous = await replayStores(store.db, store.tables.views).generations.active();
    const items = await generationItems(store, previous);
    expect(items).toBeGreaterThan(EVENTS);
    const live = await served(store, STORY, 400);

    // The cleanup's first page of the story's keys in the old generation: every attempt held past the timeout.
    const storyPk = `"${previous}#story#${STORY}"`;
    proxy.stall({
      operation: 'Query',
      match: (body) => body.includes(storyPk) && body.includes('"ProjectionExpression":"pk, sk"') && !body.includes('begins_with'),
      calls: 1,
    });
    const before = proxy.stalled;
    const summary = await replayAll(
      { events: new EventStore(slow, store.tables.events), ...replayStores(slow, store.tables.views) },
      { cleanupDelayMs: 0 },
    );
    expect(proxy.stalled - before).toBe(TIMEOUTS.maxAttempts);
    expect(summary).toMatchObject({ previous, deleted: items });
    expect(await generationItems(store, previous)).toBe(0);
    expect(await served(store, STORY, 400)).toEqual(live);
  });

  it('gives up after its pauses, and at once on an error that is not the store being unavailable', async () => {
    let calls = 0;
    const unavailable = () => {
      calls++;
      return Promise.reject(new StoreUnavailableError('DynamoDB'));
    };
    await expect(patiently(unavailable, [1, 1])).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(calls).toBe(3);
    // A batch write DynamoDB Local refuses (no such table) is not sent again.
    const writer = new BatchWriter(slow, 'no-such-table', 1, undefined, undefined, UNAVAILABLE_PAUSES_MS);
    const before = proxy.requests('BatchWriteItem');
    await writer.put([{ pk: 'a', sk: 'b' }]);
    await expect(writer.flush()).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(proxy.requests('BatchWriteItem')).toBe(before + 1);
  });

  it('a BatchWriter without pauses (the live projector, within its Lambda timeout) fails on a stalled call', async () => {
    proxy.stall({ operation: 'BatchWriteItem', calls: 1 });
    const writer = new BatchWriter(slow, store.tables.views, 1);
    await writer.put([{ pk: 'stalled#story#x', sk: 'head', version: 1 }]);
    await expect(writer.flush()).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
