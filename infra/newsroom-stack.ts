import { CfnOutput, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { NewsroomConfig } from './config.js';
import { Cdn } from './constructs/cdn.js';
import { EventStore } from './constructs/event-store.js';
import { HttpApi } from './constructs/http-api.js';
import type { FunctionSettings } from './constructs/newsroom-function.js';
import { Projector } from './constructs/projector.js';
import { Replay } from './constructs/replay.js';
import { Views } from './constructs/views.js';

export interface NewsroomStackProps extends StackProps {
  readonly config: NewsroomConfig;
}

/**
 * The production newsroom: events and views in DynamoDB, the projector on the events stream,
 * the write and read APIs behind API Gateway (HTTP API), CloudFront caching the public reads,
 * replay as a self-fanning Lambda function, alarms on the projector and the API.
 */
export class NewsroomStack extends Stack {
  readonly eventStore: EventStore;
  readonly views: Views;
  readonly projector: Projector;
  readonly replay: Replay;
  readonly httpApi: HttpApi;
  readonly cdn: Cdn;
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: NewsroomStackProps) {
    super(scope, id, props);
    const { config } = props;
    const prod = config.stage === 'prod';
    Tags.of(this).add('app', 'newsroom');
    Tags.of(this).add('stage', config.stage);

    // ---- Tables -------------------------------------------------------------------------------

    this.eventStore = new EventStore(this, 'EventStore');
    this.views = new Views(this, 'Views', { retain: prod });

    // ---- Functions ----------------------------------------------------------------------------

    const settings: FunctionSettings = {
      metricsNamespace: `Newsroom/${config.stage}`,
      logLevel: config.logLevel,
      logRetention: config.logRetention,
      logRemovalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      environment: {
        EVENTS_TABLE: this.eventStore.eventsTable.tableName,
        VIEWS_TABLE: this.views.table.tableName,
        ...(config.hubUrl ? { WEBSUB_HUB_URL: config.hubUrl } : {}),
      },
    };

    this.projector = new Projector(this, 'Projector', { settings, eventStore: this.eventStore, views: this.views });

    this.replay = new Replay(this, 'Replay', {
      settings,
      eventStore: this.eventStore,
      views: this.views,
      concurrency: config.replayConcurrency,
    });

    this.httpApi = new HttpApi(this, 'HttpApi', { config, settings, eventStore: this.eventStore, views: this.views });

    // ---- CloudFront ---------------------------------------------------------------------------

    this.cdn = new Cdn(this, 'Cdn', { config, api: this.httpApi.api });

    // Feed links need the public URL. The distribution only depends on the API resource (not on its
    // routes or integrations), so referring to its domain from the functions makes no cycle; the
    // functions are simply created after the distribution.
    for (const fn of [this.httpApi.writeApi, this.httpApi.readApi, this.projector, this.replay]) {
      fn.function.addEnvironment('PUBLIC_BASE_URL', this.cdn.publicBaseUrl);
    }

    // ---- Alarms -------------------------------------------------------------------------------

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Newsroom ${config.stage} alarms`,
      enforceSSL: true,
    });
    if (config.alarmEmail) {
      this.alarmTopic.addSubscription(new snsSubscriptions.EmailSubscription(config.alarmEmail));
    }
    const notify = new cwActions.SnsAction(this.alarmTopic);
    const alarm = (id: string, props: cloudwatch.AlarmProps) => {
      const created = new cloudwatch.Alarm(this, id, props);
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      return created;
    };

    alarm('ProjectorErrorsAlarm', {
      alarmDescription: 'The projector threw: a batch is being retried and views may lag. See docs/deploy.md.',
      metric: this.projector.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('ProjectorIteratorAgeAlarm', {
      alarmDescription: 'Projector is more than 60 s behind the events stream for 5 minutes: feeds are stale.',
      metric: this.projector.function.metric('IteratorAge', { period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 60_000,
      evaluationPeriods: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('ProjectorDlqDepthAlarm', {
      alarmDescription: 'The projector skipped stream records (on-failure destination). Run the DLQ runbook.',
      metric: this.projector.dlq.metricApproximateNumberOfMessagesVisible({
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
      metric: this.httpApi.api.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // ---- Outputs ------------------------------------------------------------------------------

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('ApiUrl', this.httpApi.stage.url, 'HTTP API URL: editors POST here');
    output('CloudFrontUrl', `https://${this.cdn.distribution.distributionDomainName}`, 'CloudFront URL: readers GET here');
    output('PublicBaseUrl', this.cdn.publicBaseUrl, 'Base URL written into feed links');
    output('DistributionId', this.cdn.distribution.distributionId, 'For cache invalidations');
    output('EventsTableName', this.eventStore.eventsTable.tableName, 'Events table (source of truth)');
    output('ViewsTableName', this.views.table.tableName, 'Views table (projections)');
    output('IdempotencyTableName', this.eventStore.idempotencyTable.tableName, 'Idempotency records');
    output('ReplayFunctionName', this.replay.function.functionName, 'Invoke with {} or {"storyId": "..."}');
    output('ProjectorFunctionName', this.projector.function.functionName, 'Projector (events stream consumer)');
    output('ProjectorDlqUrl', this.projector.dlq.queueUrl, 'Skipped stream batches');
    output('EditorTokensParameter', config.editorTokensParameter, 'SSM SecureString with editor token hashes');
    output('AlarmTopicArn', this.alarmTopic.topicArn, 'Subscribe to get alarms');
  }
}
