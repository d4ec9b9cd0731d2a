/**
 * The views table: the developing-story view stored as many small items, so no item grows with
 * the story and every read costs O(page), not O(story).
 *
 *   pk `<gen>#story#<id>`  sk `head`          the story head (headline, status, version, counts)
 *                          sk `u#<updateId>`  one timeline entry per article/statement, as one JSON
 *                                             attribute `entry`; LSI byTimeline (timelineKey)
 *                          sk `k#<version>`   key points (headline changes)
 *                          sk `p#<name>`      people quoted, with statement counts (also per
 *                                             role: attributes `r#<role>`)
 *                          sk `o#<outlet>`    sources
 *                          sk `r#<updateId>#<version>`  an entry's state after a correction or
 *                                             retraction (time travel; not in the index)
 *                          sk `e#<timelineKey>`  a key event (attribute `updateId`): the key events
 *                                             newest first by timeline order are one Query of this
 *                                             prefix, their entries one BatchGetItem
 *                          sk `x#<version>`   a retraction, by its version: which update it
 *                                             withdrew (time travel hides what was retracted
 *                                             after the version it shows)
 *                          sk `s#<version>#<n>`  time-travel snapshot every SNAPSHOT_INTERVAL
 *                                             versions: head, people, sources, in bounded chunks
 *                          sk `q#<updateId>`  a pending (embargoed) update, as corrected so far,
 *                                             with its `releaseAt`; no timelineKey and no public
 *                                             read: deleted at its release; a cancelled one stays,
 *                                             with the cancellation as its `retraction`
 *   pk `releases`          sk `<releaseAt>#<storyId>#<updateId>`  the release index, across
 *                                             stories and generations: what the schedulers
 *                                             release (an item made stale by a reschedule or a
 *                                             cancellation is forgotten when it falls due)
 *   pk `<gen>#stories`     sk `<id>`          the story list
 *   pk `<gen>#build`       sk `<id>`          replay progress of a generation being built
 *   pk `meta`              sk `generation`    the active generation pointer (pointer.ts)
 *                          sk `build#<gen>`   a generation build (replay) and its counts
 *
 * Entries are always written and read whole, so they are stored as one JSON string rather than
 * as DynamoDB attributes: a third cheaper to write (and to rebuild), fewer bytes on AWS. Feeds
 * (latest changes) and archive pages (entries by creation version) need no index of their own:
 * the events table already orders every change by version (see feed-entries.ts).
 *
 * `<gen>` is the projection generation: replay builds a new one beside the live one and then
 * switches the pointer, so readers never see a half-built view.
 *
 * This module owns the keys and turns view parts into items and back; reads.ts and writes.ts
 * send them.
 */
import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import {
  changeKey,
  isListedKeyEvent,
  isRetractionRevision,
  timelineKey,
  type KeyEventChange,
  type KeyPoint,
  type PersonCount,
  type StoryHead,
  type TimelineEntry,
} from '../../../domain/projection/story-view';
import type { TimeTravelSnapshot } from '../../../domain/projection/rebuild';
import { summaryOf } from '../../../domain/projection/story-summary';
import type { StoredView } from '../../../application/ports';

export type Item = Record<string, NativeAttributeValue>;

/** People or sources per snapshot chunk item: far below 400 KB even with long names. */
const SNAPSHOT_CHUNK = 500;

/** Build records (replay) live beside the pointer: pk `meta`, sk `build#<gen>`. */
export const BUILDS = { pk: 'meta', prefix: 'build#' } as const;

/** The release index's partition (not per generation: a replay writes the same items again). */
export const RELEASES_PK = 'releases';

/** The release index's item of a pending update. */
export function releaseIndexItem(entry: Pick<TimelineEntry, 'storyId' | 'updateId' | 'releaseAt'>): Item {
  return {
    pk: RELEASES_PK,
    sk: `${entry.releaseAt!}#${entry.storyId}#${entry.updateId}`,
    storyId: entry.storyId,
    updateId: entry.updateId,
    releaseAt: entry.releaseAt!,
  };
}

