/**
 * Lambda: replay on AWS (the logic and the payloads are in ./fan-out.ts). Invoked directly by an
 * operator, and by the event source mapping of the replay queue (REPLAY_QUEUE_URL), which
 * delivers one message per invocation, at most its maximum concurrency at once.
 *
 * Configuration (set by infra/constructs/replay.ts): REPLAY_QUEUE_URL, REPLAY_MAX_RECEIVE_COUNT
 * (the queue's redrive maxReceiveCount), REPLAY_WRITE_CONCURRENCY (BatchWriteItem calls in flight
 * per story), REPLAY_WRITE_UNITS_PER_SECOND (each story's write budget), REPLAY_RESERVE_MS (time
 * kept for a checkpoint before the invocation's deadline).
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createRuntime, logger } from '../runtime';
import { replayContext } from './context';
import { replayHandler, type InvocationContext } from './fan-out';

/** The payloads this function takes (documented in ./fan-out.ts, the one place they are defined). */
export type { FinishMessage, ReplayInvocation, ReplayMessage, ReplayQueueEvent, StoryMessage } from './fan-out';
import { replaySettings } from './settings';

const rt = createRuntime();
const sqs = new SQSClient({});
const settings = replaySettings(process.env);

const replay = replayHandler({
  ctx: replayContext(rt, (line) => logger.info(line)),
  info: (message, details) => logger.info(message, details ?? {}),
  error: (message, details) => logger.error(message, details ?? {}),
  ...settings,
  async enqueue(messages) {
    const queueUrl = process.env.REPLAY_QUEUE_URL;
    if (!queueUrl) throw new Error('REPLAY_QUEUE_URL is not set');
    const out = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), MessageBody: JSON.stringify(m) })) }),
    );
    if (out.Failed?.length) throw new Error(`the replay queue refused ${out.Failed.length} message(s): ${out.Failed.map((f) => f.Code).join(', ')}`);
  },
});

export const handler = (event: unknown, context: InvocationContext) => replay(event, context);
