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
 *                                             versions: head, people, sources and the newest
 *                                             key events (id, timeline key), in bounded chunks
 *                          sk `q#<updateId>`  a pending (embargoed) update, as corrected so far,
 *                                             with its `releaseAt`; no timelineKey and no public
 *                                             read: deleted at its release; a cancelled one stays,
 *                                             with the cancellation as its `retraction`
 *   pk `releases`          sk `<releaseAt>#<storyId>#<updateId>`  the release index, across
 *                                             stories and generations: what the schedulers
 *                                             release (an item made stale by a reschedule or a
 *                                             cancellation is forgotten when it falls due)
 *   pk `<gen>#stories`     sk `<id>`          the story list; each line also carries the activity
 *                                             index's keys (below)
 *   pk `<gen>#build`       sk `<id>`          replay progress of a generation being built
 *   pk `<gen>#checkpoint#<id>`  sk `manifest`, `c#<version>#<n>`  where a story's rebuild stopped
 *                                             before its invocation's deadline (chunks of its state)
 *   pk `meta`              sk `generation`    the active generation pointer (pointer.ts)
 *                          sk `build#<gen>`   a generation build (replay) and its counts
 *
 * The activity index (global, keys only; tables.ts ACTIVITY_INDEX) orders what changed last across
 * stories, newest first, sharded by story (activityShard):
 *
 *   activityPk `<gen>#stories#<shard>`  activityKey `<lastEventAt>#<id>`       a story-list line
 *   activityPk `<gen>#changes#<shard>`  activityKey `<updatedAt>#<updateId>`   an entry's change line,
 *                                        item pk `<gen>#story#<id>` sk `c#<updateId>`
 *
 * The items carry the keys themselves, so the index follows every write of them, live or replayed,
 * with nothing to trim: a page of the story list or the latest changes across stories is one
 * bounded Query per shard. The projector writes a change line with each entry it writes (a later
 * change of the entry moves it); replay writes them for each story's RECENT_CHANGES latest only.
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
import { summaryOf, type StorySummary } from '../../../domain/projection/story-summary';
import type { StoredView } from '../../../application/ports';

export type Item = Record<string, NativeAttributeValue>;

/**
 * A snapshot chunk item's people and sources total at most this many bytes as JSON, chunk 0 its
 * head besides. JSON counts about what DynamoDB does (strings as UTF-8 either way; quotes and
 * punctuation against DynamoDB's few bytes per number and list element), so the margin to the 400 KB
 * item limit is wide, whatever the names and URLs (a source's URL may be 2,000 characters: 500
 * sources could pass 1 MB).
 */