/** The keys and items of one generation. */
export class ViewLayout {
  constructor(readonly generation: string) {}

  storyPk(storyId: string) {
    return `${this.generation}#story#${storyId}`;
  }

  get listPk() {
    return `${this.generation}#stories`;
  }

  /** The partition of this generation's per-story build progress (replay). */
  get progressPk() {
    return `${this.generation}#build`;
  }

  get buildKey() {
    return { pk: BUILDS.pk, sk: `${BUILDS.prefix}${this.generation}` };
  }

  headItem(head: StoryHead): Item {
    return { pk: this.storyPk(head.storyId), sk: 'head', ...head };
  }

  /** The story's line in the story list. */
  summaryItem(head: StoryHead): Item {
    return { pk: this.listPk, sk: head.storyId, ...summaryOf(head) };
  }

  keyPointItem(storyId: string, point: KeyPoint): Item {
    return { pk: this.storyPk(storyId), sk: `k#${changeKey(point.version)}`, ...point };
  }

  entryItem(entry: TimelineEntry): Item {
    return { pk: this.storyPk(entry.storyId), sk: `u#${entry.updateId}`, timelineKey: timelineKey(entry), entry: entryJson(entry) };
  }

  /** A pending update (no timelineKey: never in the timeline). */
  pendingItem(entry: TimelineEntry): Item {
    return { pk: this.storyPk(entry.storyId), sk: `q#${entry.updateId}`, entry: entryJson(entry) };
  }

  pendingKey(storyId: string, updateId: string) {
    return { pk: this.storyPk(storyId), sk: `q#${updateId}` };
  }

  /** The key-events index item of a change that lists an entry (see KeyEventChange). */
  keyEventItem(storyId: string, change: Pick<KeyEventChange, 'key' | 'updateId'>): Item {
    return { pk: this.storyPk(storyId), sk: `e#${change.key}`, updateId: change.updateId };
  }

  keyEventKey(storyId: string, key: string) {
    return { pk: this.storyPk(storyId), sk: `e#${key}` };
  }

  /** The index items of the key events among `entries` as they stand (replay writes them from the final fold). */
  keyEventItems(entries: Iterable<TimelineEntry>): Item[] {
    const items: Item[] = [];
    for (const entry of entries) {
      if (isListedKeyEvent(entry)) items.push(this.keyEventItem(entry.storyId, { key: timelineKey(entry), updateId: entry.updateId }));
    }
    return items;
  }

  revisionItem(entry: TimelineEntry): Item {
    // No timelineKey attribute: revisions stay out of the timeline index.
    return { pk: this.storyPk(entry.storyId), sk: `r#${entry.updateId}#${changeKey(entry.changeVersion)}`, entry: entryJson(entry) };
  }

  /** A revision's items: the revision, and for the one a retraction made, the retraction's index item. */
  revisionItems(entry: TimelineEntry): Item[] {
    return isRetractionRevision(entry) ? [this.revisionItem(entry), this.retractionItem(entry)] : [this.revisionItem(entry)];
  }

  /** The retraction of `entry` (retracted), keyed by the retraction's version. */
  retractionItem(entry: TimelineEntry): Item {
    const retraction = entry.retraction!;
    return {
      pk: this.storyPk(entry.storyId),
      sk: `x#${changeKey(retraction.version)}`,
      target: entry.updateId,
      targetVersion: entry.version,
      retraction: { ...retraction },
    };
  }

  snapshotItems(snapshot: TimeTravelSnapshot): Item[] {
    const prefix = `s#${changeKey(snapshot.head.version)}#`;
    const pk = this.storyPk(snapshot.head.storyId);
    const count = Math.max(1, Math.ceil(Math.max(snapshot.people.length, snapshot.sources.length) / SNAPSHOT_CHUNK));
    return Array.from({ length: count }, (_, n) => ({
      pk,
      sk: `${prefix}${String(n).padStart(4, '0')}`,
      ...(n === 0 ? { head: snapshot.head } : {}),
      people: snapshot.people.slice(n * SNAPSHOT_CHUNK, (n + 1) * SNAPSHOT_CHUNK),
      sources: snapshot.sources.slice(n * SNAPSHOT_CHUNK, (n + 1) * SNAPSHOT_CHUNK),
    }));
  }

