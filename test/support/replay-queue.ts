/**
 * The replay function on the test store, with its queue: what SQS and the event source mapping do
 * on AWS, in memory (nothing else here is simulated: the handler, the use case and the stores are
 * the real ones on DynamoDB Local). Messages are delivered one per invocation (batch size 1), at most
 * `maxConcurrency` invocations at once; a message reported failed is delivered again until its
 * `maxReceiveCount`th delivery, after which it moves to the DLQ. It is delivered again later, as
 * after SQS's visibility timeout: once every message visible meanwhile has been handled.
 */
import { replayHandler, type ReplayDeps, type ReplayMessage } from '../../functions/replay/fan-out';
import type { RebuildDeadline, ReplayContext } from '../../shared/application/replay';
import type { TestStore } from './dynamo';
import { replayContextOf } from './replay';

export interface Delivery {
  id: string;
  message: ReplayMessage;
  receives: number;
}

export interface LogLine {
  message: string;
  details: Record<string, unknown>;
}

export function replayFunction(
  store: TestStore,
  options: Partial<Pick<ReplayDeps, 'deadline' | 'pageSize' | 'maxReceiveCount' | 'write'>> & {
    ctx?: ReplayContext;
    maxConcurrency?: number;
    /** Every message is put on the queue twice (SQS delivers at least once). */
    duplicate?: boolean;
  } = {},
) {
  const queue: Delivery[] = [];
  /** Failed deliveries, invisible until the queue is otherwise idle (the visibility timeout). */
  const invisible: Delivery[] = [];
  const dlq: Delivery[] = [];
  const sent: ReplayMessage[] = [];
  const logs: LogLine[] = [];
  let next = 0;
  const maxReceiveCount = options.maxReceiveCount ?? 3;
  const handler = replayHandler({
    ctx: options.ctx ?? replayContextOf(store),
    info: (message, details = {}) => void logs.push({ message, details }),
    error: (message, details = {}) => void logs.push({ message, details }),
    cleanupDelayMs: 0,
    maxReceiveCount,
    ...(options.deadline ? { deadline: options.deadline } : {}),
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    ...(options.write ? { write: options.write } : {}),
    async enqueue(messages) {
      // SQS refuses an empty or oversized batch: so does this.
      if (messages.length === 0 || messages.length > 10) throw new Error(`SendMessageBatch of ${messages.length} messages`);
      for (const message of messages) {
        sent.push(message);
        for (let n = 0; n < (options.duplicate ? 2 : 1); n++) queue.push({ id: `m${++next}`, message, receives: 0 });
      }
    },
  });

  /** One delivery by the event source mapping. */
  async function deliver(delivery: Delivery) {
    delivery.receives++;
    const event = {
      Records: [
        { messageId: delivery.id, body: JSON.stringify(delivery.message), attributes: { ApproximateReceiveCount: String(delivery.receives) } },
      ],
    };
    const out = (await handler(event, {})) as { batchItemFailures: { itemIdentifier: string }[] };
    if (out.batchItemFailures.some((f) => f.itemIdentifier === delivery.id)) {
      if (delivery.receives >= maxReceiveCount) dlq.push(delivery);
      else invisible.push(delivery);
    }
  }

  return {
    handler,
    queue,
    dlq,
    sent,
    logs,
    /** Delivers messages (and those they enqueue) until the queue is empty. */
    async drain() {
      const running = new Set<Promise<void>>();
      while (queue.length > 0 || running.size > 0 || invisible.length > 0) {
        if (queue.length === 0 && running.size === 0) queue.push(...invisible.splice(0));
        while (queue.length > 0 && running.size < (options.maxConcurrency ?? 5)) {
          const run: Promise<void> = deliver(queue.shift()!).finally(() => running.delete(run));
          running.add(run);
        }
        if (running.size > 0) await Promise.race(running);
      }
    },
    logged: (message: string) => logs.filter((l) => l.message === message).map((l) => l.details),
  };
}

/** A deadline that comes after `pages` pages of events in each invocation (not a clock: the same on any machine). */
export function pagesDeadline(pages: number): () => RebuildDeadline {
  return () => {
    let read = 0;
    return { remainingMs: () => (++read >= pages ? 0 : 60_000), reserveMs: 1 };
  };
}

/** `ctx` with a poison story: reading its events fails until `fix()` (the cause fixed and deployed). */
export function poisoned(real: ReplayContext, storyId: string) {
  let broken = true;
  const events = Object.create(real.events) as ReplayContext['events'];
  events.stream = (id, options) => {
    if (broken && id === storyId) throw new Error('poison story');
    return real.events.stream(id, options);
  };
  return {
    ctx: { ...real, events } satisfies ReplayContext,
    fix: () => void (broken = false),
  };
}
