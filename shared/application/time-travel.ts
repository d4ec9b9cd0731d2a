/**
 * Time travel (`?version=N`, `?asOf=`) at a cost bounded by SNAPSHOT_INTERVAL, not by the story:
 *
 * - The story-wide parts (head, people, sources) come from the latest time-travel snapshot at or
 *   below `version − TIMELINE_WINDOW`, folded forward with the events after it (at most
 *   SNAPSHOT_INTERVAL + TIMELINE_WINDOW events).
 * - The timeline is a page: the entries created or changed by those folded events, as they stood
 *   at `version` (at least the last TIMELINE_WINDOW versions' worth), newest changes first, at most
 *   TIMELINE_PAGE of them.
 * - A correction in that window of an older entry needs the entry as it stood before: its latest
 *   revision item at or below that version, else the event that created it.
 * - Key points are keyed by version already: the latest ones at or below `version` are one query.
 * - Public reads honour a retraction as it stands now: every retraction recorded after `version`
 *   (one query of the views' retraction index) takes its target's contribution out of people and
 *   sources and marks its entry retracted, so the past view never shows what was withdrawn since.
 *   Each such target outside the timeline page costs the reads of `entryBefore`.
 * - The pin is the head's, as folded; the pinned entry as it stood (one `entryBefore` when the fold
 *   did not hold it). Key events are the latest VIEW_KEY_EVENTS by timeline order among those the
 *   fold holds as they stood and those the snapshot lists (its newest SNAPSHOT_KEY_EVENTS, by id
 *   and timeline key) that the fold did not touch: each of the latter that makes the list costs
 *   the reads of `entryBefore`. A snapshot written before it listed key events gives the fold's only.
 */
import type { StoryEvent } from '../domain/story/events';
import {
  applyStep,
  compareTimelineKeys,
  createdEntry,
  createsEntry,
  isListedKeyEvent,
  pendingTargetOf,
  project,
  targetOf,
  timelineKey,
  withdrawLater,
  type LaterRetraction,
  type StoryView,
  type TimelineEntry,
} from '../domain/projection/story-view';
import type { TimeTravelSnapshot } from '../domain/projection/rebuild';
import type { EventReader, StoryViews } from './ports';

/** Versions of history, before the requested one, that the timeline page always covers. */
export const TIMELINE_WINDOW = 200;
export const TIMELINE_PAGE = 200;
/**
 * And at most about this many bytes of entries: an answer on Lambda is at most 6 MB, and one entry
 * may hold 60,000 characters of quote and as many of context.
 */
export const TIMELINE_PAGE_BYTES = 3_000_000;

/** The first entries (at least one) whose JSON fits `budget` bytes. */
function withinBytes(entries: TimelineEntry[], budget: number): TimelineEntry[] {
  let bytes = 0;
  for (const [i, entry] of entries.entries()) {
    // UTF-16 code units: at most the UTF-8 bytes of BMP text, and an over-estimate never lets a page grow past the budget.
    bytes += JSON.stringify(entry).length * 3;
    if (i > 0 && bytes > budget) return entries.slice(0, i);
  }
  return entries;
}
const KEY_POINTS = 20;
/** Key events a view lists (newest first); the key-events feeds list more. */
export const VIEW_KEY_EVENTS = 20;

/** A past view, and when what it shows last changed: its last event, or a later retraction it honours (its Last-Modified). */
export interface PastView extends StoryView {
  changedAt: string;
  /** Key events as they stood, newest first by timeline order (a retraction since: marked retracted). */
  keyEvents: TimelineEntry[];
  /** The pinned update as it stood (a retraction since: marked retracted). */
  pinned?: TimelineEntry;
}

