/**
 * Replay on AWS, one story per invocation: the logic of the replay Lambda, with the asynchronous
 * self-invocation passed in (functions/replay/handler.ts passes Lambda's Invoke; tests pass a
 * queue that runs the handler later, as Lambda's Event invocations do).
 *
 * - `{}`: opens a generation build (or resumes the unfinished one), records how many stories it
 *   has, and invokes the function once per story not yet rebuilt, with `{storyId, generation}`.
 * - `{storyId, generation}`: rebuilds that story into the generation and counts it on the build
 *   record (once, even if Lambda retries the invocation). The invocation that brings the count to
 *   the total wins a conditional status change and finishes the build: stories opened since,
 *   catch-up, the atomic pointer switch, catch-up again, deletion of the old generation.
 * - `{storyId}`: rebuilds one story in place in the active generation (operator repair).
 */
import * as z from 'zod';
import { claimFinish, finishBuild, openBuild, rebuildStory, rebuildStoryInPlace, type ReplayContext } from '../../shared/application/replay';

export interface StoryInvocation {
  storyId: string;
  generation: string;
}

export interface FanOutDeps {
  ctx: ReplayContext;
  /** Invokes the replay function asynchronously with one story (at least once). */
  invoke(payload: StoryInvocation): Promise<void>;
  info(message: string, details?: Record<string, unknown>): void;
  /** Wait before deleting the old generation, so readers that cached the pointer move over first. */
  cleanupDelayMs?: number;
}

const replayEvent = z
  .strictObject({ storyId: z.string().min(1).optional(), generation: z.string().min(1).optional() })
  .refine((e) => !e.generation || e.storyId, { message: 'generation needs a storyId', path: ['storyId'] });

/** Invocations sent at once by the fan-out. */
const INVOKE_BATCH = 20;

export function replayHandler(deps: FanOutDeps) {
  const { ctx } = deps;

  async function fanOut() {
    const { build, resumed } = await openBuild(ctx);
    const ids = await ctx.events.listStoryIds();
    const done = await ctx.builds.finishedStories(build.generation);
    await ctx.builds.setTotal(build.generation, ids.length);
    const todo = ids.filter((id) => !done.has(id));
    deps.info('replay fan-out', { generation: build.generation, resumed, stories: ids.length, todo: todo.length });
    if (todo.length === 0) return { generation: build.generation, invoked: 0, ...(await maybeFinish(build.generation)) };
    for (let i = 0; i < todo.length; i += INVOKE_BATCH) {
      await Promise.all(todo.slice(i, i + INVOKE_BATCH).map((storyId) => deps.invoke({ storyId, generation: build.generation })));
    }
    return { generation: build.generation, invoked: todo.length };
  }

  async function rebuildOne(storyId: string, generation: string) {
    // A late or retried delivery after the build finished (or was abandoned) must not write into
    // a generation readers may already be served from: only a building generation is rebuilt into.
    const build = await ctx.builds.read(generation);
    if (build?.status !== 'building') {
      deps.info('story invocation skipped: the build is not building', { storyId, generation, status: build?.status ?? 'missing' });
      return { storyId, generation, skipped: true, ...(build?.status === 'switching' ? await maybeFinish(generation) : { switched: false }) };
    }
    const out = await rebuildStory(ctx, generation, storyId);
    const done = await ctx.builds.markStoryDone(generation, storyId, out.version);
    deps.info('story rebuilt', { storyId, generation, ...out, done });
    return { storyId, generation, ...out, ...(await maybeFinish(generation)) };
  }

  async function maybeFinish(generation: string) {
    if (!(await claimFinish(ctx, generation))) return { switched: false };
    const build = (await ctx.builds.read(generation))!;
    const finished = await finishBuild(ctx, build, { cleanupDelayMs: deps.cleanupDelayMs ?? 5_000 });
    deps.info('generation switched', { generation, previous: build.previous, ...finished });
    return { switched: true, ...finished };
  }

  return async (input: unknown) => {
    const event = replayEvent.parse(input ?? {});
    if (event.storyId && event.generation) return rebuildOne(event.storyId, event.generation);
    if (event.storyId) return { storyId: event.storyId, ...(await rebuildStoryInPlace(ctx, event.storyId)) };
    return fanOut();
  };
}
