/**
 * Replay on AWS: the logic of the replay Lambda, with the replay queue passed in
 * (functions/replay/handler.ts passes SQS's SendMessageBatch; tests pass a queue that runs the
 * handler later with SQS-shaped events, as the event source mapping does).
 *
 * A full replay is capped: the fan-out enqueues one message per story, and the event source
 * mapping delivers them one per invocation, at most its `maxConcurrency` at once. A story that
 * cannot finish before its invocation's deadline saves a checkpoint and enqueues its continuation.
 * The story that completes the build enqueues the finish, which runs in an invocation of its own
 * (one winner: a conditional status change in the build log). A message whose every delivery
 * failed is recorded on the build (`failed`) and goes to the replay DLQ, which has an alarm.
 *
 * Payloads: ReplayInvocation (what an operator invokes the function with, docs/deploy.md §8) and
 * ReplayMessage (the body of a message on the replay queue). Both are documented here only.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import {
  claimFinish,
  finishBuild,
  FINISH_STEP,
  openBuild,
  rebuildAndCount,
  rebuildStoryInPlace,
  type RebuildDeadline,
  type RebuildWriteOptions,
  type ReplayContext,
} from '../../shared/application/replay';

/**
 * What the replay function is invoked with directly (`aws lambda invoke --payload`):
 *
 * - `{}`: start a full replay into a new generation (or resume the unfinished one): enqueues a
 *   StoryMessage per story not yet rebuilt; returns `{generation, resumed, stories, enqueued, failed}`.
 * - `{"storyId", "generation"}`: rebuild that story into that build now and count it toward the
 *   build (the repair of a story whose message went to the DLQ); if the deadline comes first, it
 *   checkpoints and enqueues its continuation. Enqueues the finish if it was the last story.
 * - `{"finish": "<generation>"}`: finish a build whose stories are all done (if no other
 *   invocation is finishing it): catch-up, switch, catch-up, delete the old generation.
 * - `{"storyId"}`: repair one story in place in the active generation (not a build's: it never
 *   counts toward one). In one invocation: for stories a 15-minute run can fold.
 */
export type ReplayInvocation = Record<string, never> | { storyId: string } | StoryMessage | FinishMessage;

/** A message on the replay queue: a story to rebuild into a build (from its checkpoint if any; `from` only informs the logs). */
export interface StoryMessage {
  storyId: string;
  generation: string;
  from?: number;
}

/** A message on the replay queue: finish this build. */
export interface FinishMessage {
  finish: string;
}

export type ReplayMessage = StoryMessage | FinishMessage;

/** The event source mapping's event: SQS records whose bodies are ReplayMessages. */
export interface ReplayQueueEvent {
  Records: { messageId: string; body: string; attributes?: { ApproximateReceiveCount?: string } }[];
}

/** What Lambda's context offers (absent when run outside Lambda). */
export interface InvocationContext {
  getRemainingTimeInMillis?(): number;
}

