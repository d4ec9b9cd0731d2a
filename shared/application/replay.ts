/**
 * Replay: rebuilds the views from the events table (never the stream, which keeps 24 hours)
 * into a new projection generation, then switches readers to it atomically.
 *
 *   open build ──▶ rebuild each story (fold in memory, write every item once, mark it done)
 *              ──▶ rebuild stories opened since ──▶ catch up tails ──▶ switch pointer
 *              ──▶ catch up again ──▶ delete the old generation
 *
 * - Blue/green: the new generation is invisible until the pointer (pk=meta sk=generation) moves,
 *   in one conditional PutItem that fails if another replay switched first.
 * - Live writes are not lost: until the switch the live projector writes the old generation; the
 *   catch-ups project every story's tail (events after what the build wrote) from the events
 *   table into the new one, and after the switch the live projector fills any gap itself.
 * - Resumable: each finished story is recorded (pk `<gen>#build`, sk story id) and the build
 *   record (pk meta, sk `build#<gen>`) counts them; a replay that finds an unfinished build of
 *   the same PROJECTION_VERSION carries on with the stories not yet recorded. A build of an older
 *   projection version is abandoned and its items deleted.
 * - On AWS, the fan-out Lambda rebuilds one story per invocation; the invocation whose story
 *   brings `done` to `total` wins a conditional status change and finishes the build.
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
} from '@aws-sdk/lib-dynamodb';
import { projectStory } from './project-story';
import type { EventReader } from './ports';
import { StoryRebuild } from '../domain/projection/rebuild';
import { PROJECTION_VERSION } from '../domain/projection/story-view';
import { cancellationCodes, isConditionFailure, type Tables } from '../adapters/dynamodb/client';
import { DEFAULT_GENERATION, readPointer, setActiveGeneration } from '../adapters/dynamodb/views/pointer';
import { ViewStore } from '../adapters/dynamodb/views/writes';

export interface ReplayContext {
  /** Reaches the views table (the events are read through `events`). */
  db: DynamoDBDocumentClient;
  tables: Tables;
  events: EventReader;
  log?: (line: string) => void;
}

export interface BuildRecord {
  generation: string;
  projectionVersion: number;
  status: 'building' | 'switching' | 'switched';
  startedAt: string;
  /** The generation that was active when the build began; the switch expects it still is. */
  previous: string;
  total: number;
  done: number;
}

/** Reports progress as a story is rebuilt (progress bars), in events. */
export interface RebuildProgress {
  /** `events` more were read and folded. */
  read?(events: number): void;
  /** Every item that `events` more events produced is written. */
  written?(events: number): void;
}

/** BatchWriteItem calls in flight per story being rebuilt (measured best on DynamoDB Local: docs/benchmarks.md). */
export const DEFAULT_WRITE_CONCURRENCY = 8;

export interface ReplayOptions {
  /** Stories rebuilt at once (each writes with `writeConcurrency` BatchWriteItem calls in flight). */
  storyConcurrency?: number;
  writeConcurrency?: number;
  /** Wait before deleting the old generation, so readers that cached the pointer move over first. */
  cleanupDelayMs?: number;
  signal?: AbortSignal;
  /** Called with the number of events to rebuild once it is known. */
  onPlan?(plan: { events: number; stories: number; resumed: number; generation: string }): RebuildProgress | void;
  /** Called once every story is rebuilt, just before readers are switched (progress bars stop there, before cleanup). */
  onRebuilt?(): void;
  /** Called after each story is recorded as done (tests use it to simulate a crash). */
  afterStory?(storyId: string): void | Promise<void>;
  now?: () => Date;
}

export interface ReplaySummary {
  generation: string;
  previous: string;
  stories: number;
  /** Stories finished by an earlier, interrupted run of this build. */
  resumed: number;
  events: number;
  items: number;
  caughtUp: number;
  /** From start until readers were switched to the new generation and it had caught up. */
  seconds: number;
  eventsPerSecond: number;
  /** Items of the old generation deleted after the switch, and how long that took (not in `seconds`). */
  deleted: number;
  cleanupSeconds: number;
}

const buildKey = (generation: string) => ({ pk: 'meta', sk: `build#${generation}` });
const progressPk = (generation: string) => `${generation}#build`;

export function newGenerationName(now: Date): string {
  return `p${PROJECTION_VERSION}-${now.getTime().toString(36)}`;
}

