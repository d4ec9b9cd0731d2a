import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { keepLogicalId } from './logical-id.js';
import type { NewsroomConfig } from '../config.js';
import type { NewsroomFunction } from './newsroom-function.js';
import type { Projector } from './projector.js';

export interface AlarmsProps {
  readonly config: NewsroomConfig;
  readonly projector: Projector;
  readonly api: apigw.IHttpApi;
  /** The write function: it counts failed refreshes of the editors' tokens. */
  readonly writeApi: NewsroomFunction;
}

/**
 * The alarms an operator acts on (docs/deploy.md has the runbooks), each notifying the alarm topic
 * when it fires and when it clears: projector errors, projector lag, skipped stream records, API 5xx,
 * the editors' tokens stuck on an old table.
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
