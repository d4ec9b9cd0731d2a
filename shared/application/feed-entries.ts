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

/**
 * The `limit` entries changed most recently at or below version `upTo`, latest change first.
 *
 * The walk reads the log eventually consistently (half the read units of a strongly consistent
 * read): events are immutable and a story's versions have no gaps, so a page is whole exactly when
 * its versions run down from `upTo` one by one; one that does not (a replica behind the head the
 * views already show) is read again strongly consistently. The entries come from one BatchGetItem
 * (eventually consistent too): an entry older than the newest event naming it (its changeVersion
 * below that event's version) is read again strongly consistently, so a render kept for the head
 * version never holds an entry as it was before.
 */
export async function latestChanges(views: StoryViews, events: EventReader, storyId: string, upTo: number, limit: number): Promise<TimelineEntry[]> {
  const changed = (await walkBack(events, storyId, upTo, limit, false)) ?? (await walkBack(events, storyId, upTo, limit, true))!;
  const ids = [...changed.keys()];
  // In the walk's order (latest change first), not by changeVersion: a key-event mark changes an
  // entry's changeVersion but is no change a feed carries, so it must not reorder the feed.
  const order = new Map(ids.map((id, i) => [id, i]));
  const found = await views.entries(storyId, ids);
  const current = found.filter((entry) => entry.changeVersion >= changed.get(entry.updateId)!);
  if (current.length < found.length) {
    const fresh = new Set(current.map((entry) => entry.updateId));
    for (const entry of found) {
      if (fresh.has(entry.updateId)) continue;
      const again = await views.entry(storyId, entry.updateId, true);
      if (again) current.push(again);
    }
  }
  return current.sort((a, b) => order.get(a.updateId)! - order.get(b.updateId)!);
}

/**
 * The entries the newest events at or below `upTo` name (up to `limit`), each with the version of
 * the newest event naming it, latest first; undefined when an eventually consistent page was not
 * whole (see latestChanges).
 */
async function walkBack(events: EventReader, storyId: string, upTo: number, limit: number, consistent: boolean) {
  const changed = new Map<string, number>();
  let expected = upTo;
  walk: for await (const page of events.streamNewestFirst(storyId, { upTo, pageSize: limit + WALK_SLACK, consistent })) {
    for (const event of page) {
      if (!consistent && event.metadata.version !== expected) return undefined;
      expected = event.metadata.version - 1;
      const id = changedEntryOf(event);
      if (id !== undefined && !changed.has(id)) changed.set(id, event.metadata.version);
      if (changed.size === limit) break walk;
    }
  }
  // A walk that ended before version 1 without `limit` entries read the whole story: it must have reached the start.
  if (!consistent && changed.size < limit && expected !== 0) return undefined;
  return changed;
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
