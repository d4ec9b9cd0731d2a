/**
 * The views table: the developing-story view stored as many small items, so no item grows with
 * the story and every read costs O(page), not O(story).
 *
 *   pk `<gen>#story#<id>`  sk `head`          the story head (headline, status, version, counts)
 *                          sk `u#<updateId>`  one timeline entry per article/statement, as one JSON
 *                                             attribute `entry`; LSI byTimeline (timelineKey)
 *                          sk `k#<version>`   key points (headline changes)
 *                          sk `p#<name>`      people quoted, with statement counts
 *                          sk `o#<outlet>`    sources
 *                          sk `r#<updateId>#<version>`  an entry's state after a correction or
 *                                             retraction (time travel; not in the index)
 *                          sk `s#<version>#<n>`  time-travel snapshot every SNAPSHOT_INTERVAL
 *                                             versions: head, people, sources, in bounded chunks
 *   pk `<gen>#stories`     sk `<id>`          the story list
 *   pk `<gen>#build`       sk `<id>`          replay progress of a generation being built
 *   pk `meta`              sk `generation`    the active generation pointer
 *                          sk `build#<gen>`   a generation build (replay) and its counts
 *
 * Entries are always written and read whole, so they are stored as one JSON string rather than
 * as DynamoDB attributes: a third cheaper to write (and to rebuild), fewer bytes on AWS. Feeds
 * (latest changes) and archive pages (entries by creation version) need no index of their own:
 * the events table already orders every change by version (see feed-entries.ts).
 *
 * `<gen>` is the projection generation: replay builds a new one beside the live one and then
 * switches the pointer, so readers never see a half-built view.
 */
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  paginateQuery,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import {
  changeKey,
  isRevision,
  PROJECTION_VERSION,
  timelineKey,
  type CountDelta,
  type KeyPoint,
  type Person,
  type Source,
  type StoryHead,
  type TimelineEntry,
  type ViewStep,
} from '../../domain/projection/story-view';
import type { TimeTravelSnapshot } from '../../domain/projection/rebuild';
import { summaryOf, type StorySummary } from '../../domain/projection/story-summary';
import { GenerationMovedError, StaleHeadError } from '../../application/errors';
import type { GenerationViews, Page, ViewWriter } from '../../application/ports';
import { BatchWriter } from './batch-writer';
import { cancellationCodes, isConditionFailure } from './client';

type Item = Record<string, NativeAttributeValue>;

export const POINTER = { pk: 'meta', sk: 'generation' };
export const DEFAULT_GENERATION = 'v1';
/** A transaction holds at most 100 items; keep room for the head and story-list items. */
const MAX_TRANSACTION_ITEMS = 96;
/** People or sources per snapshot chunk item: far below 400 KB even with long names. */
const SNAPSHOT_CHUNK = 500;

export interface GenerationPointer {
  generation: string;
  /** PROJECTION_VERSION of the code that built it; 1 for stores from before the pointer recorded it. */
  projectionVersion: number;
  switchedAt?: string;
  previous?: string;
}

export async function readPointer(db: DynamoDBDocumentClient, table: string): Promise<GenerationPointer | undefined> {
  const out = await db.send(new GetCommand({ TableName: table, Key: POINTER, ConsistentRead: true }));
  if (!out.Item) return undefined;
  return { ...(out.Item as GenerationPointer), projectionVersion: Number(out.Item.projectionVersion ?? 1) };
}

export async function activeGeneration(db: DynamoDBDocumentClient, table: string): Promise<string> {
  return (await readPointer(db, table))?.generation ?? DEFAULT_GENERATION;
}

/**
 * Points readers and the projector at `generation`, atomically (one conditional PutItem), only if
 * the pointer is still at `expected`.
 */
export async function setActiveGeneration(
  db: DynamoDBDocumentClient,
  table: string,
  generation: string,
  expected: string,
  extra: Partial<GenerationPointer> = {},
) {
  const pointer: GenerationPointer = { generation, projectionVersion: PROJECTION_VERSION, ...extra };
  try {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { ...POINTER, ...pointer },
        // No pointer item yet means the default generation is active.
        ConditionExpression: expected === DEFAULT_GENERATION ? 'attribute_not_exists(pk) OR generation = :expected' : 'generation = :expected',
        ExpressionAttributeValues: { ':expected': expected },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new GenerationMovedError(`the active generation is no longer ${expected}`);
    throw error;
  }
}

// Cursors leave out the partition key (it names the generation), so a cursor handed out before a
// replay switched generations still pages the same story afterwards.
const encodeCursor = (key: Item | undefined) => {
  if (!key) return undefined;
  const { pk: _, ...rest } = key;
  return Buffer.from(JSON.stringify(rest)).toString('base64url');
};
const decodeCursor = (cursor: string | undefined, pk: string): Item | undefined => {
  if (!cursor) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? { ...(parsed as Item), pk } : undefined;
  } catch {
    return undefined;
  }
};

