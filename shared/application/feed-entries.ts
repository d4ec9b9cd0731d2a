/**
 * The entries a feed shows, found through the events table instead of an index of the views
 * table: every change to an entry is an event (the one that created it, or a correction or
 * retraction naming it), and the events table is already ordered by version. So
 *
 * - a subscription feed's latest changes are the distinct entries named by the newest events at
 *   or below the view's head version (one Query walking back from the head, rarely more), and
 * - an archive page `first-last` holds the entries created by events `first..last` (one Query);
 *
 * then one BatchGetItem reads their current state from the view. Both cost O(feed size), whatever
 * the story's length, and spare every entry write two index writes (see the views table layout, dynamodb/views/layout.ts).
 */
import { changedEntryOf, createdEntryOf } from '../domain/projection/story-view';
import type { TimelineEntry } from '../domain/projection/story-view';
import type { EventReader, StoryViews } from './ports';

/** Events a feed's walk back from the head reads per Query, beyond the feed size (non-entry events: headlines, status). */
export const WALK_SLACK = 10;

/** The `limit` entries changed most recently at or below version `upTo`, latest change first. */
export async function latestChanges(views: StoryViews, events: EventReader, storyId: string, upTo: number, limit: number): Promise<TimelineEntry[]> {
  const ids = new Set<string>();
  walk: for await (const page of events.streamNewestFirst(storyId, { upTo, pageSize: limit + WALK_SLACK })) {
    for (const event of page) {
      const id = changedEntryOf(event);
      if (id !== undefined) ids.add(id);
      if (ids.size === limit) break walk;
    }
  }
  // In the walk's order (latest change first), not by changeVersion: a key-event mark moves an
  // entry's changeVersion but is no change a feed carries, so it must not reorder the feed.
  const order = new Map([...ids].map((id, i) => [id, i]));
  return (await views.entries(storyId, [...ids])).sort((a, b) => order.get(a.updateId)! - order.get(b.updateId)!);
}

/** The entries created by events `first..last`, newest first: one archive page. */
export async function entriesCreated(views: StoryViews, events: EventReader, storyId: string, first: number, last: number): Promise<TimelineEntry[]> {
  const ids: string[] = [];
  for await (const page of events.stream(storyId, { after: first - 1, upTo: last })) {
    for (const event of page) {
      // A released update is in the page of its release: it is the entry that release created.
      const id = createdEntryOf(event);
      if (id !== undefined) ids.push(id);
    }
  }
  return (await views.entries(storyId, ids)).sort((a, b) => b.version - a.version);
}
