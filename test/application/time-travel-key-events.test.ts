/**
 * Time travel lists a long story's key events as they stood, not only those its fold touched:
 * against DynamoDB Local, a story whose key events were all posted early (long before the snapshot
 * time travel folds from), then one unmarked, one moved in time by a correction and one marked in
 * the folded window, and one retracted after the version shown. The past view lists what a fold of
 * the whole story up to that version lists (its latest VIEW_KEY_EVENTS by timeline order), from
 * snapshots the live projector wrote and from snapshots replay wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayAll } from '../../shared/application/replay';
import { TIMELINE_WINDOW, VIEW_KEY_EVENTS, viewAtVersion } from '../../shared/application/time-travel';
import { activeGeneration } from '../../shared/adapters/dynamodb/views/pointer';
import { ViewStore } from '../../shared/adapters/dynamodb/views/writes';
import { compareTimelineKeys, foldStory, SNAPSHOT_INTERVAL, timelineKey } from '../../shared/domain/projection/story-view';
import { snapshotOf, SNAPSHOT_KEY_EVENTS } from '../../shared/domain/projection/rebuild';
import type { StatementRecorded, StoryEvent } from '../../shared/domain/story/events';
import { writeEvents } from '../bench/story-generator';
import { createTestStore, type TestStore } from '../support/dynamo';
import { opened, stored } from '../support/events';
import { projectLive, replayContextOf } from '../support/replay';

const STORY = 'early-key-events';
/** Key events posted first (more than a view lists), then plain statements up to the version shown. */
const EARLY = 30;
const SHOWN = 2 * SNAPSHOT_INTERVAL + 500;
/** A plain statement, of a late date, marked a key event in the folded window. */
const MARKED = EARLY + 5;
let store: TestStore;
let events: StoryEvent[];

const statement = (version: number, saidAt: string, keyEvent: boolean): StatementRecorded =>
  stored<StatementRecorded>(
    'StatementRecorded',
    {
      speaker: { name: `Speaker ${version % 7}`, role: 'politician' },
      quote: `Statement ${version}`,
      speech: 'direct',
      saidAt,
      ...(keyEvent ? { keyEvent: true as const } : {}),
    },
    { storyId: STORY, version, occurredAt: saidAt },
  );

beforeAll(async () => {
  store = await createTestStore();
  expect(SHOWN - TIMELINE_WINDOW, 'the version shown folds from a snapshot after every key event was posted').toBeGreaterThan(2 * SNAPSHOT_INTERVAL);
  // Each event folded past the snapshot can take at most one key event off the list: the snapshot keeps enough.
  expect(SNAPSHOT_KEY_EVENTS).toBeGreaterThanOrEqual(VIEW_KEY_EVENTS + SNAPSHOT_INTERVAL + TIMELINE_WINDOW);
  events = [opened(STORY)];
  // Key events on ten days of April 2010, so that timeline order is not posting order.
  // Two of them at one instant written two ways, which byte order (the stored indexes') and
  // localeCompare put in opposite orders: time travel lists them as the live view does.
  const saidAt = (v: number) =>
    v === 5 ? '2010-04-19T14:00:00+06:00' : v === 6 ? '2010-04-19T14:00:00.000+06:00' : `2010-04-${String(10 + (v % 10)).padStart(2, '0')}`;
  for (let v = 2; v <= EARLY + 1; v++) events.push(statement(v, saidAt(v), true));
  const id = (version: number) => events[version - 1]!.metadata.updateId;
  while (events.length < SHOWN) {
    const n = events.length + 1;
    if (n === 2 * SNAPSHOT_INTERVAL + 100)
      events.push(stored('KeyEventUnmarked', { target: id(19) }, { storyId: STORY, version: n })); // listed: 2010-04-19
    else if (n === 2 * SNAPSHOT_INTERVAL + 200)
      events.push(
        stored('UpdateCorrected', { target: id(4), changes: { saidAt: '2010-04-30' }, note: 'Wrong date' }, { storyId: STORY, version: n }),
      );
    else if (n === 2 * SNAPSHOT_INTERVAL + 300) events.push(stored('KeyEventMarked', { target: id(MARKED) }, { storyId: STORY, version: n }));
    else events.push(statement(n, n === MARKED ? '2010-04-25' : '2010-03-01', false));
  }
  // After the version shown: a retraction of a key event the past view lists from the snapshot.
  events.push(
    stored('UpdateRetracted', { target: events[28]!.metadata.updateId, reason: 'Could not be verified' }, { storyId: STORY, version: SHOWN + 1 }),
  );
  await writeEvents(store.db, store.tables.events, events.length, (i) => events[i]!);
  await projectLive(store, events);
}, 180_000);
afterAll(() => store?.drop());

async function expectKeyEventsAsFolded() {
  const views = new ViewStore(store.db, store.tables.views, await activeGeneration(store.db, store.tables.views));
  const shown = (await viewAtVersion(views, store.events, STORY, SHOWN))!;
  const then = foldStory(events.slice(0, SHOWN))!;
  const expected = [...then.entries.values()]
    .filter((e) => e.keyEvent)
    .sort((a, b) => compareTimelineKeys(timelineKey(b), timelineKey(a)))
    .slice(0, VIEW_KEY_EVENTS);
  expect(expected).toHaveLength(VIEW_KEY_EVENTS);
  const ids = (version: number) => events[version - 1]!.metadata.updateId;
  expect(shown.keyEvents.map((e) => e.updateId)).toEqual(expected.map((e) => e.updateId));
  const [five, six] = [ids(5), ids(6)].map((id) => shown.keyEvents.findIndex((e) => e.updateId === id));
  expect(five, 'byte order: "…14:00:00+06:00" before "…14:00:00.000+06:00", so newest first after it').toBeGreaterThan(six!);
  // The snapshot it folded from lists every key event of that version, as a fold of the story does.
  const snapshot = await views.snapshotAt(STORY, 2 * SNAPSHOT_INTERVAL);
  expect(snapshot?.head.version).toBe(2 * SNAPSHOT_INTERVAL);
  expect(snapshot?.keyEvents).toEqual(snapshotOf(foldStory(events.slice(0, 2 * SNAPSHOT_INTERVAL))!).keyEvents);
  expect(snapshot?.keyEvents).toHaveLength(EARLY);
  // As they stood: the corrected one with its new date, the unmarked one gone, the one marked in the window there.
  expect(shown.keyEvents[0]).toMatchObject({ updateId: ids(4), occurredAt: '2010-04-30' });
  expect(shown.keyEvents.map((e) => e.updateId)).not.toContain(ids(19));
  expect(shown.keyEvents.map((e) => e.updateId)).toContain(ids(MARKED));
  // The one retracted since is listed with its notice, as every public read honours a retraction now.
  const retracted = shown.keyEvents.find((e) => e.updateId === ids(29));
  expect(retracted?.retraction?.reason).toBe('Could not be verified');
  for (const entry of shown.keyEvents.filter((e) => e.updateId !== ids(29))) expect(entry.retraction).toBeUndefined();
}

describe('time travel on a long story, key events posted long before the version shown', () => {
  it('lists them as a fold of the whole story does, from the live projector’s snapshots', expectKeyEventsAsFolded);

  it('and from the snapshots replay wrote', async () => {
    await replayAll(replayContextOf(store), { cleanupDelayMs: 0 });
    await expectKeyEventsAsFolded();
  });
});