export interface ReplayDeps {
  ctx: ReplayContext;
  /** Sends messages to the replay queue (at least once each). */
  enqueue(messages: ReplayMessage[]): Promise<void>;
  info(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
  /** Wait before deleting the old generation, so readers that cached the pointer move over first. */
  cleanupDelayMs?: number;
  /** How each story's rebuild writes: calls in flight, write units per second. */
  write?: RebuildWriteOptions;
  /** Deliveries of a message before SQS moves it to the DLQ (the queue's maxReceiveCount). */
  maxReceiveCount: number;
  /**
   * When a rebuild must checkpoint: by default the invocation's remaining time (or `budgetMs`
   * from its start when the context has none) less `reserveMs`. Tests pass their own.
   */
  deadline?(context: InvocationContext | undefined): RebuildDeadline | undefined;
  reserveMs?: number;
  budgetMs?: number;
  /** Events per page a rebuild reads (the deadline is checked after each); default DynamoDB's 1 MB pages. */
  pageSize?: number;
}

const storyMessage = z.strictObject({ storyId: z.string().min(1), generation: z.string().min(1), from: z.number().int().nonnegative().optional() });
const finishMessage = z.strictObject({ finish: z.string().min(1) });
const message = z.union([storyMessage, finishMessage]);
const invocation = z.union([
  z.strictObject({}),
  z.strictObject({ storyId: z.string().min(1) }),
  storyMessage,
  finishMessage,
  z.strictObject({ Records: z.array(z.object({ messageId: z.string(), body: z.string() }).passthrough()) }),
]);

/** Messages per SendMessageBatch call (SQS's limit). */
export const ENQUEUE_BATCH = 10;

/** Time a checkpoint needs by default: the writes in flight, the held-back entries, the state. */
export const DEFAULT_RESERVE_MS = 120_000;

/** A Lambda runs at most 15 minutes: a story's lease lasts that long past the deadline it knows. */
const LEASE_MARGIN_MS = 60_000;

export function replayHandler(deps: ReplayDeps) {
  const { ctx } = deps;
  const reserveMs = deps.reserveMs ?? DEFAULT_RESERVE_MS;

  function deadlineOf(context: InvocationContext | undefined): RebuildDeadline | undefined {
    if (deps.deadline) return deps.deadline(context);
    const remaining = context?.getRemainingTimeInMillis?.bind(context);
    if (remaining) return { remainingMs: remaining, reserveMs };
    if (deps.budgetMs === undefined) return undefined;
    const end = Date.now() + deps.budgetMs;
    return { remainingMs: () => end - Date.now(), reserveMs };
  }

  async function enqueue(messages: ReplayMessage[]) {
    for (let i = 0; i < messages.length; i += ENQUEUE_BATCH) await deps.enqueue(messages.slice(i, i + ENQUEUE_BATCH));
  }

  async function fanOut() {
    const { build, resumed } = await openBuild(ctx);
    const ids = await ctx.events.listStoryIds();
    const done = await ctx.builds.finishedStories(build.generation);
    await ctx.builds.setTotal(build.generation, ids.length);
    const todo = ids.filter((id) => !done.has(id));
    const failed = (await ctx.builds.read(build.generation))?.failed ?? [];
    deps.info('replay fan-out', { generation: build.generation, resumed, stories: ids.length, todo: todo.length, failed });
    // Every story done already (a resumed build whose finish was lost): ask for the finish.
    if (todo.length === 0) await enqueue([{ finish: build.generation }]);
    else await enqueue(todo.map((storyId) => ({ storyId, generation: build.generation })));
    return { generation: build.generation, resumed, stories: ids.length, enqueued: todo.length, failed, finishRequested: todo.length === 0 };
  }

  async function rebuildOne(msg: StoryMessage, context: InvocationContext | undefined) {
    const { storyId, generation } = msg;
    // A late or repeated message after the build finished (or was abandoned) must not write into
    // a generation readers may already be served from: only a building generation is rebuilt into.
    const build = await ctx.builds.read(generation);
    if (build?.status !== 'building') {
      deps.info('story skipped: the build is not building', { storyId, generation, status: build?.status ?? 'missing' });
      return { storyId, generation, skipped: true as const, status: build?.status ?? 'missing' };
    }
    if (await ctx.builds.isStoryDone(generation, storyId)) {
      deps.info('story skipped: already rebuilt in this build', { storyId, generation });
      return { storyId, generation, skipped: true as const, status: build.status, ...(await requestFinishIfComplete(generation)) };
    }
    const deadline = deadlineOf(context);
    const owner = randomUUID();
    const now = Date.now();
    const until = now + (deadline ? deadline.remainingMs() : 15 * 60_000) + LEASE_MARGIN_MS;
    if (!(await ctx.builds.leaseStory(generation, storyId, owner, now, until))) {
      // Another invocation is rebuilding it (a duplicate delivery, or a fan-out resumed meanwhile):
      // it finishes the story or enqueues its continuation; its own message is redelivered if it dies.
      deps.info('story skipped: another invocation is rebuilding it', { storyId, generation });
      return { storyId, generation, skipped: true as const, status: build.status };
    }
    let out;
    try {
      out = await rebuildAndCount(ctx, generation, storyId, {
        ...(deps.write ? { write: deps.write } : {}),
        ...(deadline ? { deadline } : {}),
        ...(deps.pageSize ? { pageSize: deps.pageSize } : {}),
      });
    } finally {
      await ctx.builds.releaseStory(generation, storyId, owner);
    }
    if (!out.finished) {
      await enqueue([{ storyId, generation, from: out.version }]);
      deps.info('story checkpointed: continuation enqueued', { storyId, generation, ...out });
      return { storyId, generation, ...out, continued: true as const };
    }
    deps.info('story rebuilt', { storyId, generation, ...out });
    return { storyId, generation, ...out, ...(await requestFinishIfComplete(generation)) };
  }

  /** Enqueues the finish once every story is done; any number may be enqueued, one finisher wins its claim. */
  async function requestFinishIfComplete(generation: string) {
    const build = await ctx.builds.read(generation);
    if (!build || build.status !== 'building' || build.done < build.total) return { finishRequested: false };
    await enqueue([{ finish: generation }]);
    deps.info('finish requested', { generation, done: build.done, total: build.total });
    return { finishRequested: true };
  }

  async function finish(generation: string) {
    if (!(await claimFinish(ctx, generation))) {
      const build = await ctx.builds.read(generation);
      if (build?.status === 'switching') {
        // Another invocation claimed it less than 15 minutes ago: it is finishing, or it died.
        // Fail, so that SQS delivers this again after the visibility timeout (longer than a claim
        // lives): by then the build is switched, or its claim is stale and this takes it over.
        throw new Error(`build ${generation} is being finished by another invocation (claimed at ${String(build.claimedAt)})`);
      }
      deps.info('finish skipped', { generation, status: build?.status ?? 'missing', done: build?.done, total: build?.total });
      return { generation, switched: false as const, status: build?.status ?? 'missing' };
    }
    const build = (await ctx.builds.read(generation))!;
    const finished = await finishBuild(ctx, build, { cleanupDelayMs: deps.cleanupDelayMs ?? 5_000, ...(deps.write ? { write: deps.write } : {}) });
    deps.info('generation switched', { generation, previous: build.previous, ...finished });
    return { generation, switched: true as const, ...finished };
  }

  function run(msg: ReplayMessage, context: InvocationContext | undefined) {
    return 'finish' in msg ? finish(msg.finish) : rebuildOne(msg, context);
  }

  /** The event source mapping's batch (one message with batch size 1): failures reported per message. */
  async function consume(event: ReplayQueueEvent, context: InvocationContext | undefined) {
    const batchItemFailures: { itemIdentifier: string }[] = [];
    for (const record of event.Records) {
      const receives = Number(record.attributes?.ApproximateReceiveCount ?? 1);
      let msg: ReplayMessage | undefined;
      try {
        msg = message.parse(JSON.parse(record.body));
        await run(msg, context);
      } catch (error) {
        const last = receives >= deps.maxReceiveCount;
        deps.error('replay message failed', { messageId: record.messageId, body: record.body, receives, last, error: String(error) });
        // Its last delivery: it goes to the DLQ, and the build must say that it cannot finish as it is.
        if (last && msg) await ctx.builds.markFailed('finish' in msg ? msg.finish : msg.generation, 'finish' in msg ? FINISH_STEP : msg.storyId);
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  }

  return async (input: unknown, context?: InvocationContext) => {
    const event = invocation.parse(input ?? {});
    if ('Records' in event) return consume(event as ReplayQueueEvent, context);
    if ('finish' in event) return finish(event.finish);
    if ('generation' in event && typeof event.generation === 'string') return rebuildOne(event as StoryMessage, context);
    if ('storyId' in event) return { storyId: event.storyId, ...(await rebuildStoryInPlace(ctx, event.storyId)) };
    return fanOut();
  };
}
