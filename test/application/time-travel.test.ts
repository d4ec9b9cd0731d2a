/**
 * Time travel honours retractions recorded after the version it shows, against DynamoDB Local:
 * also for a target far outside the timeline page (found through the x# index and its revision
 * or creating event), from views the live projector wrote and from views replay rebuilt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayAll } from '../../shared/application/replay';
import { TIMELINE_WINDOW, viewAtVersion } from '../../shared/application/time-travel';
import { activeGeneration } from '../../shared/adapters/dynamodb/views/pointer';
import { ViewStore } from '../../shared/adapters/dynamodb/views/writes';
import { foldStory } from '../../shared/domain/projection/story-view';
import type { StoryEvent } from '../../shared/domain/story/events';
import { generatedEvent, writeEvents } from '../bench/story-generator';
import { createTestStore, type TestStore } from '../support/dynamo';
import { stored } from '../support/events';
import { projectLive, replayContextOf } from '../support/replay';

const STORY = 'later-retractions';
const PAST = 300;
let store: TestStore;
let events: StoryEvent[];

beforeAll(async () => {
  store = await createTestStore();
  expect(PAST - TIMELINE_WINDOW, 'the old targets lie before the window the page covers').toBeGreaterThan(4);
  const past = Array.from({ length: PAST }, (_, i) => generatedEvent(STORY, i + 1));
  // Version 3 is an article and version 4 a statement, both long before the page of version PAST;
  // version PAST − 2 is a statement inside it. All three are retracted after PAST.
  const [article, statement, recent] = [past[2]!, past[3]!, past[PAST - 3]!];
  expect([article.type, statement.type, recent.type]).toEqual(['ArticlePublished', 'StatementRecorded', 'StatementRecorded']);
  const retract = (target: StoryEvent, version: number) =>
    stored(
      'UpdateRetracted',
      { target: target.metadata.updateId, reason: `withdrawn at ${version}` },
      { storyId: STORY, version, recordedAt: `2026-01-01T00:00:0${version - PAST}.000Z` },
    );
  events = [...past, retract(article, PAST + 1), retract(statement, PAST + 2), retract(recent, PAST + 3)];
  await writeEvents(store.db, store.tables.events, events.length, (i) => events[i]!);
  await projectLive(store, events);
}, 120_000);
afterAll(() => store?.drop());

const views = async () => new ViewStore(store.db, store.tables.views, await activeGeneration(store.db, store.tables.views));

async function expectWithdrawn() {
  const shown = (await viewAtVersion(await views(), store.events, STORY, PAST))!;
  const then = foldStory(events.slice(0, PAST))!;
  const now = foldStory(events)!;
  expect(shown.head).toEqual(then.head);
  // People and sources as the fold that includes the retractions has them: they honour them now.
  expect([...shown.people].sort()).toEqual([...now.people].sort());
  expect([...shown.sources].sort()).toEqual([...now.sources].sort());
  expect([...shown.people].sort()).not.toEqual([...then.people].sort());
  // The recent statement is on the page, retracted; the old ones are not on it.
  const recent = shown.entries.get(events[PAST - 3]!.metadata.updateId)!;
  expect(recent.retraction?.reason).toBe(`withdrawn at ${PAST + 3}`);
  expect(recent.changeVersion).toBe(PAST - 2);
  for (const old of [events[2]!, events[3]!]) expect(shown.entries.has(old.metadata.updateId)).toBe(false);
  // Last-Modified moves with the latest retraction it honours.
  expect(shown.changedAt).toBe(`2026-01-01T00:00:03.000Z`);
}

describe('time travel after later retractions', () => {
  it('hides them from views the live projector wrote', expectWithdrawn);

  it('and from views replay rebuilt (the x# index is rebuilt too)', async () => {
    await replayAll(replayContextOf(store), { cleanupDelayMs: 0 });
    await expectWithdrawn();
  });
});
