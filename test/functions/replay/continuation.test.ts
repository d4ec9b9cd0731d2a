/**
 * A story longer than one invocation can rebuild: the deadline comes after a few pages, the rebuild
 * saves a checkpoint and enqueues its continuation, again and again, and the result is the one a
 * rebuild in one go writes, and what the live projector serves. Against DynamoDB Local, through the
 * replay Lambda's handler and its queue (test/support/replay-queue.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import type { StoryMessage } from '../../../functions/replay/fan-out';
import { rebuildStory } from '../../../shared/application/replay';
import { CHECKPOINT_CHUNK_BYTES } from '../../../shared/adapters/dynamodb/views/replay-store';
import { activeGeneration } from '../../../shared/adapters/dynamodb/views/pointer';
import type { StoryView, TimelineEntry } from '../../../shared/domain/projection/story-view';
import type { StoryEvent } from '../../../shared/domain/story/events';
import { ViewStore } from '../../../shared/adapters/dynamodb/views/writes';
import { writeGeneratedStory } from '../../bench/story-generator';
import { createTestStore, type TestStore } from '../../support/dynamo';
import { keyEventItems, projectLive, replayContextOf, served } from '../../support/replay';
import { pagesDeadline, replayFunction } from '../../support/replay-queue';

const STORY = 'cont-long';
const EVENTS = 1_500;

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
  await writeGeneratedStory(store.db, store.tables.events, STORY, EVENTS, 2);
  const events: StoryEvent[] = [];
  for await (const page of store.events.stream(STORY)) events.push(...page);
  await projectLive(store, events);
});
afterAll(() => store.drop());

/** Every item of a generation's partitions of `storyId`, without the generation in its keys (the activity index's too). */
async function storyItems(generation: string, storyId: string) {
  const items: string[] = [];
  for await (const page of paginateScan({ client: store.db }, { TableName: store.tables.views })) {
    for (const { pk, activityPk, ...rest } of page.Items ?? []) {
      const key = String(pk);
      if (key === `${generation}#story#${storyId}` || (key === `${generation}#stories` && rest.sk === storyId)) {
        const activity = activityPk === undefined ? {} : { activityPk: String(activityPk).slice(generation.length) };
        items.push(JSON.stringify({ pk: key.slice(generation.length), ...activity, ...rest }));
      }
    }
  }
  return items.sort();
}

async function checkpointItems(generation: string) {
  let n = 0;
  for await (const page of paginateScan({ client: store.db }, { TableName: store.tables.views, ProjectionExpression: 'pk' })) {
    n += (page.Items ?? []).filter((i) => String(i.pk).startsWith(`${generation}#checkpoint#`)).length;
  }
  return n;
}

