/**
 * Embargoes and replay, against DynamoDB Local: a story with pending, revised, rescheduled,
 * cancelled and released updates (recorded through the real decider), projected live record by
 * record, then rebuilt by replay: every item of the story (entries, revisions, pending updates,
 * key-events index) and of the release index, the view, the feeds and the past view at every
 * version are the same. Time travel at every version equals the in-memory fold of the log up to it.
 */
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayAll } from '../../shared/application/replay';
import { viewAtVersion } from '../../shared/application/time-travel';
import { activeGeneration } from '../../shared/adapters/dynamodb/views/pointer';
import { ViewStore } from '../../shared/adapters/dynamodb/views/writes';
import { foldStory } from '../../shared/domain/projection/story-view';
import { decide, evolve, initialState, type StoryCommand } from '../../shared/domain/story/decider';
import { SYSTEM_EDITOR, type StoryEvent } from '../../shared/domain/story/events';
import type { UpdateInput } from '../../shared/domain/story/updates';
import { createTestStore, type TestStore } from '../support/dynamo';
import { projectLive, replayContextOf, served } from '../support/replay';

const STORY = 'embargo-replay';
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const minutes = (n: number) => new Date(T0 + n * 60_000).toISOString();

/** The story through the real decider, each command a minute after the last. */
function record(): StoryEvent[] {
  const events: StoryEvent[] = [];
  let state = initialState();
  let n = 0;
  const run = (make: (meta: StoryCommand['metadata']) => StoryCommand) => {
    n++;
    const meta = { now: minutes(n), updateId: `01J${String(n).padStart(23, '0')}`, editor: 'anna' };
    for (const pending of decide(make(meta), state)) {
      const event = { ...pending, metadata: { ...pending.metadata, version: state.version + 1 } } as StoryEvent;
      events.push(event);
      state = evolve(state, event);
    }
    return meta.updateId;
  };
  const update = (u: UpdateInput) => run((metadata) => ({ type: 'RecordUpdate', data: { storyId: STORY, update: u }, metadata }));
  const release = (target: string) =>
    run((metadata) => ({ type: 'ReleaseUpdate', data: { storyId: STORY, target }, metadata: { ...metadata, editor: SYSTEM_EDITOR } }));
  const statement = (quote: string, extra: Partial<UpdateInput> = {}) =>
    update({
      type: 'statement',
      speaker: { name: `Speaker of ${quote}`, role: 'envoy' },
      quote,
      speech: 'direct',
      outlet: `Wire ${quote}`,
      ...extra,
    } as UpdateInput);

  run((metadata) => ({ type: 'OpenStory', data: { id: STORY, headline: 'H', summary: 'S', language: 'en', topics: [] }, metadata }));
  statement('public one');
  const a = statement('embargo A', { keyEvent: true, releaseAt: minutes(10) });
  update({ type: 'correction', target: a, changes: { quote: 'embargo A, revised' }, note: 'agreed wording' });
  const b = statement('embargo B', { releaseAt: minutes(20) });
  update({ type: 'retraction', target: b, reason: 'broken elsewhere' });
  const d = update({
    type: 'article',
    title: 'Embargo D',
    url: 'https://d.example/x',
    outlet: 'D Times',
    publishedAt: '2026-01-01',
    releaseAt: minutes(30),
  });
  update({ type: 'reschedule', target: d, releaseAt: minutes(15) });
  release(d); // not due yet (minute 9): decides nothing
  n = 10;
  release(a); // minute 11
  release(a); // again: nothing
  update({ type: 'correction', target: a, changes: { quote: 'embargo A, corrected after release' }, note: 'public correction' });
  statement('public two');
  n = 15;
  release(d); // minute 16
  statement('embargo C', { releaseAt: minutes(60) }); // still pending at the end
  update({ type: 'pin', target: a });
  return events;
}

let store: TestStore;
let events: StoryEvent[];
beforeAll(async () => {
  store = await createTestStore();
  events = record();
  for (const e of events) await store.events.append(STORY, e.metadata.version - 1, [e as never]);
}, 60_000);
afterAll(() => store?.drop());

/** JSON with every object's keys sorted (DynamoDB returns attributes in no fixed order). */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );

/** Every item of the story in `generation` and of the release index, keys (the activity index's too) without the generation, sorted. */
async function items(generation: string): Promise<string[]> {
  const out: string[] = [];
  for await (const page of paginateScan({ client: store.db }, { TableName: store.tables.views })) {
    for (const item of page.Items ?? []) {
      const pk = String(item.pk);
      const key = pk === 'releases' ? pk : pk === `${generation}#story#${STORY}` ? pk.slice(generation.length) : undefined;
      // The activity index's keys name the generation too.
      const activity = item.activityPk === undefined ? {} : { activityPk: String(item.activityPk).slice(generation.length) };
      if (key !== undefined) out.push(canonical({ ...item, pk: key, ...activity }));
    }
  }
  return out.sort();
}

async function pastViews(): Promise<string[]> {
  const out: string[] = [];
  for (let v = 1; v <= events.length; v++) out.push((await served(store, STORY, v)).past!);
  return out;
}

describe('embargoes and replay', () => {
  it('the log holds what the decider decided: one release each for A and D, none for the cancelled B or the pending C', () => {
    expect(events.filter((e) => e.type === 'UpdateReleased').map((e) => e.data)).toEqual([
      { target: '01J00000000000000000000003', releaseAt: minutes(10) },
      { target: '01J00000000000000000000007', releaseAt: minutes(15) },
    ]);
  });

  it('live projection, record by record, then replay: the same items, view, feeds and past views', async () => {
    for (const event of events) await projectLive(store, [event]);
    const generation = await activeGeneration(store.db, store.tables.views);
    const live = { items: await items(generation), served: await served(store, STORY), past: await pastViews() };
    // The pending C and the cancelled B are kept apart; A and D released; C in the release index.
    expect(live.items.filter((i) => i.includes('"sk":"q#')).length).toBe(2);
    expect(live.items.filter((i) => i.includes('"pk":"releases"')).map((i) => (JSON.parse(i) as { releaseAt: string }).releaseAt)).toContain(
      minutes(60),
    );
    for (const hidden of ['embargo B', 'embargo C', 'broken elsewhere', 'agreed wording']) expect(JSON.stringify(live.served)).not.toContain(hidden);
    expect(live.served.feed).toContain('embargo A, corrected after release');

    const summary = await replayAll(replayContextOf(store), { cleanupDelayMs: 0 });
    expect(summary.generation).not.toBe(generation);
    const replayed = { items: await items(summary.generation), served: await served(store, STORY), past: await pastViews() };
    expect(replayed.served).toEqual(live.served);
    expect(replayed.past).toEqual(live.past);
    // The release index is shared by the generations: replay puts the same items again.
    expect(replayed.items).toEqual(live.items);
  });

  it('time travel at every version equals the fold of the log up to it: a released update only from its release', async () => {
    const views = new ViewStore(store.db, store.tables.views, await activeGeneration(store.db, store.tables.views));
    for (let v = 1; v <= events.length; v++) {
      const expected = foldStory(events.slice(0, v))!;
      const view = (await viewAtVersion(views, store.events, STORY, v))!;
      expect(view.head, `version ${v}`).toEqual(expected.head);
      expect([...view.entries.keys()].sort(), `version ${v}`).toEqual([...expected.entries.keys()].sort());
      for (const entry of view.entries.values()) expect(entry, `version ${v}`).toEqual(expected.entries.get(entry.updateId));
      expect([...view.people].sort(), `version ${v}`).toEqual([...expected.people].sort());
    }
  });
});
