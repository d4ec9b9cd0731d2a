/**
 * Replay: rebuilds the views from the events table (never the stream, which keeps 24 hours)
 * into a new projection generation, then switches readers to it atomically.
 *
 *   open build ──▶ rebuild each story (fold in memory, write every item once, mark it done)
 *              ──▶ rebuild stories opened since ──▶ catch up tails ──▶ switch pointer
 *              ──▶ catch up again ──▶ delete the old generation
 *
 * - Blue/green: the new generation is invisible until the generation pointer moves, atomically,
 *   and only if no other replay switched first.
 * - Live writes are not lost: until the switch the live projector writes the old generation; the
 *   catch-ups project every story's tail (events after what the build wrote) from the events
 *   table into the new one, and after the switch the live projector fills any gap itself.
 * - Resumable: each finished story is recorded and the build record counts them; a replay that
 *   finds an unfinished build of the same PROJECTION_VERSION carries on with the stories not yet
 *   recorded. A build of an older projection version is abandoned and its items deleted.
 * - On AWS, the fan-out Lambda rebuilds one story per invocation; the invocation whose story
 *   brings `done` to `total` wins a conditional status change and finishes the build.
 *
 * This module is the orchestration: what replay keeps in the views table goes through the
 * BuildLog and Generations ports declared below (implemented by the DynamoDB replay store).
 */
import { forEachLimit, mapLimit, readAhead } from './async';
import type { EventReader, StoredView, ViewWriter } from './ports';
import { projectStory } from './project-story';
import { StaleHeadError } from './errors';
import { StoryRebuild, type TimeTravelSnapshot } from '../domain/projection/rebuild';
import { PROJECTION_VERSION, type TimelineEntry } from '../domain/projection/story-view';

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

/** Build records and the per-story progress of generations being built. */
export interface BuildLog {
  /** Every build record, finished or not. */
  list(): Promise<BuildRecord[]>;
  read(generation: string): Promise<BuildRecord | undefined>;
  /** Records a new build (fails if that generation has one). */
  create(build: BuildRecord): Promise<void>;
  /** Forgets an abandoned build's record. */
  remove(generation: string): Promise<void>;
  setTotal(generation: string, total: number): Promise<void>;
  /** Stories this build has finished, with the version each was rebuilt up to. */
  finishedStories(generation: string): Promise<Map<string, number>>;
  /**
   * Records a story as rebuilt and counts it on the build record, once however often it is
   * called (a retried invocation). Returns the build's new count (undefined if already counted).
   */
  markStoryDone(generation: string, storyId: string, version: number): Promise<number | undefined>;
  /**
   * Sets the build `switching` (one winner among concurrent callers) if every story is done, or
   * takes over a `switching` build claimed before `staleBefore` (or never timed). False if not.
   */
  claimFinish(generation: string, now: number, staleBefore: number): Promise<boolean>;
  markSwitched(generation: string, at: string): Promise<void>;
  /** Deletes a build's per-story progress (once readers are switched). */
  forgetProgress(generation: string): Promise<void>;
}

/** Parts of a story's view handed to a RebuildWriter. */
export interface ViewParts {
  entries?: TimelineEntry[];
  revisions?: TimelineEntry[];
  snapshots?: TimeTravelSnapshot[];
  /**
   * Entries whose key-events index items to write (those that are key events): handed over once,
   * from the finished fold, so that a key event moved by a later correction leaves no stale item.
   * The same entries give the story's latest changes their activity-index lines (views/layout.ts).
   */
  keyEvents?: Iterable<TimelineEntry>;
  /** The head, story-list summary, key points, people and sources. */
  storyWide?: Pick<StoredView, 'head' | 'keyPoints' | 'people' | 'sources'>;
}

/** Writes a story's items into a generation no reader sees yet, while its fold goes on. */
export interface RebuildWriter {
  /**
   * Queues the items of `parts`, which `events` more events produced; resolves once they are
   * handed to writes (held back while every write is in flight).
   */
  put(parts: ViewParts, events: number): Promise<void>;
  /** Waits until everything queued is written; throws the first failure. */
  flush(): Promise<void>;
  /** Items written so far. */
  readonly items: number;
}

