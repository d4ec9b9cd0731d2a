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
 * - On AWS, the replay function rebuilds one story per queue message (at most `maxConcurrency` at
 *   once); a story that cannot finish before the invocation's deadline saves a checkpoint and
 *   continues in another invocation; the story that brings `done` to `total` asks for the finish,
 *   which runs in an invocation of its own (functions/replay/fan-out.ts).
 *
 * This module is the orchestration: what replay keeps in the views table goes through the
 * BuildLog and Generations ports declared below (implemented by the DynamoDB replay store).
 */
import { forEachLimit, mapLimit, pagesPatiently, readAhead } from './async';
import type { EventReader, StoredView, ViewWriter } from './ports';
import { projectStory } from './project-story';
import { StaleHeadError } from './errors';
import { StoryRebuild, type TimeTravelSnapshot } from '../domain/projection/rebuild';
import { PROJECTION_VERSION, type StoryView, type TimelineEntry } from '../domain/projection/story-view';
import type { StoryEvent } from '../domain/story/events';

export interface BuildRecord {
  generation: string;
  projectionVersion: number;
  status: 'building' | 'switching' | 'switched';
  startedAt: string;
  /** The generation that was active when the build began; the switch expects it still is. */
  previous: string;
  total: number;
  done: number;
  /**
   * Stories (or FINISH_STEP) whose last delivery failed: their message went to the replay DLQ.
   * A story leaves the list when it is rebuilt after all (the runbook's repair).
   */
  failed?: string[];
  /** When the finish was claimed (ms since the epoch), while `switching`. */
  claimedAt?: number;
}

/** What `failed` names when the finish (catch-up, switch, cleanup) is what failed. */
export const FINISH_STEP = '#finish';

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
  /** Whether this build has recorded the story as rebuilt. */
  isStoryDone(generation: string, storyId: string): Promise<boolean>;
  /**
   * Takes (or renews) the right to rebuild a story until `until` (ms since the epoch): one
   * rebuild of a story at a time, or two could save checkpoints out of order. False if `owner`
   * is another rebuild whose lease has not run out by `now`.
   */
  leaseStory(generation: string, storyId: string, owner: string, now: number, until: number): Promise<boolean>;
  releaseStory(generation: string, storyId: string, owner: string): Promise<void>;
  /** Records that a story's (or the finish's, FINISH_STEP) last attempt failed, so the build says so. */
  markFailed(generation: string, storyId: string): Promise<void>;
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

/**
 * Where a story's rebuild stopped before its invocation's deadline: the version folded up to, the
 * events folded, and the fold's state. The timeline entries are not part of what a checkpoint
 * stores: every entry is written into the generation, as it stood at `version`, before the
 * checkpoint is saved, and read back from there (the store chunks the rest so that no item passes
 * DynamoDB's 400 KB).
 */
