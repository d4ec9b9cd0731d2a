import { CfnOutput, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { NewsroomConfig } from './config.js';
import { Alarms } from './constructs/alarms.js';
import { Cdn } from './constructs/cdn.js';
import { EdgeRefresher } from './constructs/edge-refresher.js';
import { EventStore } from './constructs/event-store.js';
import { HttpApi } from './constructs/http-api.js';
import type { FunctionSettings, NewsroomFunction } from './constructs/newsroom-function.js';
import { Projector } from './constructs/projector.js';
import { Releases } from './constructs/releases.js';
import { Replay } from './constructs/replay.js';
import { Views } from './constructs/views.js';

export interface NewsroomStackProps extends StackProps {
  readonly config: NewsroomConfig;
}

/**
 * The production newsroom, composed of the constructs in infra/constructs/: the EventStore (events
 * and idempotency tables) and the Views table in DynamoDB, the HttpApi (API Gateway with the write
 * and read functions), the Projector on the events stream, Replay (a self-fanning function that
 * rebuilds views), the Cdn (CloudFront caching the public reads) and the Alarms. The tables are
 * handed to the constructs whose functions use them, and each grants its functions exact actions.
 */
export class NewsroomStack extends Stack {
  readonly eventStore: EventStore;
  readonly views: Views;
  readonly httpApi: HttpApi;
  readonly projector: Projector;
  readonly replay: Replay;
  readonly releases: Releases;
  readonly cdn: Cdn;
  readonly edgeRefresher: EdgeRefresher;
  readonly alarms: Alarms;
  /** The five functions, for what applies to each of them. */
  readonly functions: readonly NewsroomFunction[];

  constructor(scope: Construct, id: string, props: NewsroomStackProps) {
    super(scope, id, props);
    const { config } = props;
    // Served state (views) and logs outlive a prod stack's deletion; other stages clean up.
    const prod = config.stage === 'prod';
    Tags.of(this).add('app', 'newsroom');
    Tags.of(this).add('stage', config.stage);

    this.eventStore = new EventStore(this, 'EventStore');
    this.views = new Views(this, 'Views', { retain: prod });
    const tables = { eventStore: this.eventStore, views: this.views };

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
    this.httpApi = new HttpApi(this, 'HttpApi', { config, settings, ...tables });
    this.projector = new Projector(this, 'Projector', { settings, ...tables });
    this.replay = new Replay(this, 'Replay', {
      settings,
      ...tables,
      maxConcurrency: config.replayConcurrency,
      writeUnitsPerSecond: config.replayWriteUnitsPerSecond,
    });
    // Embargoes: the projector keeps one schedule per pending update; Scheduler invokes the release function.
    this.releases = new Releases(this, 'Releases', { settings, ...tables });
    this.releases.allowScheduling(this.projector);

    this.cdn = new Cdn(this, 'Cdn', { config, api: this.httpApi.api });
    // Fresh at the edge before the WebSub ping, and a retraction at the edge at once: the
    // projector queues its changes, the refresher invalidates and pings (shared/adapters/edge-refresh.ts).
    this.edgeRefresher = new EdgeRefresher(this, 'EdgeRefresher', {
      settings,
      distribution: this.cdn.distribution,
      freshness: config.edgeFreshness,
    });
    this.edgeRefresher.grantQueueNotices(this.projector);
    this.functions = [this.httpApi.writeApi, this.httpApi.readApi, this.projector, this.replay, this.releases, this.edgeRefresher];
    // Feed links need the public URL. The distribution only depends on the API resource (not on its
    // routes or integrations), so referring to its domain from the functions makes no cycle; the
    // functions are simply created after the distribution.
    for (const fn of this.functions) {
      fn.function.addEnvironment('PUBLIC_BASE_URL', this.cdn.publicBaseUrl);
    }
    // The read function answers only what CloudFront sends (with its origin header): a GET to the
    // API's own URL would skip every cache. CloudFormation resolves the secret into both.
    this.httpApi.readApi.function.addEnvironment('ORIGIN_VERIFY_SECRET', this.cdn.originSecret.secretValue.unsafeUnwrap());

    this.alarms = new Alarms(this, 'Alarms', {
      config,
      projector: this.projector,
      replay: this.replay,
      api: this.httpApi.api,
      accessLogs: this.httpApi.accessLogs,
      writeApi: this.httpApi.writeApi,
      functions: this.functions,
    });
    this.edgeRefresher.alarmTo(this.alarms.topic);
    this.releases.alarmTo(this.alarms.topic, this.projector);

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('ApiUrl', this.httpApi.stage.url, 'HTTP API URL: editors POST here');
    output('CloudFrontUrl', `https://${this.cdn.distribution.distributionDomainName}`, 'CloudFront URL: readers GET here');
    output('PublicBaseUrl', this.cdn.publicBaseUrl, 'Base URL written into feed links');
    output('DistributionId', this.cdn.distribution.distributionId, 'For cache invalidations');
    output('EventsTableName', this.eventStore.eventsTable.tableName, 'Events table (source of truth)');
    output('ViewsTableName', this.views.table.tableName, 'Views table (projections)');
    output('IdempotencyTableName', this.eventStore.idempotencyTable.tableName, 'Idempotency records');
    output(
      'ReplayFunctionName',
      this.replay.function.functionName,
      'Invoke with {}, {"storyId"}, {"storyId", "generation"} or {"finish"} (docs/deploy.md §8)',
    );
    output('ReplayDlqUrl', this.replay.dlq.queueUrl, 'Replay messages that failed every delivery');
    output('ProjectorFunctionName', this.projector.function.functionName, 'Projector (events stream consumer)');
    output('ProjectorDlqUrl', this.projector.dlq.queueUrl, 'Skipped stream batches');
    output('EdgeRefresherDlqUrl', this.edgeRefresher.dlq.queueUrl, 'Edge notices whose invalidation kept failing');
    output('ReleaseDlqUrl', this.releases.dlq.queueUrl, 'Releases that failed after retries (the sweep retries them)');
    output('ReleaseScheduleGroup', this.releases.groupName, 'EventBridge Scheduler group of the release schedules');
    output('EditorTokensParameter', config.editorTokensParameter, 'SSM SecureString with editor token hashes');
    output('AlarmTopicArn', this.alarms.topic.topicArn, 'Subscribe to get alarms');
  }
}
