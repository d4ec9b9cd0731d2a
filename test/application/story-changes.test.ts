/** What a live page is told changed after the version it shows: key events and the pin (DynamoDB Local). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoryReader } from '../../shared/application/story-reader';
import { activeViews } from '../../shared/adapters/dynamodb/views/writes';
import type { StoryEvent } from '../../shared/domain/story/events';
import { createTestStore, type TestStore } from '../support/dynamo';
import { article, opened, statement, stored } from '../support/events';
import { projectLive } from '../support/replay';

let store: TestStore;
beforeAll(async () => void (store = await createTestStore()));
afterAll(() => store.drop());

const STORY = 'changes-story';
const a = article(2, 'An article', STORY);
const key = stored('StatementRecorded', { ...statement(3, 'Roza Otunbayeva', 'q', STORY).data, keyEvent: true }, { storyId: STORY, version: 3 });
const events: StoryEvent[] = [
  opened(STORY),
  a,
  key,
  statement(4, 'Kurmanbek Bakiyev', 'plain', STORY),
  stored('KeyEventMarked', { target: a.metadata.updateId }, { storyId: STORY, version: 5 }),
  stored('UpdatePinned', { target: a.metadata.updateId }, { storyId: STORY, version: 6 }),
  stored('HeadlineChanged', { headline: 'New' }, { storyId: STORY, version: 7 }),
  stored('UpdateRetracted', { target: a.metadata.updateId, reason: 'wrong' }, { storyId: STORY, version: 8 }),
];

describe('changesSince', () => {
  it('says when the key events or the pin may have changed, and not when they cannot have', async () => {
    const reader = new StoryReader(activeViews(store.db, store.tables.views), store.events, {
      feed: { baseUrl: 'https://n.example', tagPrefix: 'tag:n.example,2026:' },
    });
    // As a page open on the story is told, event after event.
    const told: { keyEvents: boolean; pin: boolean; entries: number }[] = [];
    for (const e of events) {
      await store.events.append(STORY, e.metadata.version - 1, [e as never]);
      await projectLive(store, [e]);
      reader.invalidate(STORY);
      const head = (await reader.head(STORY))!;
      const changes = await reader.changesSince(head, head.version - 1);
      told.push({ keyEvents: changes.keyEventsChanged, pin: changes.pinChanged, entries: changes.entries.length });
    }
    expect(told.slice(1)).toEqual([
      { keyEvents: false, pin: false, entries: 1 }, // an article
      { keyEvents: true, pin: false, entries: 1 }, // a statement posted as a key event
      { keyEvents: false, pin: false, entries: 1 }, // a plain statement
      { keyEvents: true, pin: false, entries: 1 }, // a mark: the entry, which the page badges as a key event
      { keyEvents: false, pin: true, entries: 0 }, // a pin
      { keyEvents: false, pin: false, entries: 0 }, // a headline
      { keyEvents: true, pin: true, entries: 1 }, // the pinned key event retracted
    ]);
  });
});