async function listBuilds(ctx: ReplayContext): Promise<BuildRecord[]> {
  const out = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.tables.views,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :b)',
      ExpressionAttributeValues: { ':pk': 'meta', ':b': 'build#' },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []) as BuildRecord[];
}

export async function readBuild(ctx: ReplayContext, generation: string): Promise<BuildRecord | undefined> {
  const out = await ctx.db.send(new GetCommand({ TableName: ctx.tables.views, Key: buildKey(generation), ConsistentRead: true }));
  return out.Item as BuildRecord | undefined;
}

/** Resumes the unfinished build of this projection version, or begins a new one. */
export async function openBuild(ctx: ReplayContext, now = new Date()): Promise<{ build: BuildRecord; resumed: boolean }> {
  for (const build of await listBuilds(ctx)) {
    if (build.status === 'switched') continue;
    // 'switching': a run died while finishing; finishing again is safe (see finishBuild).
    if (build.projectionVersion === PROJECTION_VERSION) return { build, resumed: true };
    if (build.projectionVersion !== PROJECTION_VERSION) {
      ctx.log?.(`Abandoning build ${build.generation} of projection version ${build.projectionVersion}`);
      await deleteGeneration(ctx, build.generation);
      await ctx.db.send(new DeleteCommand({ TableName: ctx.tables.views, Key: buildKey(build.generation) }));
    }
  }
  const pointer = await readPointer(ctx.db, ctx.tables.views);
  const build: BuildRecord = {
    generation: newGenerationName(now),
    projectionVersion: PROJECTION_VERSION,
    status: 'building',
    startedAt: now.toISOString(),
    previous: pointer?.generation ?? DEFAULT_GENERATION,
    total: 0,
    done: 0,
  };
  await ctx.db.send(
    new PutCommand({ TableName: ctx.tables.views, Item: { ...buildKey(build.generation), ...build }, ConditionExpression: 'attribute_not_exists(pk)' }),
  );
  return { build, resumed: false };
}

export async function setBuildTotal(ctx: ReplayContext, generation: string, total: number): Promise<void> {
  await ctx.db.send(
    new UpdateCommand({ TableName: ctx.tables.views, Key: buildKey(generation), UpdateExpression: 'SET #t = :t', ExpressionAttributeNames: { '#t': 'total' }, ExpressionAttributeValues: { ':t': total } }),
  );
}

/** Stories this build has finished, with the version each was rebuilt up to. */
export async function finishedStories(ctx: ReplayContext, generation: string): Promise<Map<string, number>> {
  const done = new Map<string, number>();
  const pages = paginateQuery(
    { client: ctx.db },
    { TableName: ctx.tables.views, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': progressPk(generation) }, ConsistentRead: true },
  );
  for await (const page of pages) for (const item of page.Items ?? []) done.set(String(item.sk), Number(item.version));
  return done;
}

/**
 * Folds a story from the events table and writes its items into `generation`, writing while it
 * reads: after each page of events, the entries that page created (and its revisions and
 * snapshots) go to a BatchWriter while the next page is already being fetched. An entry changed
 * again after it was handed over (a later correction or retraction) is written once more at the
 * end, after every earlier write has finished, with the head, people, sources and key points.
 * The generation is not served yet, so the order of writes inside it does not matter to readers;
 * markStoryDone, after this returns, is what records the story as rebuilt.
 */
export async function rebuildStory(
  ctx: ReplayContext,
  generation: string,
  storyId: string,
  options: { writeConcurrency?: number; progress?: RebuildProgress } = {},
): Promise<{ version: number; events: number; items: number }> {
  const views = new ViewStore(ctx.db, ctx.tables.views, generation);
  const done = new WrittenEvents(options.progress);
  const writer = views.writer(options.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY, done.onWritten);
  const fold = new StoryRebuild();
  const handedOver = new Set<string>();
  const changedSince = new Set<string>();
  for await (const page of readAhead(ctx.events.stream(storyId))) {
    const changes = fold.add(page);
    options.progress?.read?.(page.length);
    const items = [];
    for (const updateId of changes.entries) {
      if (handedOver.has(updateId)) changedSince.add(updateId);
      else {
        handedOver.add(updateId);
        items.push(views.layout.entryItem(fold.view!.entries.get(updateId)!));
      }
    }
    for (const revision of changes.revisions) items.push(views.layout.revisionItem(revision));
    for (const snapshot of changes.snapshots) items.push(...views.layout.snapshotItems(snapshot));
    done.expect(items.length, page.length);
    await writer.put(items);
  }
  if (!fold.view) return { version: 0, events: 0, items: 0 };
  await writer.flush();
  const last = [...[...changedSince].map((id) => views.layout.entryItem(fold.view!.entries.get(id)!)), ...views.layout.storyWideItems(fold.view)];
  done.expect(last.length, 0);
  await writer.put(last);
  await writer.flush();
  // Items stored: entries changed after they were handed over were written twice.
  return { version: fold.view.head.version, events: fold.events, items: done.items - changedSince.size };
}

/** Turns items written into events whose items are all written, for RebuildProgress.written. */
class WrittenEvents {
  private readonly marks: { items: number; events: number }[] = [];
  private expected = 0;
  private written = 0;

  constructor(private readonly progress?: RebuildProgress) {}

  get items() {
    return this.written;
  }

  /** The next `items` handed to the writer were produced by `events` events. */
  expect(items: number, events: number) {
    this.expected += items;
    this.marks.push({ items: this.expected, events });
    this.onWritten(0);
  }

  readonly onWritten = (n: number) => {
    this.written += n;
    while (this.marks.length > 0 && this.marks[0]!.items <= this.written) {
      const { events } = this.marks.shift()!;
      this.progress?.written?.(events);
    }
  };
}

/** Iterates `source` while its next value is already being fetched (one ahead). */
async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  for (;;) {
    const current = await next;
    if (current.done) return;
    next = it.next();
    // If the consumer stops early (a write failed), the fetch in flight must not go unhandled.
    next.catch(() => undefined);
    yield current.value;
  }
}

