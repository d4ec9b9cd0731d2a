/**
 * Feeds find their entries through the events table (feed-entries.ts): the latest changes are the
 * entries named by the newest events, however many events that name no entry lie on top of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldStory, type StoryView } from '../../shared/domain/projection/story-view';
import { entriesCreated, latestChanges, WALK_SLACK } from '../../shared/application/feed-entries';
import { CURRENT_SCHEMA_VERSION, type StoryEvent } from '../../shared/domain/story/events';
import { writeEvents } from '../bench/story-generator';
import { generatedStory } from '../support/feeds';
import { createTestStore, type TestStore } from '../support/dynamo';

let store: TestStore;
let view: StoryView;
const SIZE = 10;

beforeAll(async () => {
  store = await createTestStore();
  const { events } = generatedStory('walk', 40);
  const meta = (version: number) => ({
    storyId: 'walk',
    version,
    updateId: `H${version}`,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    recordedAt: new Date(Date.UTC(2026, 5, 1, 0, version)).toISOString(),
    recordedBy: 'anna',
  });
  const head = events.length;
  const entryIds = events.filter((e) => e.type === 'ArticlePublished' || e.type === 'StatementRecorded').map((e) => e.metadata.updateId);
  // A correction of the oldest entry, then more headline changes than one walk page holds.
  const tail: StoryEvent[] = [
    {
      type: 'UpdateCorrected',
      data: { target: entryIds[0]!, changes: { title: 'Fixed', quote: 'Fixed' }, note: 'late fix' },
      metadata: meta(head + 1),
    } as StoryEvent,
    ...Array.from(
      { length: 2 * (SIZE + WALK_SLACK) },
      (_, i) => ({ type: 'HeadlineChanged', data: { headline: `Headline ${i}` }, metadata: meta(head + 2 + i) }) as StoryEvent,
    ),
  ];
  const all = [...events, ...tail];
  view = foldStory(all)!;
  await writeEvents(store.db, store.tables.events, all.length, (i) => all[i]!);
  await store.views.writeView({ ...view, entries: view.entries.values() });
}, 60_000);

afterAll(() => store?.drop());

const byChange = (v: StoryView) => [...v.entries.values()].sort((a, b) => b.changeVersion - a.changeVersion);

describe('feed entries from the events table', () => {
  it('latest changes: the entries the newest events name, through pages of events that name none', async () => {
    const latest = await latestChanges(store.views, store.events, 'walk', view.head.version, SIZE);
    expect(latest).toEqual(byChange(view).slice(0, SIZE));
    expect(latest[0]!.corrections.at(-1)?.note).toBe('late fix');
  });

  it('latest changes as of an earlier head version leave out what came after it', async () => {
    const before = view.head.version - 2 * (SIZE + WALK_SLACK) - 1;
    const latest = await latestChanges(store.views, store.events, 'walk', before, SIZE);
    expect(latest.map((e) => e.updateId)).toEqual(
      byChange(view)
        .slice(1, SIZE + 1)
        .map((e) => e.updateId),
    );
  });

  it('an archive page: the entries created by its versions, newest first, in their current state', async () => {
    const page = await entriesCreated(store.views, store.events, 'walk', 1, SIZE);
    const expected = [...view.entries.values()].filter((e) => e.version <= SIZE).sort((a, b) => b.version - a.version);
    expect(page).toEqual(expected);
    expect(page.at(-1)!.corrections.at(-1)?.note).toBe('late fix');
  });

  it('walks eventually consistently, and reads again strongly consistently what a lagging replica or a stale entry gave', async () => {
    const reads: boolean[] = [];
    const lagging = Object.create(store.events) as typeof store.events;
    // A replica behind: the newest two versions are not there yet.
    lagging.streamNewestFirst = async function* (storyId, options) {
      reads.push(options.consistent ?? true);
      for await (const page of store.events.streamNewestFirst(storyId, options)) {
        yield options.consistent === false ? page.filter((e) => e.metadata.version < options.upTo - 1) : page;
      }
    };
    const expected = byChange(view).slice(0, SIZE);
    expect(await latestChanges(store.views, lagging, 'walk', view.head.version, SIZE)).toEqual(expected);
    expect(reads).toEqual([false, true]);

    // An up-to-date replica is read once, eventually consistently.
    reads.length = 0;
    const current = Object.create(store.events) as typeof store.events;
    current.streamNewestFirst = (storyId, options) => {
      reads.push(options.consistent ?? true);
      return store.events.streamNewestFirst(storyId, options);
    };
    expect(await latestChanges(store.views, current, 'walk', view.head.version, SIZE)).toEqual(expected);
    expect(reads).toEqual([false]);

    // An entry read from a replica before its latest correction is read again, strongly consistently.
    const corrected = expected.find((e) => e.corrections.length > 0)!;
    const consistentReads: string[] = [];
    const staleViews = Object.create(store.views) as typeof store.views;
    staleViews.entries = async (storyId, ids) =>
      (await store.views.entries(storyId, ids)).map((e) =>
        e.updateId === corrected.updateId ? { ...e, changeVersion: e.version, corrections: [] } : e,
      );
    staleViews.entry = async (storyId, id, consistent) => {
      if (consistent) consistentReads.push(id);
      return store.views.entry(storyId, id, consistent);
    };
    expect(await latestChanges(staleViews, current, 'walk', view.head.version, SIZE)).toEqual(expected);
    expect(consistentReads).toEqual([corrected.updateId]);
  });

  it('a story with fewer entries than asked for gives what it has', async () => {
    expect(await latestChanges(store.views, store.events, 'walk', view.head.version, 1_000)).toEqual(byChange(view));
    expect(await latestChanges(store.views, store.events, 'nobody', 5, SIZE)).toEqual([]);
  });
});
