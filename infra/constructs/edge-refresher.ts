import { Duration, Stack } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { grant } from './iam.js';
import { NewsroomFunction } from './newsroom-function.js';
import type { FunctionSettings } from './newsroom-function.js';

/** The edge refresher's settings; docs/deploy.md and docs/scale.md explain the numbers. */
export const EDGE_REFRESH = {
  /** Notices of this many seconds of projector batches make one invalidation (coalesced paths). */
  batchingWindow: Duration.seconds(5),
  batchSize: 100,
  /** Two at a time at most: invalidations stay well inside CloudFront's in-flight limits. */
  maxConcurrency: 2,
  /** How long it waits for CloudFront to finish an invalidation before it pings anyway. */
  waitSeconds: 120,
  /** One budget for every ping of a batch. */
  pingBudgetMs: 10_000,
  /**
   * `edgeFreshness: wait`: how long a change waits before its ping, so that no edge can still hold
   * bytes from before it: the feeds' max-age (30 s, CloudFront's max TTL) plus stale-while-revalidate
   * (60 s) of LIVE_CACHE_CONTROL, plus a margin (the stack test holds it above them).
   */
  ttlWaitSeconds: 100,
} as const;

export interface EdgeRefresherProps {
  readonly settings: FunctionSettings;
  readonly distribution: cloudfront.IDistribution;
  readonly freshness: 'wait' | 'invalidate';
}

/**
 * The edge refresher (functions/edge/handler.ts) and its queue: the projector queues each batch's
 * changes (a retraction at once; with a WebSub hub every other change, at once or delayed past the
 * edge's TTL) and moves on; this function invalidates the changed paths on the distribution (a
 * retraction's; the feeds of the others only with `edgeFreshness: invalidate`), waits until
 * CloudFront is done, then pings the hub. A batch whose invalidation cannot be created is delivered again, five times at
 * most, then kept in the DLQ.
 */
export class EdgeRefresher extends NewsroomFunction {
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
  /** How long the projector delays a change that is not a retraction (0: the refresher invalidates it). */
  readonly pingDelaySeconds: number;

  constructor(scope: Construct, id: string, props: EdgeRefresherProps) {
    const timeout = Duration.seconds(EDGE_REFRESH.waitSeconds + EDGE_REFRESH.pingBudgetMs / 1000 + 20);
    super(scope, id, {
      settings: props.settings,
      name: 'edge',
      description: 'Newsroom edge refresher: invalidates changed paths on CloudFront, then pings the WebSub hub',
      timeout,
      environment: {
        DISTRIBUTION_ID: props.distribution.distributionId,
        EDGE_WAIT_SECONDS: String(EDGE_REFRESH.waitSeconds),
        WEBSUB_DEADLINE_MS: String(EDGE_REFRESH.pingBudgetMs),
        ...(props.freshness === 'invalidate' ? { EDGE_INVALIDATE_FEEDS: '1' } : {}),
      },
    });
    this.pingDelaySeconds = props.freshness === 'invalidate' ? 0 : EDGE_REFRESH.ttlWaitSeconds;
    this.dlq = new sqs.Queue(this, 'Dlq', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      // Lambda's guidance for an SQS source: six times the function's timeout.
      visibilityTimeout: Duration.seconds(6 * timeout.toSeconds()),
      // A notice older than this is moot: the edge has long refreshed itself by its TTL.
      retentionPeriod: Duration.hours(1),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: 5 },
    });
    const distributionArn = Stack.of(this).formatArn({
      service: 'cloudfront',
      region: '',
      resource: 'distribution',
      resourceName: props.distribution.distributionId,
    });
    grant(this, 'InvalidateOwnDistribution', ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'], [distributionArn]);
    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: EDGE_REFRESH.batchSize,
        maxBatchingWindow: EDGE_REFRESH.batchingWindow,
        maxConcurrency: EDGE_REFRESH.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }

  /** Tells the alarm topic when notices land in the DLQ: CloudFront kept refusing their invalidation (docs/deploy.md §11). */
  alarmTo(topic: sns.ITopic): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, 'DlqDepthAlarm', {
      alarmDescription: 'Edge notices whose invalidation kept failing: the edge refreshes by its TTL. See docs/deploy.md §11.',
      metric: this.dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const notify = new cwActions.SnsAction(topic);
    alarm.addAlarmAction(notify);
    alarm.addOkAction(notify);
    return alarm;
  }

  /** The projector queues its notices here, and may do nothing else with the queue. */
  grantQueueNotices(grantee: iam.IGrantable & { function: { addEnvironment(key: string, value: string): unknown } }): void {
    grant(grantee, 'QueueEdgeNotices', ['sqs:SendMessage'], [this.queue.queueArn]);
    grantee.function.addEnvironment('EDGE_QUEUE_URL', this.queue.queueUrl);
    grantee.function.addEnvironment('EDGE_PING_DELAY_SECONDS', String(this.pingDelaySeconds));
  }
}