export const SNAPSHOT_CHUNK_BYTES = 256 * 1024;
/** And at most this many of them, so that a chunk of tiny ones stays a cheap read too. */
const SNAPSHOT_CHUNK_COUNT = 500;

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

  /** The partition of a story's rebuild checkpoint (replay, in a generation being built). */
  checkpointPk(storyId: string) {
    return `${this.generation}#checkpoint#${storyId}`;
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

  /** The story's line in the story list, in the activity index by its last event. */
  summaryItem(head: StoryHead): Item {
    return {
      pk: this.listPk,
      sk: head.storyId,
      ...summaryOf(head),
      activityPk: this.storiesActivityPk(activityShard(head.storyId)),
      activityKey: `${head.lastEventAt}#${head.storyId}`,
    };
  }

  /** The activity index partition of the story list's lines of stories in `shard`. */
  storiesActivityPk(shard: number) {
    return `${this.generation}#stories#${shard}`;
  }

  /** The activity index partition of the timeline entries of stories in `shard`. */
  changesActivityPk(shard: number) {
    return `${this.generation}#changes#${shard}`;
  }

  keyPointItem(storyId: string, point: KeyPoint): Item {
    return { pk: this.storyPk(storyId), sk: `k#${changeKey(point.version)}`, ...point };
  }

  entryItem(entry: TimelineEntry): Item {
    return { pk: this.storyPk(entry.storyId), sk: `u#${entry.updateId}`, timelineKey: timelineKey(entry), entry: entryJson(entry) };
  }

  /**
   * An entry's line in the activity index: a small item of its own (not the entry's attributes),
   * so that replay indexes only each story's latest changes (recentChangeItems) instead of every
   * entry again. The projector writes one with every entry it writes.
   */
  changeItem(entry: Pick<TimelineEntry, 'storyId' | 'updateId' | 'updatedAt'>): Item {
    return {
      pk: this.storyPk(entry.storyId),
      sk: `c#${entry.updateId}`,
      activityPk: this.changesActivityPk(activityShard(entry.storyId)),
      activityKey: `${entry.updatedAt}#${entry.updateId}`,
    };
  }

  /**
   * The activity lines of a story's RECENT_CHANGES latest changed entries as they stand (by
   * updatedAt, then updateId: the order the all-stories feed merges in), for a story written
   * whole (replay). The all-stories feed's latest N changes across stories are among the union of
   * each story's latest N, so N ≤ RECENT_CHANGES reads the same from a replayed generation as
   * from the live one (where older entries keep their lines too).
   */
  recentChangeItems(entries: Iterable<TimelineEntry>): Item[] {
    return [...entries]
      .sort((a, b) =>
        b.updatedAt < a.updatedAt ? -1 : b.updatedAt > a.updatedAt ? 1 : b.updateId < a.updateId ? -1 : b.updateId > a.updateId ? 1 : 0,
      )
      .slice(0, RECENT_CHANGES)
      .map((entry) => this.changeItem(entry));
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
    // People, then sources, then key events, cut by bytes: reading the chunks in key order and
    // concatenating (reads.ts snapshotAt) gives each list back in order. Chunk 0 carries the key
    // events' list even when it is empty: a snapshot without one was written before it was kept.
    type Chunk = {
      people: TimeTravelSnapshot['people'];
      sources: TimeTravelSnapshot['sources'];
      keyEvents: NonNullable<TimeTravelSnapshot['keyEvents']>;
      bytes: number;
    };
    const chunks: Chunk[] = [{ people: [], sources: [], keyEvents: [], bytes: jsonBytes(snapshot.head) }];
    const add = (kind: 'people' | 'sources' | 'keyEvents', value: unknown) => {
      const bytes = jsonBytes(value) + 1;
      let chunk = chunks.at(-1)!;
      const count = chunk.people.length + chunk.sources.length + chunk.keyEvents.length;
      if (count > 0 && (chunk.bytes + bytes > SNAPSHOT_CHUNK_BYTES || count >= SNAPSHOT_CHUNK_COUNT)) {
        chunk = { people: [], sources: [], keyEvents: [], bytes: 0 };
        chunks.push(chunk);
      }
      (chunk[kind] as unknown[]).push(value);
      chunk.bytes += bytes;
    };
    for (const person of snapshot.people) add('people', person);
    for (const source of snapshot.sources) add('sources', source);
    for (const keyEvent of snapshot.keyEvents ?? []) add('keyEvents', keyEvent);
    return chunks.map((chunk, n) => ({
      pk,
      sk: `${prefix}${String(n).padStart(4, '0')}`,
      ...(n === 0 ? { head: snapshot.head } : {}),
      people: chunk.people,
      sources: chunk.sources,
      ...((n === 0 && snapshot.keyEvents) || chunk.keyEvents.length > 0 ? { keyEvents: chunk.keyEvents } : {}),
    }));
  }

  /** Every item of a whole folded story, head first. */
  viewItems(view: StoredView): Item[] {
    const items = this.storyWideItems(view);
    const entries = [...view.entries];
    for (const entry of entries) items.push(this.entryItem(entry));
    items.push(...this.keyEventItems(entries));
    items.push(...this.recentChangeItems(entries));
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
 * Latest changes per story that a replayed generation keeps in the activity index: the
 * all-stories feed is exact for a feed size (NEWSROOM_FEED_SIZE) up to this.
 */
export const RECENT_CHANGES = 100;

/** Shards of the activity index (a story's lines and entries all go to one, by its id). */
export const ACTIVITY_SHARDS = 4;

/** The activity shard of a story: a hash of its id (FNV-1a), modulo ACTIVITY_SHARDS. */
export function activityShard(storyId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < storyId.length; i++) hash = Math.imul(hash ^ storyId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % ACTIVITY_SHARDS;
}

/** A story-list line as read: its summary, without the keys of the table and of the activity index. */
export function summaryOfItem(item: Item): StorySummary {
  const { pk: _pk, sk: _sk, activityPk: _apk, activityKey: _akey, ...rest } = item;
  return rest as StorySummary;
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

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

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
