/**
 * Reads of one generation of the views (the keys are in layout.ts): a story's head and entries,
 * pages of its timeline, key points, people and sources, the story list, and what time travel
 * needs (snapshots, revisions, past key points, later retractions). Each costs O(page), not O(story).
 */
import { BatchGetCommand, GetCommand, QueryCommand, paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  changeKey,
  personOf,
  timelineKey,
  type KeyPoint,
  type Person,
  type RetractionNotice,
  type Source,
  type StoryHead,
  type TimelineEntry,
} from '../../../domain/projection/story-view';
import type { TimeTravelSnapshot } from '../../../domain/projection/rebuild';
import type { StorySummary } from '../../../domain/projection/story-summary';
import type { ActivityKey, ActivityPage, GenerationViews, Page, RetractionIndexEntry } from '../../../application/ports';
import { ACTIVITY_INDEX } from '../tables';
import { decodeCursor, decodeListCursor, encodeCursor, encodeListCursor } from './cursor';
import { ACTIVITY_SHARDS, entryOf, personCountOf, strip, summaryOfItem, ViewLayout, withLegacyRoles, type Item } from './layout';
import { DEFAULT_GENERATION, readPointer } from './pointer';
import { PROJECTION_VERSION } from '../../../domain/projection/story-view';

/**
 * The active generation's views, for reading only (the read function and the writer's decisions
 * carry no write code), found through the pointer at each call: readers cache them themselves.
 */
export function activeReads(db: DynamoDBDocumentClient, table: string): () => Promise<ViewReads> {
  return async () => {
    const pointer = await readPointer(db, table);
    return new ViewReads(db, table, pointer?.generation ?? DEFAULT_GENERATION, pointer?.projectionVersion);
  };
}

/** The projection version whose generations carry the activity index's keys. */
const ACTIVITY_SINCE = 6;

/** The story id in a story partition's key `<gen>#story#<id>`. */
const storyIdOf = (pk: string) => pk.slice(pk.indexOf('#story#') + '#story#'.length);

/** BatchGetItem takes at most 100 keys a call. */
const BATCH_GET = 100;

export class ViewReads implements GenerationViews {
  readonly layout: ViewLayout;

  constructor(
    protected readonly db: DynamoDBDocumentClient,
    readonly table: string,
    readonly generation: string = DEFAULT_GENERATION,
    /** PROJECTION_VERSION of the code that built the generation (the pointer's). */
    readonly projectionVersion: number = PROJECTION_VERSION,
  ) {
    this.layout = new ViewLayout(generation);
  }

