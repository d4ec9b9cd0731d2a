/**
 * Lambda: replay on AWS, one story per invocation.
 *
 * - `{}`: opens a generation build (or resumes the unfinished one), records how many stories it
 *   has, and invokes this function asynchronously (InvocationType Event) once per story not yet
 *   rebuilt, with `{storyId, generation}`.
 * - `{storyId, generation}`: rebuilds that story into the generation and counts it on the build
 *   record (once, even if Lambda retries the invocation). The invocation that brings the count to
 *   the total wins a conditional status change and finishes the build: stories opened since,
 *   catch-up, the atomic pointer switch, catch-up again, deletion of the old generation.
 * - `{storyId}`: rebuilds one story in place in the active generation (operator repair).
 *
 * Function name for the fan-out: REPLAY_FUNCTION_NAME, else this function's own name.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { createRuntime, logger } from '../runtime';
import { claimFinish, finishBuild, finishedStories, markStoryDone, openBuild, readBuild, rebuildStory, rebuildStoryInPlace, setBuildTotal } from './replay';

const rt = createRuntime();
const lambda = new LambdaClient({});
const ctx = { ...rt, log: (line: string) => logger.info(line) };

const replayEvent = z.strictObject({ storyId: z.string().min(1).optional(), generation: z.string().min(1).optional() });

export const handler = async (input: unknown) => {
  const event = replayEvent.parse(input ?? {});
  if (event.storyId && event.generation) return rebuildOne(event.storyId, event.generation);
  if (event.storyId) return { storyId: event.storyId, ...(await rebuildStoryInPlace(ctx, event.storyId)) };
  return fanOut();
};

async function fanOut() {
  const functionName = process.env.REPLAY_FUNCTION_NAME ?? process.env.AWS_LAMBDA_FUNCTION_NAME;
  if (!functionName) throw new Error('REPLAY_FUNCTION_NAME (or AWS_LAMBDA_FUNCTION_NAME) is not set');
  const { build, resumed } = await openBuild(ctx);
  const ids = await rt.events.listStoryIds();
  const done = await finishedStories(ctx, build.generation);
  await setBuildTotal(ctx, build.generation, ids.length);
  const todo = ids.filter((id) => !done.has(id));
  logger.info('replay fan-out', { generation: build.generation, resumed, stories: ids.length, todo: todo.length });
  if (todo.length === 0) return maybeFinish(build.generation);
  for (let i = 0; i < todo.length; i += 20) {
    await Promise.all(
      todo.slice(i, i + 20).map((storyId) =>
        lambda.send(
          new InvokeCommand({
            FunctionName: functionName,
            InvocationType: 'Event',
            Payload: new TextEncoder().encode(JSON.stringify({ storyId, generation: build.generation })),
          }),
        ),
      ),
    );
  }
  return { generation: build.generation, invoked: todo.length };
}

async function rebuildOne(storyId: string, generation: string) {
  const out = await rebuildStory(ctx, generation, storyId);
  const done = await markStoryDone(ctx, generation, storyId, out.version);
  logger.info('story rebuilt', { storyId, generation, ...out, done });
  return { storyId, generation, ...out, ...(await maybeFinish(generation)) };
}

async function maybeFinish(generation: string) {
  if (!(await claimFinish(ctx, generation))) return { switched: false };
  const build = (await readBuild(ctx, generation))!;
  const finished = await finishBuild(ctx, build, { cleanupDelayMs: 5_000 });
  logger.info('generation switched', { generation, previous: build.previous, ...finished });
  return { switched: true, ...finished };
}
