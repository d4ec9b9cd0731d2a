/**
 * What replay keeps in the views table (keys in layout.ts), behind the ports declared with the
 * replay use case: build records and per-story progress (BuildStore), and whole generations
 * (GenerationStore): the pointer switch, a story's items written while it is folded, a story
 * replaced in place, a generation deleted.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  paginateQuery,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { forEachLimit, patiently, readAhead, UNAVAILABLE_PAUSES_MS } from '../../../application/async';
import { StaleHeadError } from '../../../application/errors';
import {
  FINISH_STEP,
  type BuildLog,
  type BuildRecord,
  type Generations,
  type RebuildCheckpoint,
  type RebuildWriteOptions,
  type RebuildWriter,
  type ReplayContext,
  type ViewParts,
} from '../../../application/replay';
import type { StoredView } from '../../../application/ports';
import type { KeyPoint, PersonCount, Source, StoryHead, TimelineEntry } from '../../../domain/projection/story-view';
import { BatchWriter } from '../batch-writer';
import { cancellationCodes, isConditionFailure } from '../client';
import { WriteBudget } from '../write-budget';
import { BUILDS, entryOf, ViewLayout, type Item } from './layout';
import { activeGeneration, setActiveGeneration } from './pointer';
import { ViewStore } from './writes';

/**
 * BatchWriteItem calls in flight per story being rebuilt, unless replay asks otherwise (the local
 * replay; on AWS the replay function passes its own). DynamoDB Local writes a database's items one
 * at a time, about 100 µs each whatever their size or indexes: enough calls in flight keep that
 * writer busy while Node folds and the events are read (16 against 8: a 50,000-event story 15.2 s
 * against 16.6 s, docs/benchmarks.md).
 */
export const DEFAULT_WRITE_CONCURRENCY = 16;

/** Bytes of a checkpoint's state per item: with its keys, far below DynamoDB's 400 KB item limit. */
export const CHECKPOINT_CHUNK_BYTES = 350_000;

/** Partitions a generation's deletion empties at once (each with DEFAULT_WRITE_CONCURRENCY batch deletes in flight). */
const PARTITIONS_AT_ONCE = 4;

/** Replay's stores on the views table: the DynamoDB side of a ReplayContext. */
export function replayStores(db: DynamoDBDocumentClient, table: string): Pick<ReplayContext, 'builds' | 'generations'> {
  return { builds: new BuildStore(db, table), generations: new GenerationStore(db, table) };
}