export async function viewAtVersion(views: StoryViews, events: EventReader, storyId: string, version: number): Promise<PastView | undefined> {
  const snapshot = version > TIMELINE_WINDOW ? await views.snapshotAt(storyId, version - TIMELINE_WINDOW) : undefined;
  let view: StoryView | undefined = snapshot && {
    head: snapshot.head,
    entries: new Map(),
    keyPoints: [],
    people: new Map(snapshot.people),
    sources: new Map(snapshot.sources),
  };
  for await (const page of events.stream(storyId, { after: snapshot?.head.version ?? 0, upTo: version })) {
    for (const event of page) {
      const target = targetOf(event);
      let targetEntry: TimelineEntry | undefined;
      if (target) targetEntry = view?.entries.get(target) ?? (await entryBefore(views, events, storyId, target, event.metadata.version));
      // Pending updates are not tracked here (snapshots hold none): a release is given its entry as released.
      const released = event.type === 'UpdateReleased' ? await views.revisionAt(storyId, pendingTargetOf(event)!, event.metadata.version) : undefined;
      const step = project(event, {
        ...(view ? { head: view.head } : {}),
        ...(targetEntry ? { target: targetEntry } : {}),
        ...(released ? { pending: released } : {}),
        untracked: true,
      });
      view = applyStep(view, step);
    }
  }
  if (!view) return undefined;
  const at = view.head.version;
  const later: LaterRetraction[] = [];
  for (const { target, targetVersion, retraction } of await views.retractionsAfter(storyId, at)) {
    // An update created after `version` is not in this view at all.
    if (targetVersion > at) continue;
    const entry = view.entries.get(target) ?? (await entryBefore(views, events, storyId, target, at + 1));
    if (entry) later.push({ entry, retraction });
  }
  view = withdrawLater(view, later);
  const pinnedId = view.head.pinned;
  const retractedSince = new Map(later.map((l) => [l.entry.updateId, l.retraction]));
  const pinnedThen =
    pinnedId === undefined ? undefined : (view.entries.get(pinnedId) ?? (await entryBefore(views, events, storyId, pinnedId, at + 1)));
  const pinned =
    pinnedThen && !pinnedThen.retraction && retractedSince.has(pinnedThen.updateId)
      ? { ...pinnedThen, retraction: retractedSince.get(pinnedThen.updateId)! }
      : pinnedThen;
  const keyEvents = await keyEventsAt(views, events, storyId, view, snapshot, retractedSince);
  const changedAt = [view.head.lastEventAt, ...later.map((l) => l.retraction.recordedAt)].sort().at(-1)!;
  // Listed by key, as the live view's people and sources are, with fields in one order whatever
  // order the stored snapshot returned them in (DynamoDB maps are unordered).
  const byKey = <T>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  view.people = new Map(
    byKey(view.people).map(([k, p]) => [
      k,
      { name: p.name, statementCount: p.statementCount, roleCounts: Object.fromEntries(byKey(Object.entries(p.roleCounts))) },
    ]),
  );
  view.sources = new Map(
    byKey(view.sources).map(([k, s]) => [
      k,
      { outlet: s.outlet, updateCount: s.updateCount, ...(s.lastUrl === undefined ? {} : { lastUrl: s.lastUrl }) },
    ]),
  );
  view.keyPoints = await views.keyPointsAt(storyId, view.head.version, KEY_POINTS);
  const newest = [...view.entries.values()].sort((a, b) => b.changeVersion - a.changeVersion);
  const page = withinBytes(newest.slice(0, TIMELINE_PAGE), TIMELINE_PAGE_BYTES);
  if (page.length < view.entries.size) view.entries = new Map(page.map((e) => [e.updateId, e]));
  return { ...view, changedAt, keyEvents, ...(pinned ? { pinned } : {}) };
}

/**
 * The key events listed at the view's version, newest first by timeline order, at most
 * VIEW_KEY_EVENTS, as they stood (a retraction since: marked retracted). Those the fold created or
 * changed are in its entries as they stood; the snapshot's list (the newest key events at its
 * version, enough for this list whatever the fold did: rebuild.ts SNAPSHOT_KEY_EVENTS) names the rest, which nothing changed between the snapshot and the version (else the fold would
 * hold them): their timeline keys still hold, and the few that make the list are read as they stood
 * (`entryBefore`). Without a snapshot the fold started at version 1 and holds every entry; a
 * snapshot written before the list was kept gives only the fold's.
 */
async function keyEventsAt(
  views: StoryViews,
  events: EventReader,
  storyId: string,
  view: StoryView,
  snapshot: TimeTravelSnapshot | undefined,
  retractedSince: ReadonlyMap<string, TimelineEntry['retraction'] & object>,
): Promise<TimelineEntry[]> {
  const candidates: { key: string; updateId: string; entry?: TimelineEntry }[] = [...view.entries.values()]
    .filter(isListedKeyEvent)
    .map((entry) => ({ key: timelineKey(entry), updateId: entry.updateId, entry }));
  for (const [updateId, key] of snapshot?.keyEvents ?? []) if (!view.entries.has(updateId)) candidates.push({ key, updateId });
  const listed = candidates.sort((a, b) => compareTimelineKeys(b.key, a.key)).slice(0, VIEW_KEY_EVENTS);
  const at = view.head.version;
  const entries = await Promise.all(
    listed.map(async ({ updateId, entry }) => {
      if (entry) return entry;
      // Never missing (the snapshot lists entries of the story); left out rather than failing a public read if it were.
      const then = await entryBefore(views, events, storyId, updateId, at + 1);
      const retraction = retractedSince.get(updateId);
      return then && retraction && !then.retraction ? { ...then, retraction } : then;
    }),
  );
  return entries.filter((entry): entry is TimelineEntry => entry !== undefined);
}

/** The entry `updateId` as it stood just before the event at `version`. */
async function entryBefore(
  views: StoryViews,
  events: EventReader,
  storyId: string,
  updateId: string,
  version: number,
): Promise<TimelineEntry | undefined> {
  const revision = await views.revisionAt(storyId, updateId, version - 1);
  if (revision) return revision;
  const current = await views.entry(storyId, updateId);
  if (!current || current.version >= version) return undefined;
  // A released entry always has a revision item at its release (at or below `version - 1` here).
  const [created] = (await events.read(storyId, { after: current.version - 1, upTo: current.version })).events;
  return created && createsEntry(created) ? createdEntry(created) : undefined;
}

/**
 * The last version recorded at or before `asOf`: a binary search over the log (≈ log2(versions)
 * single-item reads). Versions are appended in recording order, so recordedAt grows with them.
 */
export async function versionAsOf(events: EventReader, storyId: string, asOf: string): Promise<number> {
  const at = Date.parse(asOf);
  const recordedAt = async (version: number) => {
    const [event]: StoryEvent[] = (await events.read(storyId, { after: version - 1, upTo: version })).events;
    return event ? Date.parse(event.metadata.recordedAt) : Number.POSITIVE_INFINITY;
  };
  let lo = 0;
  let hi = await events.headVersion(storyId);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if ((await recordedAt(mid)) <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