function strip<T>(item: Item | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}

function entryOf(item: Item | undefined): TimelineEntry | undefined {
  return item && (JSON.parse(item.entry as string) as TimelineEntry);
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

/** BatchGetItem takes at most 100 keys a call. */
const BATCH_GET = 100;

/** What a whole story's view is stored as: every item, written once by replay. */
export interface StoredView {
  head: StoryHead;
  entries: Iterable<TimelineEntry>;
  keyPoints: KeyPoint[];
  people: Map<string, Person>;
  sources: Map<string, Source>;
  revisions?: TimelineEntry[];
  snapshots?: TimeTravelSnapshot[];
}

const personItem = (pk: string, key: string, person: Person): Item => {
  const { roles, ...rest } = person;
  return { pk, sk: `p#${key}`, ...rest, ...(roles.length > 0 ? { roles: new Set(roles) } : {}) };
};

/** The active generation's views, found through the pointer at each call (readers cache them for a while themselves). */
export function activeViews(db: DynamoDBDocumentClient, table: string): () => Promise<ViewStore> {
  return async () => new ViewStore(db, table, await activeGeneration(db, table));
}

export class ViewStore implements GenerationViews, ViewWriter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly table: string,
    readonly generation: string = DEFAULT_GENERATION,
  ) {}

  storyPk(storyId: string) {
    return `${this.generation}#story#${storyId}`;
  }

  private get listPk() {
    return `${this.generation}#stories`;
  }

  async head(storyId: string, consistent = false): Promise<StoryHead | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: this.storyPk(storyId), sk: 'head' }, ConsistentRead: consistent }),
    );
    return strip<StoryHead>(out.Item);
  }

  async entry(storyId: string, updateId: string, consistent = false): Promise<TimelineEntry | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: this.storyPk(storyId), sk: `u#${updateId}` }, ConsistentRead: consistent }),
    );
    return entryOf(out.Item);
  }

  /**
   * The current state of the entries `updateIds`, in no particular order (ids with no entry are
   * left out): BatchGetItem, 100 keys a call, unprocessed keys retried.
   */
  async entries(storyId: string, updateIds: readonly string[]): Promise<TimelineEntry[]> {
    const pk = this.storyPk(storyId);
    const found: TimelineEntry[] = [];
    for (let i = 0; i < updateIds.length; i += BATCH_GET) {
      let keys: Item[] = updateIds.slice(i, i + BATCH_GET).map((id) => ({ pk, sk: `u#${id}` }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
        const out = await this.db.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys } } }));
        for (const item of out.Responses?.[this.table] ?? []) found.push(entryOf(item)!);
        keys = out.UnprocessedKeys?.[this.table]?.Keys ?? [];
      }
    }
    return found;
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

  async keyPoints(storyId: string, limit: number): Promise<KeyPoint[]> {
    return (await this.prefixPage<KeyPoint>(storyId, 'k#', limit, false)).items;
  }

  async people(storyId: string, limit = 200): Promise<Person[]> {
    // Roles are a DynamoDB string set (so concurrent ADDs merge); readers get a sorted list.
    const page = await this.prefixPage<Omit<Person, 'roles'> & { roles?: Set<string> }>(storyId, 'p#', limit);
    return page.items
      .filter((p) => p.statementCount > 0)
      .map((p) => ({ ...p, roles: [...(p.roles ?? [])].sort() }));
  }

  async sources(storyId: string, limit = 200): Promise<Source[]> {
    return (await this.prefixPage<Source>(storyId, 'o#', limit)).items.filter((s) => s.updateCount > 0);
  }

  async listStories(): Promise<StorySummary[]> {
    const stories: StorySummary[] = [];
    const pages = paginateQuery(
      { client: this.db },
      { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': this.listPk } },
    );
    for await (const page of pages) for (const item of page.Items ?? []) stories.push(strip<StorySummary>(item)!);
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
    const start = decodeCursor(cursor, this.storyPk(storyId));
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        ...input,
        ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ':pk': this.storyPk(storyId) },
        Limit: limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const next = encodeCursor(out.LastEvaluatedKey);
    return { items: (out.Items ?? []).map((item) => decode(item)!), ...(next ? { next } : {}) };
  }

  /**
   * Writes what a contiguous run of events changed, on top of the head at `prevVersion`.
   * Each transaction is conditional on the head it builds on, so a redelivered or concurrent run
   * cannot apply twice (the count deltas are not idempotent on their own). Throws StaleHeadError
   * if the head moved.
   */
  async applySteps(storyId: string, prevVersion: number, steps: ViewStep[]): Promise<void> {
    let base = prevVersion;
    for (const chunk of chunkSteps(steps)) {
      const items = this.itemsFor(chunk);
      const head = chunk.at(-1)!.head;
      const transact = [
        {
          Put: {
            TableName: this.table,
            Item: items.head,
            ...(base === 0
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: 'version = :prev', ExpressionAttributeValues: { ':prev': base } }),
          },
        },
        { Put: { TableName: this.table, Item: items.summary } },
        ...items.puts.map((Item) => ({ Put: { TableName: this.table, Item } })),
        ...items.deltas.map((Update) => ({ Update: { TableName: this.table, ...Update } })),
      ];
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: transact }));
      } catch (error) {
        if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') throw new StaleHeadError(storyId);
        throw error;
      }
      base = head.version;
    }
  }

  /** Every item of a whole folded story, head first. */
  viewItems(view: StoredView): Item[] {
    const items = this.storyWideItems(view);
    for (const entry of view.entries) items.push(this.entryItem(entry));
    for (const revision of view.revisions ?? []) items.push(this.revisionItem(revision));
    for (const snapshot of view.snapshots ?? []) items.push(...this.snapshotItems(snapshot));
    return items;
  }

  /** The head (first), the story-list summary, key points, people and sources of a folded story. */
  storyWideItems(view: Pick<StoredView, 'head' | 'keyPoints' | 'people' | 'sources'>): Item[] {
    const pk = this.storyPk(view.head.storyId);
    const items: Item[] = [
      { pk, sk: 'head', ...view.head },
      { pk: this.listPk, sk: view.head.storyId, ...summaryOf(view.head) },
    ];
    for (const point of view.keyPoints) items.push({ pk, sk: `k#${changeKey(point.version)}`, ...point });
    for (const [key, person] of view.people) items.push(personItem(pk, key, person));
    for (const [key, source] of view.sources) items.push({ pk, sk: `o#${key}`, ...source });
    return items;
  }

  /**
   * Writes a whole folded story into this generation with batch writes: for replay into a fresh
   * generation that no reader sees yet, so no condition is needed and items are written once.
   */
  async writeView(view: StoredView, concurrency = 4): Promise<number> {
    const items = this.viewItems(view);
    await this.batchPut(items, concurrency);
    return items.length;
  }

  /** Records the story-wide parts at the head's version for time travel (the projector calls it at each SNAPSHOT_INTERVAL). */
  async writeTimeTravelSnapshot(head: StoryHead): Promise<void> {
    const [people, sources] = await Promise.all([this.allOf<Item>(head.storyId, 'p#'), this.allOf<Item>(head.storyId, 'o#')]);
    const snapshot: TimeTravelSnapshot = {
      head,
      people: people.map(({ pk: _pk, sk, roles, ...p }) => [String(sk).slice(2), { ...(p as Omit<Person, 'roles'>), roles: [...((roles as Set<string> | undefined) ?? [])].sort() }]),
      sources: sources.map(({ pk: _pk, sk, ...s }) => [String(sk).slice(2), s as Source]),
    };
    await this.batchPut(this.snapshotItems(snapshot));
  }

  /** The latest time-travel snapshot at or below `version`. */
  async snapshotAt(storyId: string, version: number): Promise<TimeTravelSnapshot | undefined> {
    const pk = this.storyPk(storyId);
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
      people: chunks.flatMap((c) => (c.people ?? []) as TimeTravelSnapshot['people']),
      sources: chunks.flatMap((c) => (c.sources ?? []) as TimeTravelSnapshot['sources']),
    };
  }

  /** An entry as it stood at `version`, if a correction or retraction at or below it changed it. */
  async revisionAt(storyId: string, updateId: string, version: number): Promise<TimelineEntry | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':pk': this.storyPk(storyId), ':lo': `r#${updateId}#`, ':hi': `r#${updateId}#${changeKey(version)}` },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    return entryOf(out.Items?.[0]);
  }

  /** The latest key points at or below `version`, oldest first. */
  async keyPointsAt(storyId: string, version: number, limit: number): Promise<KeyPoint[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':pk': this.storyPk(storyId), ':lo': 'k#', ':hi': `k#${changeKey(version)}` },
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

  async deleteKeys(keys: { pk: string; sk: string }[], concurrency = 4): Promise<void> {
    const writer = this.writer(concurrency);
    await writer.delete(keys);
    await writer.flush();
  }

  async deleteItem(key: { pk: string; sk: string }): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: key }));
  }

  private async allOf<T>(storyId: string, prefix: string, projection?: string): Promise<T[]> {
    const out: T[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': this.storyPk(storyId), ...(prefix ? { ':prefix': prefix } : {}) },
        ConsistentRead: true,
        ...(projection ? { ProjectionExpression: projection } : {}),
      },
    );
    for await (const page of pages) out.push(...((page.Items ?? []) as T[]));
    return out;
  }

  /** A BatchWriteItem writer for this table (replay feeds it while it reads). */
  writer(concurrency = 4, onWritten?: (n: number) => void): BatchWriter {
    return new BatchWriter(this.db, this.table, concurrency, onWritten);
  }

  async batchPut(items: Item[], concurrency = 4, onWritten?: (n: number) => void): Promise<void> {
    const writer = this.writer(concurrency, onWritten);
    await writer.put(items);
    await writer.flush();
  }

  revisionItem(entry: TimelineEntry): Item {
    // No timelineKey attribute: revisions stay out of the timeline index.
    return { pk: this.storyPk(entry.storyId), sk: `r#${entry.updateId}#${changeKey(entry.changeVersion)}`, entry: entryJson(entry) };
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

  entryItem(entry: TimelineEntry): Item {
    return { pk: this.storyPk(entry.storyId), sk: `u#${entry.updateId}`, timelineKey: timelineKey(entry), entry: entryJson(entry) };
  }

  private itemsFor(steps: ViewStep[]) {
    const head = steps.at(-1)!.head;
    const pk = this.storyPk(head.storyId);
    const entries = new Map<string, TimelineEntry>();
    const puts: Item[] = [];
    for (const step of steps) {
      if (step.entry) entries.set(step.entry.updateId, step.entry);
      if (isRevision(step)) puts.push(this.revisionItem(step.entry!));
      if (step.keyPoint) puts.push({ pk, sk: `k#${changeKey(step.keyPoint.version)}`, ...step.keyPoint });
    }
    for (const entry of entries.values()) puts.push(this.entryItem(entry));
    const deltas = [
      ...mergeDeltas(steps.flatMap((s) => s.people)).map((d) => personUpdate(pk, d)),
      ...mergeDeltas(steps.flatMap((s) => s.sources)).map((d) => sourceUpdate(pk, d)),
    ];
    return {
      head: { pk, sk: 'head', ...head },
      summary: { pk: this.listPk, sk: head.storyId, ...summaryOf(head) },
      puts,
      deltas,
    };
  }
}

