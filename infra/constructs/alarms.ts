import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { keepLogicalId } from './logical-id.js';
import type { NewsroomConfig } from '../config.js';
import type { NewsroomFunction } from './newsroom-function.js';
import type { Projector } from './projector.js';
import type { Replay } from './replay.js';

export interface AlarmsProps {
  readonly config: NewsroomConfig;
  readonly projector: Projector;
  readonly replay: Replay;
  readonly api: apigw.IHttpApi;
  /** The HTTP API's access log (JSON lines with `status`): its 429s are counted from it. */
  readonly accessLogs: logs.ILogGroup;
  /** The write function: it counts failed refreshes of the editors' tokens. */
  readonly writeApi: NewsroomFunction;
  /** Every function of the stack: each gets a throttles alarm. */
  readonly functions: readonly NewsroomFunction[];
}

/** The metric the access log's 429 answers are counted as (the stack's namespace). */
export const API_THROTTLED_METRIC = 'ApiThrottled';
/** The projector's count of stories whose run failed in a batch (functions/projector/handler.ts). */
export const PROJECTOR_FAILED_STORIES_METRIC = 'FailedStories';

/**
 * The alarms an operator acts on (docs/deploy.md has the runbooks and says which fires first for
 * each failure), each notifying the alarm topic when it fires and when it clears: projector
 * errors, failed stories and lag, skipped stream records, throttles of any function, replay errors
 * and its DLQ, API 5xx and 429s, the editors' tokens stuck on an old table.
 */
export class Alarms extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const { config, projector } = props;

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `Newsroom ${config.stage} alarms`,
      enforceSSL: true,
    });
    // A new topic would have a new ARN, and its e-mail subscriptions would need confirming again.
    keepLogicalId(this.topic, 'AlarmTopicD01E77F9');
    if (config.alarmEmail) {
      this.topic.addSubscription(new snsSubscriptions.EmailSubscription(config.alarmEmail));
    }
    const notify = new cwActions.SnsAction(this.topic);
    const alarm = (alarmId: string, alarmProps: cloudwatch.AlarmProps) => {
      const created = new cloudwatch.Alarm(this, alarmId, alarmProps);
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      return created;
    };

    alarm('ProjectorErrorsAlarm', {
      alarmDescription: 'The projector threw: a batch is being retried and views may lag. See docs/deploy.md.',
      metric: projector.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // A story whose run fails is reported as a batch item failure, which never counts as a Lambda
    // error: the projector counts them itself (Powertools EMF).
    alarm('ProjectorFailedStoriesAlarm', {
      alarmDescription:
        'The projector could not project a story (batch item failure): it is retried from that record and the story lags. See docs/deploy.md §9.',
      metric: projector.powertoolsMetric(PROJECTOR_FAILED_STORIES_METRIC, { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('ProjectorIteratorAgeAlarm', {
      alarmDescription: 'Projector is more than 60 s behind the events stream for 5 minutes: feeds are stale.',
      metric: projector.function.metric('IteratorAge', { period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 60_000,
      evaluationPeriods: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('ProjectorDlqDepthAlarm', {
      alarmDescription: 'The projector skipped stream records (on-failure destination). Run the DLQ runbook.',
      metric: projector.dlq.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('Api5xxAlarm', {
      alarmDescription: 'The HTTP API answered 5xx (function errors, timeouts or throttling).',
      metric: props.api.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('Api429Alarm', {
      alarmDescription:
        'The HTTP API refused requests with 429 (its stage throttle) for 5 minutes: editors or CloudFront misses are being turned away. See docs/deploy.md §9.',
      metric: new logs.MetricFilter(this, 'Api429Filter', {
        logGroup: props.accessLogs,
        // The access log's values are JSON strings (infra/constructs/http-api.ts ACCESS_LOG_FIELDS).
        filterPattern: logs.FilterPattern.stringValue('$.status', '=', '429'),
        metricNamespace: `Newsroom/${config.stage}`,
        metricName: API_THROTTLED_METRIC,
        metricValue: '1',
        unit: cloudwatch.Unit.COUNT,
      }).metric({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 10,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const fn of props.functions) {
      alarm(`${fn.node.id}ThrottlesAlarm`, {
        alarmDescription: `${fn.serviceName} was throttled (the account's concurrency is used up, or a replay takes too much of it). See docs/deploy.md §9.`,
        metric: fn.function.metricThrottles({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    alarm('ReplayErrorsAlarm', {
      alarmDescription: 'The replay function failed (a story, a finish or a fan-out); SQS retries a message 3 times. See docs/deploy.md §8.',
      metric: props.replay.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('ReplayDlqDepthAlarm', {
      alarmDescription:
        'A replay message failed every delivery: its build cannot finish until it is repaired. Run the replay runbook (docs/deploy.md §8).',
      metric: props.replay.dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // functions/api/tokens.ts EDITOR_TOKENS_STALE_METRIC: SSM failed and a revoked token may still be valid.
    alarm('EditorTokensStaleAlarm', {
      alarmDescription:
        'The write function could not refresh the editor tokens from SSM for 15 minutes: it serves the last good table. See docs/deploy.md.',
      metric: props.writeApi.powertoolsMetric('EditorTokensRefreshFailed', { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