class BuildStore implements BuildLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async list(): Promise<BuildRecord[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :b)',
        ExpressionAttributeValues: { ':pk': BUILDS.pk, ':b': BUILDS.prefix },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map((item) => buildRecordOf(item)!);
  }

  async read(generation: string): Promise<BuildRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: new ViewLayout(generation).buildKey, ConsistentRead: true }));
    return buildRecordOf(out.Item);
  }

  async create(build: BuildRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...new ViewLayout(build.generation).buildKey, ...build },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async remove(generation: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: new ViewLayout(generation).buildKey }));
  }

  async setTotal(generation: string, total: number): Promise<void> {
    await this.updateBuild(generation, {
      UpdateExpression: 'SET #t = :t',
      ExpressionAttributeNames: { '#t': 'total' },
      ExpressionAttributeValues: { ':t': total },
    });
  }

  async finishedStories(generation: string): Promise<Map<string, number>> {
    const done = new Map<string, number>();
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': new ViewLayout(generation).progressPk },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) done.set(String(item.sk), Number(item.version));
    return done;
  }

  /** The progress item and the count in one transaction, so that a retried invocation counts the story once. */
  async markStoryDone(generation: string, storyId: string, version: number): Promise<number | undefined> {
    const layout = new ViewLayout(generation);
    const progress = { pk: layout.progressPk, sk: storyId, version };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.table, Item: progress, ConditionExpression: 'attribute_not_exists(pk)' } },
            {
              Update: {
                TableName: this.table,
                Key: layout.buildKey,
                // A story repaired after its message went to the DLQ is no longer failed.
                UpdateExpression: 'ADD done :one DELETE failed :story',
                ExpressionAttributeValues: { ':one': 1, ':story': new Set([storyId]) },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (cancellationCodes(error)?.[0] !== 'ConditionalCheckFailed') throw error;
      await this.db.send(new PutCommand({ TableName: this.table, Item: progress }));
      return undefined;
    }
    return Number((await this.read(generation))?.done ?? 0);
  }

  async isStoryDone(generation: string, storyId: string): Promise<boolean> {
    const key = { pk: new ViewLayout(generation).progressPk, sk: storyId };
    return (await this.db.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }))).Item !== undefined;
  }

  /** The lease is an item of the story's checkpoint partition, so that dropping the checkpoint drops it too. */
  async leaseStory(generation: string, storyId: string, owner: string, now: number, until: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: new ViewLayout(generation).checkpointPk(storyId), sk: 'lease', owner, until },
          ConditionExpression: 'attribute_not_exists(pk) OR #o = :owner OR #u < :now',
          ExpressionAttributeNames: { '#o': 'owner', '#u': 'until' },
          ExpressionAttributeValues: { ':owner': owner, ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async releaseStory(generation: string, storyId: string, owner: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: new ViewLayout(generation).checkpointPk(storyId), sk: 'lease' },
          ConditionExpression: '#o = :owner',
          ExpressionAttributeNames: { '#o': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async markFailed(generation: string, storyId: string): Promise<void> {
    await this.updateBuild(generation, {
      UpdateExpression: 'ADD failed :story',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':story': new Set([storyId]) },
    }).catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error; // no such build: nothing to record on
    });
  }

  async claimFinish(generation: string, now: number, staleBefore: number): Promise<boolean> {
    try {
      await this.updateBuild(generation, {
        UpdateExpression: 'SET #s = :switching, claimedAt = :now',
        ConditionExpression: '(#s = :building AND done >= #t) OR (#s = :switching AND (attribute_not_exists(claimedAt) OR claimedAt < :stale))',
        ExpressionAttributeNames: { '#s': 'status', '#t': 'total' },
        ExpressionAttributeValues: { ':switching': 'switching', ':building': 'building', ':now': now, ':stale': staleBefore },
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async markSwitched(generation: string, at: string): Promise<void> {
    await this.updateBuild(generation, {
      // A finish that failed before (its message went to the DLQ) and was run again is no longer failed.
      UpdateExpression: 'SET #s = :s, switchedAt = :at DELETE failed :finish',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': 'switched', ':at': at, ':finish': new Set([FINISH_STEP]) },
    });
  }

  async forgetProgress(generation: string): Promise<void> {
    await deletePartition(this.db, this.table, new ViewLayout(generation).progressPk);
  }

  private updateBuild(generation: string, update: Omit<UpdateCommandInput, 'TableName' | 'Key'>) {
    return this.db.send(new UpdateCommand({ TableName: this.table, Key: new ViewLayout(generation).buildKey, ...update }));
  }
}

class GenerationStore implements Generations {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  active(): Promise<string> {
    return activeGeneration(this.db, this.table);
  }

  switchTo(generation: string, from: string, at: string): Promise<void> {
    return setActiveGeneration(this.db, this.table, generation, from, { switchedAt: at, previous: from });
  }

  views(generation: string): ViewStore {
    return new ViewStore(this.db, this.table, generation);
  }

  rebuildWriter(generation: string, options: RebuildWriteOptions & { written?: (events: number) => void }): RebuildWriter {
    return new StoryItemsWriter(
      new ViewLayout(generation),
      this.db,
      this.table,
      options.concurrency ?? DEFAULT_WRITE_CONCURRENCY,
      options.written,
      options.unitsPerSecond ? new WriteBudget(options.unitsPerSecond) : undefined,
    );
  }

  /**
   * The state (head, key points, people, sources) as JSON bytes in chunks of CHECKPOINT_CHUNK_BYTES
   * (`c#<version>#<n>`), then the manifest naming them, then the previous checkpoint's chunks are
   * deleted: a rebuild killed while saving finds the previous checkpoint whole.
   */
  async saveCheckpoint(generation: string, storyId: string, checkpoint: RebuildCheckpoint): Promise<void> {
    const pk = new ViewLayout(generation).checkpointPk(storyId);
    const { head, keyPoints, people, sources } = checkpoint.view;
    const state: CheckpointState = { head, keyPoints, people: [...people], sources: [...sources] };
    const bytes = Buffer.from(JSON.stringify(state), 'utf8');
    const prefix = `c#${String(checkpoint.version).padStart(12, '0')}#`;
    const chunks = Math.max(1, Math.ceil(bytes.length / CHECKPOINT_CHUNK_BYTES));
    const writer = new BatchWriter(this.db, this.table, 2, undefined, undefined, UNAVAILABLE_PAUSES_MS);
    await writer.put(
      Array.from({ length: chunks }, (_, n) => ({
        pk,
        sk: `${prefix}${String(n).padStart(6, '0')}`,
        data: bytes.subarray(n * CHECKPOINT_CHUNK_BYTES, (n + 1) * CHECKPOINT_CHUNK_BYTES),
      })),
    );
    await writer.flush();
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk, sk: 'manifest', version: checkpoint.version, events: checkpoint.events, prefix, chunks, bytes: bytes.length },
      }),
    );
    const old = await this.keysOf(pk, 'c#');
    await deleteKeys(
      this.db,
      this.table,
      old.filter((key) => !String(key.sk).startsWith(prefix)),
    );
  }

  async readCheckpoint(generation: string, storyId: string): Promise<RebuildCheckpoint | undefined> {
    const layout = new ViewLayout(generation);
    const pk = layout.checkpointPk(storyId);
    const manifest = (await this.db.send(new GetCommand({ TableName: this.table, Key: { pk, sk: 'manifest' }, ConsistentRead: true }))).Item;
    if (!manifest) return undefined;
    const parts: Uint8Array[] = [];
    for await (const page of paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': pk, ':p': manifest.prefix as string },
        ConsistentRead: true,
      },
    )) {
      for (const item of page.Items ?? []) parts.push(item.data as Uint8Array);
    }
    if (parts.length !== manifest.chunks)
      throw new Error(`checkpoint of ${storyId} in ${generation} has ${parts.length} of ${String(manifest.chunks)} chunks`);
    const state = JSON.parse(Buffer.concat(parts).toString('utf8')) as CheckpointState;
    const entries = new Map<string, TimelineEntry>();
    for await (const page of paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :u)',
        ExpressionAttributeValues: { ':pk': layout.storyPk(storyId), ':u': 'u#' },
        ConsistentRead: true,
      },
    )) {
      for (const item of page.Items ?? []) {
        const entry = entryOf(item)!;
        entries.set(entry.updateId, entry);
      }
    }
    return {
      version: Number(manifest.version),
      events: Number(manifest.events),
      view: { head: state.head, keyPoints: state.keyPoints, people: new Map(state.people), sources: new Map(state.sources), entries },
    };
  }

  async dropCheckpoint(generation: string, storyId: string): Promise<void> {
    await deletePartition(this.db, this.table, new ViewLayout(generation).checkpointPk(storyId));
  }

  private async keysOf(pk: string, prefix: string): Promise<Item[]> {
    const keys: Item[] = [];
    for await (const page of paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': pk, ':p': prefix },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      },
    )) {
      keys.push(...(page.Items ?? []));
    }
    return keys;
  }

  async replaceStory(
    generation: string,
    view: StoredView,
    expectedVersion: number | undefined,
    options: { concurrency?: number; events: number; written?: (events: number) => void },
  ): Promise<{ items: number; deleted: number }> {
    const views = this.views(generation);
    const concurrency = options.concurrency ?? DEFAULT_WRITE_CONCURRENCY;
    const items = views.layout.viewItems(view);
    const pk = views.layout.storyPk(view.head.storyId);
    const [headItem, ...rest] = items;
    const keep = new Set(items.filter((i) => i.pk === pk).map((i) => String(i.sk)));
    const stale = (await views.storyKeys(view.head.storyId)).filter((sk) => !keep.has(sk)).map((sk) => ({ pk, sk }));
    await views.deleteKeys(stale, concurrency, UNAVAILABLE_PAUSES_MS);
    let written = 0;
    await views.batchPut(
      rest,
      concurrency,
      (n) => {
        // Items are written in no event order here: report the share of the story's events.
        const before = Math.floor((written / items.length) * options.events);
        written += n;
        options.written?.(Math.floor((written / items.length) * options.events) - before);
      },
      UNAVAILABLE_PAUSES_MS,
    );
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: headItem!,
          ...(expectedVersion !== undefined
            ? { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new StaleHeadError(view.head.storyId);
      throw error;
    }
    return { items: items.length, deleted: stale.length };
  }

  /** Queries only, no scan: O(items of that generation + stories). */
  async delete(generation: string, storyIds: string[]): Promise<number> {
    const views = this.views(generation);
    const ids = new Set([...storyIds, ...(await views.listStories()).map((s) => s.storyId)]);
    const partitions = [
      ...[...ids].flatMap((id) => [views.layout.storyPk(id), views.layout.checkpointPk(id)]),
      views.layout.listPk,
      views.layout.progressPk,
    ];
    let deleted = 0;
    await forEachLimit(partitions, PARTITIONS_AT_ONCE, async (pk) => {
      const n = await deletePartition(this.db, this.table, pk);
      deleted += n;
    });
    return deleted;
  }
}