interface MergedDelta {
  key: string;
  name: string;
  delta: number;
  roles: Set<string>;
  url?: string;
}

function mergeDeltas(deltas: CountDelta[]): MergedDelta[] {
  const merged = new Map<string, MergedDelta>();
  for (const d of deltas) {
    const m = merged.get(d.key) ?? { key: d.key, name: d.name, delta: 0, roles: new Set<string>() };
    m.delta += d.delta;
    if (d.role && d.delta > 0) m.roles.add(d.role);
    if (d.url && d.delta > 0) m.url = d.url;
    merged.set(d.key, m);
  }
  return [...merged.values()];
}

function personUpdate(pk: string, d: MergedDelta) {
  return {
    Key: { pk, sk: `p#${d.key}` },
    UpdateExpression:
      'SET #name = if_not_exists(#name, :name), statementCount = if_not_exists(statementCount, :zero) + :d' +
      (d.roles.size > 0 ? ' ADD #roles :roles' : ''),
    ExpressionAttributeNames: { '#name': 'name', ...(d.roles.size > 0 ? { '#roles': 'roles' } : {}) },
    ExpressionAttributeValues: { ':name': d.name, ':zero': 0, ':d': d.delta, ...(d.roles.size > 0 ? { ':roles': d.roles } : {}) },
  };
}

function sourceUpdate(pk: string, d: MergedDelta) {
  return {
    Key: { pk, sk: `o#${d.key}` },
    UpdateExpression:
      'SET outlet = if_not_exists(outlet, :name), updateCount = if_not_exists(updateCount, :zero) + :d' +
      (d.url ? ', lastUrl = :url' : ''),
    ExpressionAttributeValues: { ':name': d.name, ':zero': 0, ':d': d.delta, ...(d.url ? { ':url': d.url } : {}) },
  };
}

/** Splits a run of steps so each transaction stays under DynamoDB's 100-item limit. */
function chunkSteps(steps: ViewStep[]): ViewStep[][] {
  const chunks: ViewStep[][] = [];
  let current: ViewStep[] = [];
  let count = 0;
  for (const step of steps) {
    const cost = (step.entry ? 1 : 0) + (isRevision(step) ? 1 : 0) + (step.keyPoint ? 1 : 0) + step.people.length + step.sources.length;
    if (current.length > 0 && count + cost > MAX_TRANSACTION_ITEMS - 2) {
      chunks.push(current);
      current = [];
      count = 0;
    }
    current.push(step);
    count += cost;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