/** Generations of the views: the pointer readers follow, and whole generations written or deleted. */
export interface Generations {
  /** The generation readers are served from now. */
  active(): Promise<string>;
  /** Points readers at `generation`, only if the pointer is still at `from`; else GenerationMovedError. */
  switchTo(generation: string, from: string, at: string): Promise<void>;
  /** One generation's views, for projecting story tails into it. */
  views(generation: string): ViewWriter;
  /** `written` is told how many events' items are all written, as they are. */
  rebuildWriter(generation: string, options: { concurrency?: number; written?: (events: number) => void }): RebuildWriter;
  /**
   * Replaces a story's items in a generation readers may be served from: stale items deleted and
   * the new ones written first, the head last, only if it is still at `expectedVersion`
   * (undefined: no head); else StaleHeadError. `written` gets the share of the story's `events`
   * written, as it goes.
   */
  replaceStory(
    generation: string,
    view: StoredView,
    expectedVersion: number | undefined,
    options: { concurrency?: number; events: number; written?: (events: number) => void },
  ): Promise<{ items: number; deleted: number }>;
  /**
   * Deletes every item of a generation: the partitions of `storyIds` and of any story in its
   * story list, the story list and its build progress. Returns how many items were deleted.
   */
  delete(generation: string, storyIds: string[]): Promise<number>;
}

export interface ReplayContext {
  events: EventReader;
  builds: BuildLog;
  generations: Generations;
  log?: (line: string) => void;
}

/** Reports progress as a story is rebuilt (progress bars), in events. */
export interface RebuildProgress {
  /** `events` more were read and folded. */
  read?(events: number): void;
  /** Every item that `events` more events produced is written. */
  written?(events: number): void;
}