/**
 * RebuildWriter: the items of the parts it is handed go to a BatchWriter, and the events that
 * produced them are reported written once every one of their items is.
 */
class StoryItemsWriter implements RebuildWriter {
  private readonly marks: { items: number; events: number }[] = [];
  private expected = 0;
  private written = 0;
  private readonly writer: BatchWriter;

  constructor(
    private readonly layout: ViewLayout,
    db: DynamoDBDocumentClient,
    table: string,
    concurrency: number,
    private readonly onEvents?: (events: number) => void,
    budget?: WriteBudget,
  ) {
    this.writer = new BatchWriter(db, table, concurrency, this.onWritten, budget, UNAVAILABLE_PAUSES_MS);
  }

  get items() {
    return this.written;
  }

  put(parts: ViewParts, events: number): Promise<void> {
    const items: Item[] = [];
    for (const entry of parts.entries ?? []) items.push(this.layout.entryItem(entry));
    // The finished fold's entries: their key-events index items, and the latest changes' activity lines.
    const final = [...(parts.keyEvents ?? [])];
    items.push(...this.layout.keyEventItems(final));
    if (final.length > 0) items.push(...this.layout.recentChangeItems(final));
    for (const revision of parts.revisions ?? []) items.push(...this.layout.revisionItems(revision));
    for (const snapshot of parts.snapshots ?? []) items.push(...this.layout.snapshotItems(snapshot));
    if (parts.storyWide) items.push(...this.layout.storyWideItems(parts.storyWide));
    this.expected += items.length;
    this.marks.push({ items: this.expected, events });
    this.onWritten(0);
    return this.writer.put(items);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  private readonly onWritten = (n: number) => {
    this.written += n;
    while (this.marks.length > 0 && this.marks[0]!.items <= this.written) {
      const { events } = this.marks.shift()!;
      this.onEvents?.(events);
    }
  };
}

/** What a checkpoint stores besides the entries (which are in the generation). */
interface CheckpointState {
  head: StoryHead;
  keyPoints: KeyPoint[];
  people: [string, PersonCount][];
  sources: [string, Source][];
}

/** A build record as stored: `failed` is a string set (absent when empty). */
function buildRecordOf(item: Item | undefined): BuildRecord | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, failed, ...rest } = item;
  const record = rest as BuildRecord;
  return failed instanceof Set && failed.size > 0 ? { ...record, failed: [...(failed as Set<string>)].sort() } : record;
}