/**
 * Records a story as rebuilt and counts it on the build record, in one transaction so that a
 * retried invocation counts it once. Returns the build's new count (undefined if already counted).
 */
export async function markStoryDone(ctx: ReplayContext, generation: string, storyId: string, version: number): Promise<number | undefined> {
  try {
    await ctx.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: ctx.tables.views,
              Item: { pk: progressPk(generation), sk: storyId, version },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          { Update: { TableName: ctx.tables.views, Key: buildKey(generation), UpdateExpression: 'ADD done :one', ExpressionAttributeValues: { ':one': 1 } } },
        ],
      }),
    );
  } catch (error) {
    if (cancellationCodes(error)?.[0] !== 'ConditionalCheckFailed') throw error;
    await ctx.db.send(new PutCommand({ TableName: ctx.tables.views, Item: { pk: progressPk(generation), sk: storyId, version } }));
    return undefined;
  }
  return Number((await readBuild(ctx, generation))?.done ?? 0);
}

/** A Lambda invocation runs at most 15 minutes: a finish claimed longer ago than that has died. */
export const FINISH_CLAIM_TIMEOUT_MS = 15 * 60_000;

/**
 * Claims the right to finish a build (one winner among concurrent invocations): a build whose
 * stories are all done, or one left `switching` by a finisher that died (its claim older than
 * FINISH_CLAIM_TIMEOUT_MS, or from before claims were timed). Finishing again is safe.
 */