export interface RebuildCheckpoint {
  version: number;
  events: number;
  view: StoryView;
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
  rebuildWriter(generation: string, options: RebuildWriteOptions & { written?: (events: number) => void }): RebuildWriter;
  /** Saves a story's checkpoint (replacing the one before; the story's entries are already written). */
  saveCheckpoint(generation: string, storyId: string, checkpoint: RebuildCheckpoint): Promise<void>;
  /** The story's checkpoint in this generation, its entries read back from the generation, if any. */
  readCheckpoint(generation: string, storyId: string): Promise<RebuildCheckpoint | undefined>;
  dropCheckpoint(generation: string, storyId: string): Promise<void>;
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

/** How fast a rebuild writes: calls in flight, and a budget of write units per second (unlimited if absent). */
export interface RebuildWriteOptions {
  concurrency?: number;
  unitsPerSecond?: number;
}

/**
 * When a rebuild must stop: `remainingMs` is the time left (Lambda's getRemainingTimeInMillis, or
 * a budget), checked after each page of events; once it is below `reserveMs` (the time a
 * checkpoint needs: finishing the writes in flight and saving the state) the rebuild checkpoints.
 */
export interface RebuildDeadline {
  remainingMs(): number;
  reserveMs: number;
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
  /**
   * Stories rebuilt at once (each writes with `writeConcurrency` calls in flight; the store has a
   * default), DEFAULT_STORY_CONCURRENCY unless given.
   */
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

const version = (event: StoryEvent) => event.metadata.version;

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

/** What one call of rebuildStory did: `finished` false if it stopped at a checkpoint. */
export interface RebuildOutcome {
  finished: boolean;
  /** The version the story is rebuilt (or checkpointed) up to. */
  version: number;
  /** Events folded by this call (a continuation starts after its checkpoint). */
  events: number;
  items: number;
  /** The checkpoint's version this call started from (0: from the start). */
  resumedFrom: number;
}

/** Entries changed after they were handed over that are held back before they are written (bounds a checkpoint's work). */
const MAX_HELD_BACK = 1_000;

/**
 * Folds a story from the events table and writes its items into `generation`, writing while it
 * reads: after each page of events, the entries that page created (and its revisions and
 * snapshots) go to the writer while the next page is already being fetched. An entry changed
 * again after it was handed over (a later correction or retraction) is written once more after
 * every earlier write has finished (at the end, or sooner when many are held back), and the
 * head, people, sources, key points and key events at the end.
 *
 * With a `deadline`, the rebuild starts from the story's checkpoint in this generation if there is
 * one, and checks the time left after each page; when it runs short, every write is finished, the
 * held-back entries written, and a checkpoint saved: the call returns `finished: false`, and the
 * next call with a deadline carries on from the checkpoint (on AWS, another invocation).
 *
 * The generation is not served yet, so the order of writes inside it does not matter to readers;
 * markStoryDone, after this returns finished, is what records the story as rebuilt.
 */
export async function rebuildStory(
  ctx: ReplayContext,
  generation: string,
  storyId: string,
  options: {
    write?: RebuildWriteOptions;
    writeConcurrency?: number;
    progress?: RebuildProgress;
    deadline?: RebuildDeadline;
    /** Events per page read (the deadline is checked after each page); default: DynamoDB's 1 MB pages. */
    pageSize?: number;
  } = {},
): Promise<RebuildOutcome> {
  const writer = ctx.generations.rebuildWriter(generation, {
    ...options.write,
    ...(options.writeConcurrency ? { concurrency: options.writeConcurrency } : {}),
    written: (events) => options.progress?.written?.(events),
  });
  const fold = new StoryRebuild();
  const handedOver = new Set<string>();
  const changedSince = new Set<string>();
  // Only a rebuild with a deadline saves checkpoints, so only such a rebuild looks for one (a rebuild
  // without one, like the local replay's, starts over: that is correct, only slower, should it find one).
  const checkpoint = options.deadline ? await resumable(ctx, generation, storyId) : undefined;
  if (checkpoint) {
    fold.view = checkpoint.view;
    fold.events = checkpoint.events;
    for (const id of checkpoint.view.entries.keys()) handedOver.add(id);
  }
  const resumedFrom = checkpoint?.version ?? 0;
  let rewritten = 0;
  const writeHeldBack = async () => {
    await writer.flush();
    await writer.put({ entries: [...changedSince].map((id) => fold.view!.entries.get(id)!) }, 0);
    await writer.flush();
    rewritten += changedSince.size;
    changedSince.clear();
  };
  // Every entry is in the generation as it stands now: the checkpoint holds the rest. With a
  // deadline, entries changed after they were handed over are only written together with a
  // checkpoint, so that a rebuild killed before its next one finds no entry ahead of its checkpoint.
  const checkpointHere = async () => {
    await writeHeldBack();
    if (!options.deadline) return;
    const version = fold.view!.head.version;
    await ctx.generations.saveCheckpoint(generation, storyId, { version, events: fold.events, view: fold.view! });
    return version;
  };
  let events = 0;
  // A page the store did not answer (it timed out past the SDK's attempts) is read again, from the version folded.
  const pages = pagesPatiently(
    (after) => ctx.events.stream(storyId, { after, ...(options.pageSize ? { pageSize: options.pageSize } : {}) }),
    resumedFrom,
    version,
  );
  for await (const page of readAhead(pages)) {
    const changes = fold.add(page);
    events += page.length;
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
    if (changedSince.size >= MAX_HELD_BACK) await checkpointHere();
    if (options.deadline && options.deadline.remainingMs() < options.deadline.reserveMs) {
      const version = (await checkpointHere())!;
      ctx.log?.(`Story ${storyId}: checkpoint at version ${version}, continuing in another invocation`);
      return { finished: false, version, events, items: writer.items - rewritten, resumedFrom };
    }
  }
  if (!fold.view) return { finished: true, version: 0, events: 0, items: 0, resumedFrom };
  if (options.deadline) await checkpointHere();
  await writer.flush();
  rewritten += changedSince.size;
  await writer.put(
    { entries: [...changedSince].map((id) => fold.view!.entries.get(id)!), keyEvents: fold.view.entries.values(), storyWide: fold.view },
    0,
  );
  await writer.flush();
  // Items stored: entries changed after they were handed over were written more than once.
  return { finished: true, version: fold.view.head.version, events, items: writer.items - rewritten, resumedFrom };
}

/**
 * The story's checkpoint, if a rebuild may resume from it. Entries created after it (by a rebuild
 * that was killed before its next checkpoint) are left out: the fold creates them again. An entry
 * changed after it cannot be taken back to the state the checkpoint needs, so then the rebuild
 * starts over (only a rebuild killed between writing such entries and saving a checkpoint leaves one).
 */
async function resumable(ctx: ReplayContext, generation: string, storyId: string): Promise<RebuildCheckpoint | undefined> {
  const checkpoint = await ctx.generations.readCheckpoint(generation, storyId);
  if (!checkpoint) return undefined;
  const { entries } = checkpoint.view;
  for (const [id, entry] of entries) if (entry.version > checkpoint.version) entries.delete(id);
  if ([...entries.values()].some((entry) => entry.changeVersion > checkpoint.version)) {
    ctx.log?.(
      `Story ${storyId}: the generation holds entries changed after its checkpoint (version ${checkpoint.version}); rebuilding it from the start`,
    );
    return undefined;
  }
  return checkpoint;
}

/**
 * Rebuilds a story into a build and, once it is finished, records it done (once however often
 * this runs) and drops its checkpoint. `done` is the build's new count (undefined if the story
 * was already counted, or not finished: then call again to continue from the checkpoint).
 */
export async function rebuildAndCount(
  ctx: ReplayContext,
  generation: string,
  storyId: string,
  options: Parameters<typeof rebuildStory>[3] = {},
): Promise<RebuildOutcome & { done?: number }> {
  const out = await rebuildStory(ctx, generation, storyId, options);
  if (!out.finished) return out;
  const done = await ctx.builds.markStoryDone(generation, storyId, out.version);
  if (options.deadline) await ctx.generations.dropCheckpoint(generation, storyId);
  return { ...out, ...(done === undefined ? {} : { done }) };
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
    for await (const page of pagesPatiently((after) => ctx.events.stream(storyId, { after }), head?.version ?? 0, version)) tail.push(...page);
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
  options: Pick<ReplayOptions, 'cleanupDelayMs' | 'writeConcurrency' | 'onRebuilt'> & { write?: RebuildWriteOptions } = {},
): Promise<{ caughtUp: number; rebuilt: number; events: number; items: number; liveAt: number; deleted: number; cleanupSeconds: number }> {
  const ids = await ctx.events.listStoryIds();
  const done = await ctx.builds.finishedStories(build.generation);
  let rebuilt = 0;
  let events = 0;
  let items = 0;
  for (const storyId of ids.filter((id) => !done.has(id))) {
    const out = await rebuildAndCount(ctx, build.generation, storyId, options);
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

/**
 * Stories a replayAll rebuilds at once: a short story's rebuild ends in waits (its last writes, its
 * progress record), which the others' writes fill (30 stories of 1,000 events: 9.2 s at 4 against
 * 11.5 s at 2, docs/benchmarks.md).
 */
export const DEFAULT_STORY_CONCURRENCY = 4;

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
  await forEachLimit(todo, options.storyConcurrency ?? DEFAULT_STORY_CONCURRENCY, async (storyId) => {
    options.signal?.throwIfAborted();
    const out = await rebuildAndCount(ctx, build.generation, storyId, {
      ...(options.writeConcurrency ? { writeConcurrency: options.writeConcurrency } : {}),
      ...(progress ? { progress } : {}),
    });
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