async function deleteKeys(db: DynamoDBDocumentClient, table: string, keys: Item[]): Promise<void> {
  const writer = new BatchWriter(db, table, DEFAULT_WRITE_CONCURRENCY, undefined, undefined, UNAVAILABLE_PAUSES_MS);
  await writer.delete(keys);
  await writer.flush();
}

/**
 * Deletes every item of a partition: replay's cleanup of the old generation, its progress and its
 * checkpoints. Both sides ride out a store stalled for seconds (UNAVAILABLE_PAUSES_MS): the batch
 * deletes, and the pages of keys, each asked for again from where the one before ended. A cleanup
 * of 115,000 items on this 2-core machine has had a page of keys time out at every attempt, after
 * the readers were switched (docs/benchmarks.md, session 24).
 */
async function deletePartition(db: DynamoDBDocumentClient, table: string, pk: string): Promise<number> {
  const writer = new BatchWriter(db, table, DEFAULT_WRITE_CONCURRENCY, undefined, undefined, UNAVAILABLE_PAUSES_MS);
  let deleted = 0;
  const pages = queryPatiently(db, {
    TableName: table,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
    ProjectionExpression: 'pk, sk',
  });
  // The next page of keys is read while this one is deleted.
  for await (const items of readAhead(pages)) {
    await writer.delete(items);
    deleted += items.length;
  }
  await writer.flush();
  return deleted;
}

/**
 * The items of a Query, page by page; a page the store does not answer (StoreUnavailableError) is
 * asked for again, from the key the page before it ended at, after each of UNAVAILABLE_PAUSES_MS.
 */
async function* queryPatiently(db: DynamoDBDocumentClient, input: QueryCommandInput): AsyncGenerator<Item[]> {
  let start: Item | undefined;
  do {
    const from = start;
    const page = await patiently(() => db.send(new QueryCommand(from ? { ...input, ExclusiveStartKey: from } : input)));
    start = page.LastEvaluatedKey;
    yield page.Items ?? [];
  } while (start);
}