  /** Every item of a whole folded story, head first. */
  viewItems(view: StoredView): Item[] {
    const items = this.storyWideItems(view);
    const entries = [...view.entries];
    for (const entry of entries) items.push(this.entryItem(entry));
    items.push(...this.keyEventItems(entries));
    for (const revision of view.revisions ?? []) items.push(...this.revisionItems(revision));
    for (const snapshot of view.snapshots ?? []) items.push(...this.snapshotItems(snapshot));
    return items;
  }

  /** The head (first), the story-list summary, key points, people and sources of a folded story. */
  storyWideItems(view: Pick<StoredView, 'head' | 'keyPoints' | 'people' | 'sources' | 'pending'>): Item[] {
    const pk = this.storyPk(view.head.storyId);
    const items: Item[] = [this.headItem(view.head), this.summaryItem(view.head)];
    for (const pending of view.pending?.values() ?? []) {
      items.push(this.pendingItem(pending), ...(pending.releaseAt === undefined ? [] : [releaseIndexItem(pending)]));
    }
    for (const point of view.keyPoints) items.push(this.keyPointItem(view.head.storyId, point));
    for (const [key, person] of view.people) items.push(personItem(pk, key, person));
    for (const [key, source] of view.sources) items.push({ pk, sk: `o#${key}`, ...source });
    return items;
  }
}

/**
 * A person's statements per role are top-level attributes `r#<role>` (counters the projector adds
 * deltas to; a map attribute's entries cannot be created and counted in one update).
 */
export const ROLE_PREFIX = 'r#';

const personItem = (pk: string, key: string, person: PersonCount): Item => {
  const { roleCounts, ...rest } = person;
  return { pk, sk: `p#${key}`, ...rest, ...Object.fromEntries(Object.entries(roleCounts).map(([role, n]) => [ROLE_PREFIX + role, n])) };
};

/** A person item back as counted (roleCounts from its `r#` attributes). */
export function personCountOf(item: Item): PersonCount {
  const roleCounts: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) if (name.startsWith(ROLE_PREFIX)) roleCounts[name.slice(ROLE_PREFIX.length)] = value as number;
  return { name: item.name as string, statementCount: item.statementCount as number, roleCounts: withLegacyRoles(roleCounts, item.roles) };
}

/**
 * Views built before projection version 4 kept a person's roles as a set (`roles`), not counted
 * (`r#<role>`). Until a replay has rebuilt them, such items and snapshots are read as one
 * statement a role, so the roles still show and time travel does not break on them.
 */
export function withLegacyRoles(roleCounts: Record<string, number> | undefined, roles: unknown): Record<string, number> {
  if (roleCounts && Object.keys(roleCounts).length > 0) return roleCounts;
  const legacy = roles instanceof Set ? [...roles] : Array.isArray(roles) ? roles : [];
  return Object.fromEntries(legacy.map((role) => [String(role), 1]));
}

/**
 * An entry as stored: JSON with every object's keys sorted, so that the same entry is the same
 * bytes whichever path built it (the live projector gets events from stream records, replay from
 * the events table, and their fields come in different orders).
 */
function entryJson(entry: TimelineEntry): string {
  return JSON.stringify(entry, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

/** An item without its keys. */
export function strip<T>(item: Item | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}

export function entryOf(item: Item | undefined): TimelineEntry | undefined {
  if (!item) return undefined;
  const entry = JSON.parse(item.entry as string) as TimelineEntry;
  // Entries projected before version 5 carry no `keyEvent`: none was one until a replay says otherwise.
  return entry.keyEvent === undefined ? { ...entry, keyEvent: false } : entry;
}