export interface ReplayOptions {
  /** Stories rebuilt at once (each writes with `writeConcurrency` calls in flight; the store has a default). */
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

export function newGenerationName(now: Date): string {
  return `p${PROJECTION_VERSION}-${now.getTime().toString(36)}`;
}

/** Resumes the unfinished build of this projection version, or begins a new one. */
export async function openBuild(ctx: ReplayContext, now = new Date()): Promise<{ build: BuildRecord; resumed: boolean }> {
  for (const build of await ctx.builds.list()) {
    if (build.status === 'switched') continue;
    // 'switching': a run died while finishing; finishing again is safe (see finishBuild).
    if (build.projectionVersion === PROJECTION_VERSION) return { build, resumed: true };
    if (build.projectionVersion !== PROJECTION_VERSION) {
      ctx.log?.(`Abandoning build ${build.generation} of projection version ${build.projectionVersion}`);
      await ctx.generations.delete(build.generation, await ctx.events.listStoryIds());
      await ctx.builds.remove(build.generation);
    }
  }
  const build: BuildRecord = {
    generation: newGenerationName(now),
    projectionVersion: PROJECTION_VERSION,
    status: 'building',
    startedAt: now.toISOString(),
    previous: await ctx.generations.active(),
    total: 0,
    done: 0,
  };
  await ctx.builds.create(build);
  return { build, resumed: false };
}

/**
 * Folds a story from the events table and writes its items into `generation`, writing while it
 * reads: after each page of events, the entries that page created (and its revisions and
 * snapshots) go to the writer while the next page is already being fetched. An entry changed
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
  const writer = ctx.generations.rebuildWriter(generation, {
    concurrency: options.writeConcurrency,
    written: (events) => options.progress?.written?.(events),
  });
  const fold = new StoryRebuild();
  const handedOver = new Set<string>();
  const changedSince = new Set<string>();
  for await (const page of readAhead(ctx.events.stream(storyId))) {
    const changes = fold.add(page);
    options.progress?.read?.(page.length);
    const entries: TimelineEntry[] = [];
    for (const updateId of changes.entries) {
      if (handedOver.has(updateId)) changedSince.add(updateId);
      else {
        handedOver.add(updateId);
        entries.push(fold.view!.entries.get(updateId)!);
      }
    }
    await writer.put({ entries, revisions: changes.revisions, snapshots: changes.snapshots }, page.length);
  }
  if (!fold.view) return { version: 0, events: 0, items: 0 };
  await writer.flush();
  await writer.put(
    { entries: [...changedSince].map((id) => fold.view!.entries.get(id)!), keyEvents: fold.view.entries.values(), storyWide: fold.view },
    0,
  );
  await writer.flush();
  // Items stored: entries changed after they were handed over were written twice.
  return { version: fold.view.head.version, events: fold.events, items: writer.items - changedSince.size };
}

/** A Lambda invocation runs at most 15 minutes: a finish claimed longer ago than that has died. */
export const FINISH_CLAIM_TIMEOUT_MS = 15 * 60_000;

/**
 * Claims the right to finish a build (one winner among concurrent invocations): a build whose
 * stories are all done, or one left `switching` by a finisher that died (its claim older than
 * FINISH_CLAIM_TIMEOUT_MS, or from before claims were timed). Finishing again is safe.
 */
export function claimFinish(ctx: ReplayContext, generation: string, now = Date.now()): Promise<boolean> {
  return ctx.builds.claimFinish(generation, now, now - FINISH_CLAIM_TIMEOUT_MS);
}

/** Projects every story's tail (events after what `generation` holds) from the events table. */
export async function catchUp(ctx: ReplayContext, generation: string, storyIds: string[], concurrency = 4): Promise<number> {
  const views = ctx.generations.views(generation);
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
  const done = await ctx.builds.finishedStories(build.generation);
  let rebuilt = 0;
  let events = 0;
  let items = 0;
  for (const storyId of ids.filter((id) => !done.has(id))) {
    const out = await rebuildStory(ctx, build.generation, storyId, options);
    await ctx.builds.markStoryDone(build.generation, storyId, out.version);
    rebuilt++;
    events += out.events;
    items += out.items;
  }
  let caughtUp = await catchUp(ctx, build.generation, ids);
  options.onRebuilt?.();
  // A run that died after the switch has nothing left to switch.
  if ((await ctx.generations.active()) !== build.generation) {
    await ctx.generations.switchTo(build.generation, build.previous, new Date().toISOString());
  }
  await ctx.builds.markSwitched(build.generation, new Date().toISOString());
  ctx.log?.(`Switched readers to generation ${build.generation} (was ${build.previous})`);
  const idsAfterSwitch = await ctx.events.listStoryIds();
  caughtUp += await catchUp(ctx, build.generation, idsAfterSwitch);
  const liveAt = performance.now();
  if (options.cleanupDelayMs) await new Promise((r) => setTimeout(r, options.cleanupDelayMs));
  const deleted = await ctx.generations.delete(build.previous, idsAfterSwitch);
  await ctx.builds.forgetProgress(build.generation);
  return { caughtUp, rebuilt, events, items, liveAt, deleted, cleanupSeconds: (performance.now() - liveAt) / 1000 };
}

/** Rebuilds every story into a new generation and switches to it (or resumes an interrupted build). */
export async function replayAll(ctx: ReplayContext, options: ReplayOptions = {}): Promise<ReplaySummary> {
  const started = performance.now();
  const { build, resumed } = await openBuild(ctx, options.now?.() ?? new Date());
  const ids = await ctx.events.listStoryIds();
  const done = await ctx.builds.finishedStories(build.generation);
  await ctx.builds.setTotal(build.generation, ids.length);
  const todo = ids.filter((id) => !done.has(id));
  if (resumed) ctx.log?.(`Resuming build ${build.generation}: ${done.size} of ${ids.length} stories were done`);
  const heads = await mapLimit(todo, 8, (id) => ctx.events.headVersion(id));
  const totalEvents = heads.reduce((a, b) => a + b, 0);
  const progress = options.onPlan?.({ events: totalEvents, stories: todo.length, resumed: done.size, generation: build.generation }) ?? undefined;

  let events = 0;
  let items = 0;
  await forEachLimit(todo, options.storyConcurrency ?? 2, async (storyId) => {
    options.signal?.throwIfAborted();
    const out = await rebuildStory(ctx, build.generation, storyId, {
      ...(options.writeConcurrency ? { writeConcurrency: options.writeConcurrency } : {}),
      ...(progress ? { progress } : {}),
    });
    await ctx.builds.markStoryDone(build.generation, storyId, out.version);
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
export async function rebuildStoryInPlace(
  ctx: ReplayContext,
  storyId: string,
  options: { writeConcurrency?: number; progress?: RebuildProgress } = {},
) {
  const generation = await ctx.generations.active();
  const views = ctx.generations.views(generation);
  for (let attempt = 1; ; attempt++) {
    const before = await views.head(storyId, true);
    const fold = new StoryRebuild();
    for await (const page of ctx.events.stream(storyId)) {
      fold.add(page);
      options.progress?.read?.(page.length);
    }
    if (!fold.view) throw new Error(`story ${storyId} has no events`);
    let out: { items: number; deleted: number };
    try {
      out = await ctx.generations.replaceStory(
        generation,
        { ...fold.view, entries: fold.view.entries.values(), revisions: fold.revisions, snapshots: fold.snapshots },
        before?.version,
        {
          concurrency: options.writeConcurrency,
          events: fold.events,
          written: (events) => options.progress?.written?.(events),
        },
      );
    } catch (error) {
      if (!(error instanceof StaleHeadError) || attempt >= 5) throw error;
      continue;
    }
    const caughtUp = await catchUp(ctx, generation, [storyId], 1);
    return { generation, version: fold.view.head.version, events: fold.events, ...out, caughtUp };
  }
}
