import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { EventStore } from './event-store.js';
import { NewsroomFunction } from './newsroom-function.js';
import type { FunctionSettings } from './newsroom-function.js';
import type { Views } from './views.js';

/** The replay function's limits; docs/deploy.md §8 explains them. */
export const REPLAY_LIMITS = {
  /** A Lambda's longest run: a story that needs more continues from a checkpoint. */
  timeout: Duration.minutes(15),
  /** Longer than the timeout (SQS requires it) and than a finish claim lives (15 min), so a redelivery finds it stale. */
  visibilityTimeout: Duration.minutes(20),
  /** Deliveries of a message before it moves to the DLQ. */
  maxReceiveCount: 3,
  /** Time kept before the deadline for a checkpoint (the writes in flight, the held-back entries, the state). */
  reserve: Duration.minutes(2),
  /** BatchWriteItem calls in flight per story (the budget, not this, sets the pace). */
  writeConcurrency: 4,
} as const;

export interface ReplayProps {
  readonly settings: FunctionSettings;
  readonly eventStore: EventStore;
  readonly views: Views;
  /** Stories rebuilt at once: the maximum concurrency of the queue's event source mapping (2–1000). */
  readonly maxConcurrency: number;
  /** Each story's write budget (WRU/s). */
  readonly writeUnitsPerSecond: number;
}

/**
 * The replay function, which rebuilds views from the events. Invoked with `{}` it opens a build
 * and enqueues one message per story on its queue; the queue's event source mapping delivers them
 * one per invocation, at most `maxConcurrency` at once, so a full replay never takes more of the
 * account's concurrency than that. A story that cannot finish before the deadline checkpoints and
 * enqueues its continuation; the last story enqueues the finish. A message that fails
 * `maxReceiveCount` times moves to the DLQ (alarmed). Payloads: functions/replay/fan-out.ts.
 *
 * No reserved concurrency: it cannot be set on an account whose concurrency quota is 10 (new
 * accounts), since AWS keeps 100 unreserved; the mapping's maximum concurrency caps replay there too.
 */
export class Replay extends NewsroomFunction {
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: ReplayProps) {
    super(scope, id, {
      settings: props.settings,
      name: 'replay',
      description: 'Newsroom replay: {} enqueues one rebuild per story (capped); {"storyId"} repairs one story',
      memorySize: 2048,
      timeout: REPLAY_LIMITS.timeout,
    });

    this.dlq = new sqs.Queue(this, 'Dlq', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      visibilityTimeout: REPLAY_LIMITS.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: REPLAY_LIMITS.maxReceiveCount },
    });

    props.eventStore.grantRead(this);
    props.eventStore.grantListStories(this);
    props.views.grantReadWrite(this);
    this.queue.grantSendMessages(this);
    this.function.addEnvironment('REPLAY_QUEUE_URL', this.queue.queueUrl);
    this.function.addEnvironment('REPLAY_MAX_RECEIVE_COUNT', String(REPLAY_LIMITS.maxReceiveCount));
    this.function.addEnvironment('REPLAY_RESERVE_MS', String(REPLAY_LIMITS.reserve.toMilliseconds()));
    this.function.addEnvironment('REPLAY_WRITE_UNITS_PER_SECOND', String(props.writeUnitsPerSecond));
    this.function.addEnvironment('REPLAY_WRITE_CONCURRENCY', String(REPLAY_LIMITS.writeConcurrency));
    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        // One story per invocation: each gets the whole 15 minutes.
        batchSize: 1,
        maxConcurrency: props.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }
}
