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
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { forEachLimit, readAhead } from '../../../application/async';
import { StaleHeadError } from '../../../application/errors';
import {
  type BuildLog,
  type BuildRecord,
  type Generations,
  type RebuildWriter,
  type ReplayContext,
  type ViewParts,
} from '../../../application/replay';
import type { StoredView } from '../../../application/ports';
import { BatchWriter } from '../batch-writer';
import { cancellationCodes, isConditionFailure } from '../client';
import { BUILDS, ViewLayout, type Item } from './layout';
import { activeGeneration, setActiveGeneration } from './pointer';
import { ViewStore } from './writes';

/** BatchWriteItem calls in flight per story being rebuilt, unless replay asks otherwise (measured best on DynamoDB Local: docs/benchmarks.md). */
export const DEFAULT_WRITE_CONCURRENCY = 8;

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
    return (out.Items ?? []) as BuildRecord[];
  }

  async read(generation: string): Promise<BuildRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: new ViewLayout(generation).buildKey, ConsistentRead: true }));
    return out.Item as BuildRecord | undefined;
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
            { Update: { TableName: this.table, Key: layout.buildKey, UpdateExpression: 'ADD done :one', ExpressionAttributeValues: { ':one': 1 } } },
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
      UpdateExpression: 'SET #s = :s, switchedAt = :at',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': 'switched', ':at': at },
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

  rebuildWriter(generation: string, options: { concurrency?: number; written?: (events: number) => void }): RebuildWriter {
    return new StoryItemsWriter(new ViewLayout(generation), this.db, this.table, options.concurrency ?? DEFAULT_WRITE_CONCURRENCY, options.written);
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
    await views.deleteKeys(stale, concurrency);
    let written = 0;
    await views.batchPut(rest, concurrency, (n) => {
      // Items are written in no event order here: report the share of the story's events.
      const before = Math.floor((written / items.length) * options.events);
      written += n;
      options.written?.(Math.floor((written / items.length) * options.events) - before);
    });
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
    const partitions = [...[...ids].map((id) => views.layout.storyPk(id)), views.layout.listPk, views.layout.progressPk];
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
  ) {
    this.writer = new BatchWriter(db, table, concurrency, this.onWritten);
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

async function deletePartition(db: DynamoDBDocumentClient, table: string, pk: string): Promise<number> {
  const writer = new BatchWriter(db, table, DEFAULT_WRITE_CONCURRENCY);
  let deleted = 0;
  const pages = paginateQuery(
    { client: db },
    { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ProjectionExpression: 'pk, sk' },
  );
  for await (const page of readAhead(pages)) {
    await writer.delete(page.Items ?? []);
    deleted += page.Items?.length ?? 0;
  }
  await writer.flush();
  return deleted;
}