  async head(storyId: string, consistent = false): Promise<StoryHead | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: this.layout.storyPk(storyId), sk: 'head' }, ConsistentRead: consistent }),
    );
    return strip<StoryHead>(out.Item);
  }

  async entry(storyId: string, updateId: string, consistent = false): Promise<TimelineEntry | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: this.layout.storyPk(storyId), sk: `u#${updateId}` }, ConsistentRead: consistent }),
    );
    return entryOf(out.Item);
  }

  async pendingEntry(storyId: string, updateId: string, consistent = false): Promise<TimelineEntry | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: this.layout.pendingKey(storyId, updateId), ConsistentRead: consistent }),
    );
    return entryOf(out.Item);
  }

  /** The story's pending releases, soonest first (a story holds few, cancelled ones included: they are read whole). */
  async scheduled(storyId: string): Promise<TimelineEntry[]> {
    const items = await this.allOf<Item>(storyId, 'q#');
    return items
      .map((item) => entryOf(item)!)
      .filter((entry) => entry.releaseAt !== undefined) // not the cancelled ones
      .sort((a, b) => a.releaseAt!.localeCompare(b.releaseAt!) || a.updateId.localeCompare(b.updateId));
  }

  /**
   * The current state of the entries `updateIds`, in no particular order (ids with no entry are
   * left out): BatchGetItem, 100 keys a call, unprocessed keys retried.
   */
  async entries(storyId: string, updateIds: readonly string[]): Promise<TimelineEntry[]> {
    const pk = this.layout.storyPk(storyId);
    return (await this.batchGet(updateIds.map((id) => ({ pk, sk: `u#${id}` })))).map((item) => entryOf(item)!);
  }

  async entriesOf(keys: readonly ActivityKey[]): Promise<TimelineEntry[]> {
    return (await this.batchGet(keys.map((k) => ({ pk: this.layout.storyPk(k.storyId), sk: `u#${k.updateId}` })))).map((item) => entryOf(item)!);
  }

  async heads(storyIds: readonly string[]): Promise<StoryHead[]> {
    return (await this.batchGet(storyIds.map((id) => ({ pk: this.layout.storyPk(id), sk: 'head' })))).map((item) => strip<StoryHead>(item)!);
  }

  async summaries(storyIds: readonly string[]): Promise<StorySummary[]> {
    return (await this.batchGet(storyIds.map((id) => ({ pk: this.layout.listPk, sk: id })))).map(summaryOfItem);
  }

  /** The items at `keys` (those that exist), in no particular order: BatchGetItem, 100 keys a call, unprocessed keys retried. */
  private async batchGet(all: Item[]): Promise<Item[]> {
    const found: Item[] = [];
    for (let i = 0; i < all.length; i += BATCH_GET) {
      let keys: Item[] = all.slice(i, i + BATCH_GET);
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
        const out = await this.db.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys } } }));
        found.push(...(out.Responses?.[this.table] ?? []));
        keys = out.UnprocessedKeys?.[this.table]?.Keys ?? [];
      }
    }
    return found;
  }

  async activity(kind: 'stories' | 'changes', limit: number, before?: string): Promise<ActivityPage> {
    const start = before === undefined ? undefined : decodeListCursor(before);
    // A generation built before the activity index (projection version 6) carries none of its keys:
    // until a replay switches from it (on AWS the index is added in place), the story list is read
    // whole, as before, and paged here. Its all-stories feed holds the changes made since.
    if (kind === 'stories' && this.projectionVersion < ACTIVITY_SINCE) return this.storiesFromTheList(limit, start);
    // One Query a shard, newest first, one more than asked so that `next` is only given when
    // there is more; merged newest first. Keys only: a page costs about one read unit a shard.
    const shards = await Promise.all(
      Array.from({ length: ACTIVITY_SHARDS }, (_, shard) =>
        this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: ACTIVITY_INDEX.name,
            KeyConditionExpression: start === undefined ? '#pk = :pk' : '#pk = :pk AND #key < :before',
            ExpressionAttributeNames: { '#pk': ACTIVITY_INDEX.partitionKey, ...(start === undefined ? {} : { '#key': ACTIVITY_INDEX.sortKey }) },
            ExpressionAttributeValues: {
              ':pk': kind === 'stories' ? this.layout.storiesActivityPk(shard) : this.layout.changesActivityPk(shard),
              ...(start === undefined ? {} : { ':before': start }),
            },
            ScanIndexForward: false,
            Limit: limit + 1,
          }),
        ),
      ),
    );
    const items = shards
      .flatMap((out) => out.Items ?? [])
      .sort((a, b) => (a.activityKey < b.activityKey ? 1 : a.activityKey > b.activityKey ? -1 : 0));
    const page = items.slice(0, limit);
    const keys = page.map((item): ActivityKey => {
      const key = item.activityKey as string;
      const at = key.slice(0, key.indexOf('#'));
      return kind === 'stories'
        ? { storyId: item.sk as string, at }
        : { storyId: storyIdOf(item.pk as string), updateId: (item.sk as string).slice(2), at };
    });
    const next = kind === 'stories' && items.length > limit ? encodeListCursor(page.at(-1)!.activityKey as string) : undefined;
    return { keys, ...(next ? { next } : {}) };
  }

  /** A page of the story list from the whole list (a generation without the activity index). */
  private async storiesFromTheList(limit: number, start: string | undefined): Promise<ActivityPage> {
    const keys = (await this.listStories())
      .map((s) => ({ key: `${s.lastEventAt}#${s.storyId}`, storyId: s.storyId, at: s.lastEventAt }))
      .filter((s) => start === undefined || s.key < start)
      .sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    const page = keys.slice(0, limit);
    return { keys: page.map(({ storyId, at }) => ({ storyId, at })), ...(keys.length > limit ? { next: encodeListCursor(page.at(-1)!.key) } : {}) };
  }

  /** Entries by when they happened (occurredAt, then version). */
  async timeline(storyId: string, limit: number, cursor?: string, newestFirst = false): Promise<Page<TimelineEntry>> {
    return this.queryPage(
      { IndexName: 'byTimeline', KeyConditionExpression: 'pk = :pk', ScanIndexForward: !newestFirst },
      storyId,
      limit,
      cursor,
      entryOf,
    );
  }

  timelineCursorAfter(entry: TimelineEntry): string {
    // A page of the byTimeline index ends at its table key and index key: the same cursor DynamoDB's LastEvaluatedKey gives.
    return encodeCursor({ sk: `u#${entry.updateId}`, timelineKey: timelineKey(entry) })!;
  }

  async keyEvents(storyId: string, limit: number): Promise<TimelineEntry[]> {
    const page = await this.prefixPage<Item>(storyId, 'e#', limit, false);
    const ids = page.items.map((item) => item.updateId as string);
    const order = new Map(ids.map((id, i) => [id, i]));
    return (await this.entries(storyId, ids)).sort((a, b) => order.get(a.updateId)! - order.get(b.updateId)!);
  }

  async keyPoints(storyId: string, limit: number): Promise<KeyPoint[]> {
    return (await this.prefixPage<KeyPoint>(storyId, 'k#', limit, false)).items;
  }

  async people(storyId: string, limit = 200): Promise<Person[]> {
    // Roles are counters per role (layout.ts): readers get the sorted roles that live statements give.
    const page = await this.prefixPage<Item>(storyId, 'p#', limit);
    return page.items
      .map(personCountOf)
      .filter((p) => p.statementCount > 0)
      .map(personOf);
  }

  async sources(storyId: string, limit = 200): Promise<Source[]> {
    return (await this.prefixPage<Source>(storyId, 'o#', limit)).items.filter((s) => s.updateCount > 0);
  }

  async listStories(): Promise<StorySummary[]> {
    const stories: StorySummary[] = [];
    const pages = paginateQuery(
      { client: this.db },
      { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': this.layout.listPk } },
    );
    for await (const page of pages) for (const item of page.Items ?? []) stories.push(summaryOfItem(item));
    return stories.sort((a, b) => b.lastEventAt.localeCompare(a.lastEventAt) || a.storyId.localeCompare(b.storyId));
  }

  private async prefixPage<T>(storyId: string, prefix: string, limit: number, forward = true): Promise<Page<T>> {
    return this.queryPage<T>(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':prefix': prefix },
        ScanIndexForward: forward,
      },
      storyId,
      limit,
    );
  }

  private async queryPage<T>(
    input: { IndexName?: string; KeyConditionExpression: string; ScanIndexForward: boolean; ExpressionAttributeValues?: Item },
    storyId: string,
    limit: number,
    cursor?: string,
    decode: (item: Item) => T | undefined = strip<T>,
  ): Promise<Page<T>> {
    const start = decodeCursor(cursor, this.layout.storyPk(storyId));
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        ...input,
        ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ':pk': this.layout.storyPk(storyId) },
        Limit: limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const next = encodeCursor(out.LastEvaluatedKey);
    return { items: (out.Items ?? []).map((item) => decode(item)!), ...(next ? { next } : {}) };
  }

  /**
   * The newest `limit` entries of the key-events index, as [updateId, timelineKey], newest first:
   * consistent reads, for a snapshot written right after the transaction that made its version.
   */
  protected async newestKeyEvents(storyId: string, limit: number): Promise<[updateId: string, timelineKey: string][]> {
    const items = await this.allOf<Item>(storyId, 'e#', 'sk, updateId', { limit, newestFirst: true });
    return items.map((item) => [String(item.updateId), String(item.sk).slice(2)]);
  }

  /** The latest time-travel snapshot at or below `version`. */
  async snapshotAt(storyId: string, version: number): Promise<TimeTravelSnapshot | undefined> {
    const pk = this.layout.storyPk(storyId);
    const last = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':pk': pk, ':lo': 's#', ':hi': `s#${changeKey(version)}#~` },
        ProjectionExpression: 'sk',
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const sk = last.Items?.[0]?.sk as string | undefined;
    if (!sk) return undefined;
    const prefix = sk.slice(0, sk.lastIndexOf('#') + 1);
    const chunks: Item[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) chunks.push(...(page.Items ?? []));
    const head = chunks.find((c) => c.head)?.head as StoryHead | undefined;
    if (!head) return undefined;
    return {
      head,
      people: chunks.flatMap((c) =>
        ((c.people ?? []) as [string, TimeTravelSnapshot['people'][number][1] & { roles?: unknown }][]).map(
          ([key, p]): TimeTravelSnapshot['people'][number] => [
            key,
            { name: p.name, statementCount: p.statementCount, roleCounts: withLegacyRoles(p.roleCounts, p.roles) },
          ],
        ),
      ),
      sources: chunks.flatMap((c) => (c.sources ?? []) as TimeTravelSnapshot['sources']),
      ...(chunks.some((c) => c.keyEvents)
        ? { keyEvents: chunks.flatMap((c) => (c.keyEvents ?? []) as NonNullable<TimeTravelSnapshot['keyEvents']>) }
        : {}),
    };
  }

  /** An entry as it stood at `version`, if a correction or retraction at or below it changed it. */
  async revisionAt(storyId: string, updateId: string, version: number): Promise<TimelineEntry | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':pk': this.layout.storyPk(storyId), ':lo': `r#${updateId}#`, ':hi': `r#${updateId}#${changeKey(version)}` },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    return entryOf(out.Items?.[0]);
  }

  /** Retractions recorded after `version`, oldest first: one item each (`x#<version>`), so O(retractions since). */
  async retractionsAfter(storyId: string, version: number): Promise<RetractionIndexEntry[]> {
    const found: RetractionIndexEntry[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':pk': this.layout.storyPk(storyId), ':lo': `x#${changeKey(version + 1)}`, ':hi': 'x#~' },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        found.push({ target: item.target as string, targetVersion: item.targetVersion as number, retraction: item.retraction as RetractionNotice });
      }
    }
    return found;
  }

  /** The latest key points at or below `version`, oldest first. */
  async keyPointsAt(storyId: string, version: number, limit: number): Promise<KeyPoint[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':pk': this.layout.storyPk(storyId), ':lo': 'k#', ':hi': `k#${changeKey(version)}` },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((item) => strip<KeyPoint>(item)!).reverse();
  }

  /** Keys of every item of a story in this generation (for a rebuild in place). */
  async storyKeys(storyId: string): Promise<string[]> {
    return (await this.allOf<Item>(storyId, '', 'sk')).map((item) => String(item.sk));
  }

  /** A story's items under `prefix`, read consistently: all of them, or the first `limit` (newest first: by key, descending). */
  protected async allOf<T>(
    storyId: string,
    prefix: string,
    projection?: string,
    { limit, newestFirst = false }: { limit?: number; newestFirst?: boolean } = {},
  ): Promise<T[]> {
    const out: T[] = [];
    const pages = paginateQuery(
      { client: this.db, ...(limit === undefined ? {} : { pageSize: Math.min(limit, 1_000) }) },
      {
        TableName: this.table,
        KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': this.layout.storyPk(storyId), ...(prefix ? { ':prefix': prefix } : {}) },
        ConsistentRead: true,
        ScanIndexForward: !newestFirst,
        ...(projection ? { ProjectionExpression: projection } : {}),
      },
    );
    for await (const page of pages) {
      out.push(...((page.Items ?? []) as T[]));
      if (limit !== undefined && out.length >= limit) return out.slice(0, limit);
    }
    return out;
  }
}
