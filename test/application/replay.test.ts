/**
 * Replay against DynamoDB Local: replay equals live (view JSON and feed bytes), blue/green switch
 * and clean-up, crash and resume, live writes during a replay, in-place repair of one story,
 * time travel from snapshots, and v1 events upcast on read.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { rebuildStoryInPlace, replayAll, type ReplayContext } from '../../shared/application/replay';
import { foldStory } from '../../shared/domain/projection/story-view';
import { EventStore } from '../../shared/adapters/dynamodb/event-store';
import type { ReadOptions } from '../../shared/application/ports';
import { viewAtVersion } from '../../shared/application/time-travel';
import { activeGeneration, readPointer } from '../../shared/adapters/dynamodb/views/pointer';
import { ViewStore } from '../../shared/adapters/dynamodb/views/writes';
import type { StoryEvent } from '../../shared/domain/story/events';
import { generatedEvent, writeGeneratedStory } from '../bench/story-generator';
import { createTestStore, type TestStore } from '../support/dynamo';
import { smallStory, statement } from '../support/events';
import { generationItems, keyEventItems, projectLive as projectLiveInto, replayContextOf, served as servedFrom } from '../support/replay';

let store: TestStore;
let ctx: ReplayContext;
beforeAll(async () => {
  store = await createTestStore();
  ctx = replayContextOf(store);
});
afterAll(() => store.drop());

const activeViews = async () => new ViewStore(store.db, store.tables.views, await activeGeneration(store.db, store.tables.views));
const projectLive = (events: StoryEvent[]) => projectLiveInto(store, events);
const served = (storyId: string, version?: number, from: TestStore = store) => servedFrom(from, storyId, version);

async function append(events: StoryEvent[]) {
  for (const e of events) await store.events.append(e.metadata.storyId, e.metadata.version - 1, [e as never]);
}

const LONG = 'long-story';
const LONG_EVENTS = 2_150;

describe('replay', () => {
  it('rebuilds a new generation equal to the live one, switches to it and deletes the old one', async () => {
    await writeGeneratedStory(store.db, store.tables.events, LONG, LONG_EVENTS);
    const long: StoryEvent[] = [];
    for await (const page of store.events.stream(LONG)) long.push(...page);
    await projectLive(long);
    const small = smallStory('small-story');
    await append(small);
    await projectLive(small);

    const live = { long: await served(LONG, 2_100), small: await served('small-story', 5) };
    const itemsOf = (generation: string) => generationItems(store, generation);
    const liveItems = await itemsOf('v1');
    const liveKeyEvents = await keyEventItems(store, 'v1');
    // The generated story has key events posted, marked, unmarked and moved by corrections of their date.
    expect(liveKeyEvents.length).toBeGreaterThan(100);
    const summary = await replayAll(ctx, { cleanupDelayMs: 0 });
    expect(summary).toMatchObject({ previous: 'v1', stories: 2, resumed: 0, events: LONG_EVENTS + small.length, deleted: liveItems });
    // Every item the new generation holds, counted once (entries corrected later are written twice).
    expect(summary.items).toBe(await itemsOf(summary.generation));
    expect((await readPointer(store.db, store.tables.views))?.generation).toBe(summary.generation);

    const replayed = { long: await served(LONG, 2_100), small: await served('small-story', 5) };
    expect(replayed).toEqual(live);
    expect(await keyEventItems(store, summary.generation)).toEqual(liveKeyEvents);

    expect(await itemsOf('v1')).toBe(0);
  });

  it('time travel folds from a snapshot, not from the start, and equals a full fold', async () => {
    const all = Array.from({ length: 2_100 }, (_, i) => generatedEvent(LONG, i + 1));
    const expected = foldStory(all)!;
    let read = 0;
    const counting = new (class extends EventStore {
      override async read(storyId: string, options?: ReadOptions) {
        const page = await super.read(storyId, options);
        read += page.events.length;
        return page;
      }
    })(store.db, store.tables.events);
    const view = (await viewAtVersion(await activeViews(), counting, LONG, 2_100))!;
    expect(read).toBeLessThanOrEqual(1_200);
    expect(view.head).toEqual(expected.head);
    expect([...view.people].sort()).toEqual([...expected.people].sort());
    expect([...view.sources].sort()).toEqual([...expected.sources].sort());
    expect(view.entries.size).toBeGreaterThan(50);
    for (const entry of view.entries.values()) expect(entry).toEqual(expected.entries.get(entry.updateId));
    expect(view.keyPoints).toEqual(expected.keyPoints);
  });

  it('resumes a replay that crashed midway, and readers keep the old generation until the switch', async () => {
    for (const id of ['crash-a', 'crash-b', 'crash-c']) {
      const events = smallStory(id);
      await append(events);
      await projectLive(events);
    }
    const before = await activeGeneration(store.db, store.tables.views);
    const served0 = await served('crash-b');
    let stories = 0;
    let generation = '';
    await expect(
      replayAll(ctx, {
        cleanupDelayMs: 0,
        storyConcurrency: 1,
        onPlan: (plan) => void (generation = plan.generation),
        afterStory: () => {
          if (++stories === 2) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    expect(await activeGeneration(store.db, store.tables.views)).toBe(before);
    expect((await ctx.builds.read(generation))?.status).toBe('building');

    const summary = await replayAll(ctx, { cleanupDelayMs: 0 });
    expect(summary.generation).toBe(generation);
    expect(summary.resumed).toBe(2);
    expect(summary.stories).toBe(5);
    expect(await served('crash-b')).toEqual(served0);
  });

  it('does not lose live writes made while it runs', async () => {
    const extra = statement(8, 'Roza Otunbayeva', 'Elections in October', 'crash-a');
    let written = false;
    const summary = await replayAll(ctx, {
      cleanupDelayMs: 0,
      storyConcurrency: 1,
      afterStory: async () => {
        if (written) return;
        written = true;
        // An editor's update, projected live into the generation that is still active.
        await append([extra]);
        await projectLive([extra]);
      },
    });
    expect(summary.caughtUp).toBeGreaterThanOrEqual(1);
    expect((await (await activeViews()).head('crash-a', true))?.version).toBe(8);
  });

  it('repairs one story in place, removing items the projection no longer writes', async () => {
    const views = await activeViews();
    const good = await served('crash-c');
    await store.db.send(
      new PutCommand({
        TableName: store.tables.views,
        Item: { pk: views.layout.storyPk('crash-c'), sk: 'p#ghost', name: 'Ghost', statementCount: 3 },
      }),
    );
    expect(await served('crash-c')).not.toEqual(good);
    const out = await rebuildStoryInPlace(ctx, 'crash-c');
    expect(out).toMatchObject({ version: 7, deleted: 1 });
    expect(await served('crash-c')).toEqual(good);
  });

  it('upcasts schema-v1 events on read and replays them from a store made before the story catalog, never rewriting them', async () => {
    const legacy = await createTestStore({ legacyEvents: true });
    try {
      const raw = JSON.parse(readFileSync(new URL('../../events/legacy/v1-story.json', import.meta.url), 'utf8')) as Record<string, unknown>[];
      for (const Item of raw) await legacy.db.send(new PutCommand({ TableName: legacy.tables.events, Item }));
      const storyId = String(raw[0]!.storyId);
      const { events } = await legacy.events.read(storyId);
      expect(events.every((e) => e.metadata.schemaVersion === 2)).toBe(true);
      expect(events[1]).toMatchObject({ type: 'ArticlePublished', data: { outlet: 'Example Wire' } });
      expect(events[2]).toMatchObject({ type: 'StatementRecorded', data: { speaker: { name: 'Roza Otunbayeva', role: 'interim president' } } });

      const summary = await replayAll(replayContextOf(legacy), { cleanupDelayMs: 0 });
      expect(summary).toMatchObject({ stories: 1, events: raw.length });
      const view = JSON.parse((await served(storyId, undefined, legacy)).view) as {
        people: { name: string; roles: string[] }[];
        sources: { outlet: string }[];
        corrections: unknown[];
      };
      expect(view.people).toEqual([{ name: 'Roza Otunbayeva', roles: ['interim president'], statementCount: 1 }]);
      expect(view.sources.map((s) => s.outlet)).toEqual(['Example Wire']);
      expect(view.corrections).toHaveLength(1);

      for (const [i, item] of raw.entries()) {
        const stored = await legacy.db.send(new GetCommand({ TableName: legacy.tables.events, Key: { storyId, version: i + 1 } }));
        expect(stored.Item).toEqual(item);
      }
    } finally {
      await legacy.drop();
    }
  });
});