describe('a rebuild that runs out of time', () => {
  it('checkpoints and continues in new invocations until done: the same items as a rebuild in one go, the same as the live view', async () => {
    const ctx = replayContextOf(store);
    const live = await activeGeneration(store.db, store.tables.views);
    const liveServed = await served(store, STORY, 700);
    const liveKeyEvents = (await keyEventItems(store, live)).length;
    // The reference: the whole story rebuilt in one go, into a generation of its own.
    const oneGo = await rebuildStory(ctx, 'onego', STORY);
    expect(oneGo).toMatchObject({ finished: true, version: EVENTS, events: EVENTS, resumedFrom: 0 });

    // Each invocation's deadline comes after 6 pages of 50 events.
    const fn = replayFunction(store, { deadline: pagesDeadline(6), pageSize: 50 });
    const { generation } = (await fn.handler({})) as { generation: string };
    await fn.drain();

    const continuations = fn.sent.filter((m): m is StoryMessage => 'storyId' in m && m.from !== undefined);
    expect(continuations.length).toBeGreaterThanOrEqual(4);
    const froms = continuations.map((m) => m.from!);
    expect(froms).toEqual([...froms].sort((a, b) => a - b));
    expect(new Set(froms).size).toBe(froms.length);
    expect(fn.logged('story checkpointed: continuation enqueued').map((d) => d.resumedFrom)).toEqual([0, ...froms.slice(0, -1)]);
    const last = fn.logged('story rebuilt')[0]!;
    expect(last).toMatchObject({ finished: true, version: EVENTS, resumedFrom: froms.at(-1) });
    expect(fn.logged('generation switched')).toHaveLength(1);
    expect(fn.dlq).toEqual([]);

    expect(await activeGeneration(store.db, store.tables.views)).toBe(generation);
    expect(await storyItems(generation, STORY)).toEqual(await storyItems('onego', STORY));
    expect((await keyEventItems(store, generation)).length).toBe(liveKeyEvents);
    expect(await served(store, STORY, 700)).toEqual(liveServed);
    // The checkpoints and the lease went with the story's completion.
    expect(await checkpointItems(generation)).toBe(0);
  });

  it('a continuation after a rebuild killed past its checkpoint: entries created since are folded again; an entry changed since makes it start over', async () => {
    const ctx = replayContextOf(store);
    const logs: string[] = [];
    const logged = { ...ctx, log: (line: string) => void logs.push(line) };
    const stop = (pages: number) => ({ deadline: pagesDeadline(pages)(), pageSize: 50 });
    const reference = await storyItems('onego', STORY);
    const entries = reference
      .map((json) => JSON.parse(json) as { sk: string; entry?: string })
      .filter((item) => item.sk.startsWith('u#'))
      .map((item) => JSON.parse(item.entry!) as TimelineEntry);
    const write = (generation: string, entry: TimelineEntry) => {
      const views = new ViewStore(store.db, store.tables.views, generation);
      return views.batchPut([views.layout.entryItem(entry)]);
    };

    // Killed after its checkpoint at 300, having written an entry created after it in a state it never had.
    const first = await rebuildStory(logged, 'killed-a', STORY, stop(6));
    expect(first).toMatchObject({ finished: false, version: 300 });
    const later = entries.find((e) => e.version > 300 && e.version < 350)!;
    await write('killed-a', { ...later, changeVersion: 1_400, updatedAt: 'later' });
    for (let out = first; !out.finished;) out = await rebuildStory(logged, 'killed-a', STORY, stop(1_000));
    expect(logs.filter((l) => l.includes('rebuilding it from the start'))).toEqual([]);
    expect(await storyItems('killed-a', STORY)).toEqual(reference);

    // Killed between writing entries changed after its checkpoint and saving the next one.
    const second = await rebuildStory(logged, 'killed-b', STORY, stop(6));
    const earlier = entries.find((e) => e.version < 100)!;
    await write('killed-b', { ...earlier, changeVersion: second.version + 7 });
    const resumed = await rebuildStory(logged, 'killed-b', STORY, stop(1_000));
    expect(resumed).toMatchObject({ finished: true, resumedFrom: 0, events: EVENTS });
    expect(logs.filter((l) => l.includes('rebuilding it from the start'))).toHaveLength(1);
    expect(await storyItems('killed-b', STORY)).toEqual(reference);
  });

  it('a checkpoint larger than an item is chunked below 400 KB, read back whole, and replaced by the next', async () => {
    const ctx = replayContextOf(store);
    const generation = await activeGeneration(store.db, store.tables.views);
    const stored = await ctx.generations.readCheckpoint(generation, STORY);
    expect(stored).toBeUndefined();
    // A story with 1,500 outlets whose last links are 2,000 characters: about 3 MB of state.
    const head = (await store.views.head(STORY, true))!;
    const sources = new Map(
      Array.from({ length: 1_500 }, (_, n) => [
        `outlet-${n}`,
        { outlet: `Outlet ${n}`, updateCount: n, lastUrl: `https://example.org/${'x'.repeat(1_980)}${n}` },
      ]),
    );
    const view: StoryView = {
      head,
      keyPoints: [],
      people: new Map([['roza', { name: 'Roza', statementCount: 2, roleCounts: { minister: 2 } }]]),
      sources,
      entries: new Map(),
    };
    await ctx.generations.saveCheckpoint('chunks', STORY, { version: 900, events: 900, view });
    const chunks = await checkpointItems('chunks');
    // DynamoDB Local refuses an item over 400 KB: these were all stored (a manifest and the chunks).
    expect(chunks - 1).toBe(
      Math.ceil(Buffer.byteLength(JSON.stringify({ head, keyPoints: [], people: [...view.people], sources: [...sources] })) / CHECKPOINT_CHUNK_BYTES),
    );
    expect(chunks).toBeGreaterThan(5);
    const back = await ctx.generations.readCheckpoint('chunks', STORY);
    expect(back).toEqual({ version: 900, events: 900, view: { ...view, entries: new Map() } });

    const smaller: StoryView = { ...view, sources: new Map([...sources].slice(0, 10)) };
    await ctx.generations.saveCheckpoint('chunks', STORY, { version: 950, events: 950, view: smaller });
    expect(await checkpointItems('chunks')).toBe(2);
    expect(await ctx.generations.readCheckpoint('chunks', STORY)).toEqual({ version: 950, events: 950, view: smaller });
    await ctx.generations.dropCheckpoint('chunks', STORY);
    expect(await checkpointItems('chunks')).toBe(0);
  });
});