export async function claimFinish(ctx: ReplayContext, generation: string, now = Date.now()): Promise<boolean> {
  try {
    await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.tables.views,
        Key: buildKey(generation),
        UpdateExpression: 'SET #s = :switching, claimedAt = :now',
        ConditionExpression:
          '(#s = :building AND done >= #t) OR (#s = :switching AND (attribute_not_exists(claimedAt) OR claimedAt < :stale))',
        ExpressionAttributeNames: { '#s': 'status', '#t': 'total' },
        ExpressionAttributeValues: { ':switching': 'switching', ':building': 'building', ':now': now, ':stale': now - FINISH_CLAIM_TIMEOUT_MS },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Projects every story's tail (events after what `generation` holds) from the events table. */
export async function catchUp(ctx: ReplayContext, generation: string, storyIds: string[], concurrency = 4): Promise<number> {
  const views = new ViewStore(ctx.db, ctx.tables.views, generation);
  let applied = 0;
  await forEachLimit(storyIds, concurrency, async (storyId) => {
    const head = await views.head(storyId, true);
    const tail = [];
    for await (const page of ctx.events.stream(storyId, { after: head?.version ?? 0 })) tail.push(...page);
    if (tail.length === 0) return;
    // Not `applied += await …`: that reads `applied` before the await and loses concurrent counts.
    const out = await projectStory(storyId, tail, views, ctx.events);
    applied += out.applied;
  });
  return applied;
}

/**
 * Finishes a build: stories opened since it began, catch-up, the atomic switch, catch-up again,
 * then the old generation is deleted.
 */
export async function finishBuild(
  ctx: ReplayContext,
  build: BuildRecord,
  options: Pick<ReplayOptions, 'cleanupDelayMs' | 'writeConcurrency' | 'onRebuilt'> = {},
): Promise<{ caughtUp: number; rebuilt: number; events: number; items: number; liveAt: number; deleted: number; cleanupSeconds: number }> {
  const ids = await ctx.events.listStoryIds();
  const done = await finishedStories(ctx, build.generation);
  let rebuilt = 0;
  let events = 0;
  let items = 0;
  for (const storyId of ids.filter((id) => !done.has(id))) {
    const out = await rebuildStory(ctx, build.generation, storyId, options);
    await markStoryDone(ctx, build.generation, storyId, out.version);
    rebuilt++;
    events += out.events;
    items += out.items;
  }
  let caughtUp = await catchUp(ctx, build.generation, ids);
  options.onRebuilt?.();
  // A run that died after the switch has nothing left to switch.
  if ((await readPointer(ctx.db, ctx.tables.views))?.generation !== build.generation) {
    await setActiveGeneration(ctx.db, ctx.tables.views, build.generation, build.previous, {
      switchedAt: new Date().toISOString(),
      previous: build.previous,
    });
  }
  await ctx.db.send(
    new UpdateCommand({
      TableName: ctx.tables.views,
      Key: buildKey(build.generation),
      UpdateExpression: 'SET #s = :s, switchedAt = :at',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': 'switched', ':at': new Date().toISOString() },
    }),
  );
  ctx.log?.(`Switched readers to generation ${build.generation} (was ${build.previous})`);
  const idsAfterSwitch = await ctx.events.listStoryIds();
  caughtUp += await catchUp(ctx, build.generation, idsAfterSwitch);
  const liveAt = performance.now();
  if (options.cleanupDelayMs) await new Promise((r) => setTimeout(r, options.cleanupDelayMs));
  const deleted = await deleteGeneration(ctx, build.previous, idsAfterSwitch);
  await deletePartition(ctx, progressPk(build.generation));
  return { caughtUp, rebuilt, events, items, liveAt, deleted, cleanupSeconds: (performance.now() - liveAt) / 1000 };
}

/**
 * Deletes every item of a generation: its story partitions (every story in the catalog, or in
 * `storyIds` when the caller has just listed them, and any in its story list), its story list and
 * its build progress. Queries only, no scan: O(items of that generation + stories). Readers have
 * moved to another generation by then.
 */
export async function deleteGeneration(ctx: ReplayContext, generation: string, storyIds?: string[], concurrency = 4): Promise<number> {
  const views = new ViewStore(ctx.db, ctx.tables.views, generation);
  const ids = new Set([...(storyIds ?? (await ctx.events.listStoryIds())), ...(await views.listStories()).map((s) => s.storyId)]);
  const partitions = [...[...ids].map((id) => views.layout.storyPk(id)), `${generation}#stories`, progressPk(generation)];
  let deleted = 0;
  await forEachLimit(partitions, concurrency, async (pk) => {
    const n = await deletePartition(ctx, pk);
    deleted += n;
  });
  return deleted;
}

async function deletePartition(ctx: ReplayContext, pk: string): Promise<number> {
  const writer = new ViewStore(ctx.db, ctx.tables.views).writer(DEFAULT_WRITE_CONCURRENCY);
  let deleted = 0;
  const pages = paginateQuery(
    { client: ctx.db },
    { TableName: ctx.tables.views, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ProjectionExpression: 'pk, sk' },
  );
  for await (const page of readAhead(pages)) {
    await writer.delete(page.Items ?? []);
    deleted += page.Items?.length ?? 0;
  }
  await writer.flush();
  return deleted;
}

/** Rebuilds every story into a new generation and switches to it (or resumes an interrupted build). */
export async function replayAll(ctx: ReplayContext, options: ReplayOptions = {}): Promise<ReplaySummary> {
  const started = performance.now();
  const { build, resumed } = await openBuild(ctx, options.now?.() ?? new Date());
  const ids = await ctx.events.listStoryIds();
  const done = await finishedStories(ctx, build.generation);
  await setBuildTotal(ctx, build.generation, ids.length);
  const todo = ids.filter((id) => !done.has(id));
  if (resumed) ctx.log?.(`Resuming build ${build.generation}: ${done.size} of ${ids.length} stories were done`);
  const heads = await mapLimit(todo, 8, (id) => ctx.events.headVersion(id));
  const totalEvents = heads.reduce((a, b) => a + b, 0);
  const progress = options.onPlan?.({ events: totalEvents, stories: todo.length, resumed: done.size, generation: build.generation }) ?? undefined;

  let events = 0;
  let items = 0;
  await forEachLimit(todo, options.storyConcurrency ?? 2, async (storyId) => {
    options.signal?.throwIfAborted();
    const out = await rebuildStory(ctx, build.generation, storyId, { ...(options.writeConcurrency ? { writeConcurrency: options.writeConcurrency } : {}), ...(progress ? { progress } : {}) });
    await markStoryDone(ctx, build.generation, storyId, out.version);
    events += out.events;
    items += out.items;
    await options.afterStory?.(storyId);
  });
  options.signal?.throwIfAborted();
  const finish = await finishBuild(ctx, { ...build, total: ids.length }, options);
  const seconds = (finish.liveAt - started) / 1000;
  ctx.log?.(`Deleted ${finish.deleted} items of generation ${build.previous} in ${finish.cleanupSeconds.toFixed(1)} s`);
  return {
    generation: build.generation,
    previous: build.previous,
    stories: ids.length + finish.rebuilt,
    resumed: done.size,
    events: events + finish.events,
    items: items + finish.items,
    caughtUp: finish.caughtUp,
    seconds,
    eventsPerSecond: (events + finish.events) / Math.max(seconds, 0.001),
    deleted: finish.deleted,
    cleanupSeconds: finish.cleanupSeconds,
  };
}

/**
 * Rebuilds one story in place, in the active generation (`replay --story`): for repairing one
 * story without rebuilding all. Items are written first and the head last, conditionally on the
 * head the rebuild started from; if the live projector moved it meanwhile, the rebuild starts over.
 * Readers may see new entries under the old head for the moment it takes (each entry is itself
 * correct); a full replay is the blue/green path.
 */
export async function rebuildStoryInPlace(ctx: ReplayContext, storyId: string, options: { writeConcurrency?: number; progress?: RebuildProgress } = {}) {
  const generation = (await readPointer(ctx.db, ctx.tables.views))?.generation ?? DEFAULT_GENERATION;
  const views = new ViewStore(ctx.db, ctx.tables.views, generation);
  for (let attempt = 1; ; attempt++) {
    const before = await views.head(storyId, true);
    const fold = new StoryRebuild();
    for await (const page of ctx.events.stream(storyId)) {
      fold.add(page);
      options.progress?.read?.(page.length);
    }
    if (!fold.view) throw new Error(`story ${storyId} has no events`);
    const items = views.layout.viewItems({ ...fold.view, entries: fold.view.entries.values(), revisions: fold.revisions, snapshots: fold.snapshots });
    const pk = views.layout.storyPk(storyId);
    const [headItem, ...rest] = items;
    const keep = new Set(items.filter((i) => i.pk === pk).map((i) => String(i.sk)));
    const stale = (await views.storyKeys(storyId)).filter((sk) => !keep.has(sk)).map((sk) => ({ pk, sk }));
    await views.deleteKeys(stale, options.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY);
    let written = 0;
    await views.batchPut(rest, options.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY, (n) => {
      // Items are written in no event order here: report the share of the story's events.
      const before = Math.floor((written / items.length) * fold.events);
      written += n;
      options.progress?.written?.(Math.floor((written / items.length) * fold.events) - before);
    });
    try {
      await ctx.db.send(
        new PutCommand({
          TableName: ctx.tables.views,
          Item: headItem!,
          ...(before
            ? { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error) || attempt >= 5) throw error;
      continue;
    }
    const caughtUp = await catchUp(ctx, generation, [storyId], 1);
    return { generation, version: fold.view.head.version, events: fold.events, items: items.length, deleted: stale.length, caughtUp };
  }
}

async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
