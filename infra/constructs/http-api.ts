import { Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { NewsroomConfig } from '../config.js';
import type { EventStore } from './event-store.js';
import { grant } from './iam.js';
import { keepLogicalId } from './logical-id.js';
import { NewsroomFunction } from './newsroom-function.js';
import type { FunctionSettings } from './newsroom-function.js';
import type { Views } from './views.js';

/**
 * The access log's JSON fields: what the 5xx runbook (docs/deploy.md §9) reads (which route and
 * path, API Gateway's status and the integration's, the integration's and API Gateway's error
 * messages, the latency, the request id to find the function's log lines) and the 429 alarm counts.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationErrorMessage: '$context.integrationErrorMessage',
  errorMessage: '$context.error.message',
  errorResponseType: '$context.error.responseType',
} as const;

export interface HttpApiProps {
  readonly config: NewsroomConfig;
  readonly settings: FunctionSettings;
  readonly eventStore: EventStore;
  readonly views: Views;
}

/**
 * The API Gateway HTTP API and the two functions behind it: the editors' POSTs and the OpenAPI
 * document to the write function, everything else to the read function (pages, feeds, JSON views,
 * the event log, and the 404/405/OPTIONS answers). One throttled `$default` stage with an access log.
 */
export class HttpApi extends Construct {
  readonly writeApi: NewsroomFunction;
  readonly readApi: NewsroomFunction;
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  /** The stage's access log: one JSON line per request (ACCESS_LOG_FIELDS). */
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const { config, settings, eventStore, views } = props;

    this.writeApi = new NewsroomFunction(this, 'WriteApi', {
      settings,
      name: 'write',
      description: 'Newsroom editor write API (POST /api/stories, POST /api/stories/{id}/updates)',
      environment: {
        IDEMPOTENCY_TABLE: eventStore.idempotencyTable.tableName,
        EDITOR_TOKENS_PARAMETER: config.editorTokensParameter,
      },
    });
    eventStore.grantAppend(this.writeApi);
    eventStore.grantIdempotencyRecords(this.writeApi);
    views.grantRead(this.writeApi);
    // One parameter (GetParameter on it), or a path of one parameter per editor when the name ends
    // with `/` (GetParametersByPath on the path itself: functions/api/tokens.ts).
    const byPath = config.editorTokensParameter.endsWith('/');
    const tokensParameter = Stack.of(this).formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: config.editorTokensParameter.replace(/^\//, '').replace(/\/$/, ''),
    });
    const tokenActions = [byPath ? 'ssm:GetParametersByPath' : 'ssm:GetParameter'];
    grant(this.writeApi, 'ReadEditorTokenHashes', tokenActions, [tokensParameter]);
    if (config.editorTokensKmsKeyArn) {
      grant(this.writeApi, 'DecryptEditorTokenHashes', ['kms:Decrypt'], [config.editorTokensKmsKeyArn]);
    }

    this.readApi = new NewsroomFunction(this, 'ReadApi', {
      settings,
      name: 'read',
      description: 'Newsroom public reads: pages, feeds, JSON views, event log',
      // An editor's token reads the full event log (public reads mask what a retraction withdrew).
      environment: { EDITOR_TOKENS_PARAMETER: config.editorTokensParameter },
    });
    views.grantRead(this.readApi);
    // The raw event log (/api/stories/{id}/events) and time travel (?version, ?asOf) read events.
    eventStore.grantRead(this.readApi);
    grant(this.readApi, 'ReadEditorTokenHashes', tokenActions, [tokensParameter]);
    if (config.editorTokensKmsKeyArn) {
      grant(this.readApi, 'DecryptEditorTokenHashes', ['kms:Decrypt'], [config.editorTokensKmsKeyArn]);
    }

    // 'Default' is left out of logical ids: the API and its routes keep the ids they had when the
    // stack created them directly. The name would default to that id: it stays this construct's.
    this.api = new apigw.HttpApi(this, 'Default', {
      apiName: id,
      description: `Newsroom ${config.stage}: public reads and editor writes`,
      createDefaultStage: false,
    });
    const accessLogs = (this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: settings.logRetention,
      removalPolicy: settings.logRemovalPolicy,
    }));
    this.stage = new apigw.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      // Origin traffic is CloudFront misses (docs/scale.md: tens to hundreds of requests/s); this
      // caps what the reads can cost. The writes have limits of their own (below).
      throttle: { rateLimit: config.apiRateLimit, burstLimit: 2 * config.apiRateLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: apigateway.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    // The ids these had before the stack was split into constructs: a second $default stage would
    // clash with the first, and a retained log group would be orphaned with its history.
    keepLogicalId(this.stage, 'HttpApiStage21ACA647');
    keepLogicalId(accessLogs, 'HttpApiAccessLogs4B419BF6');
    keepLogicalId(this.writeApi.logGroup, 'WriteApiLogsBA33254C');
    keepLogicalId(this.readApi.logGroup, 'ReadApiLogsBC088859');

    const readIntegration = new HttpLambdaIntegration('ReadIntegration', this.readApi.function);
    const writeIntegration = new HttpLambdaIntegration('WriteIntegration', this.writeApi.function);
    // Every method, not only GET/HEAD: the read function answers what no more specific route
    // takes (an unknown method on a known path: 405 with Allow; OPTIONS and CORS preflights; any
    // unknown path: 404), as problem+json from the route table (shared/adapters/http/methods.ts),
    // where API Gateway's own answer would be a bare {"message":"Not Found"}.
    for (const path of ['/', '/{proxy+}']) {
      this.api.addRoutes({
        path,
        methods: [apigw.HttpMethod.ANY],
        integration: readIntegration,
      });
    }
    const writeRoutes = ['/api/stories', '/api/stories/{id}/updates'].flatMap((path) =>
      this.api.addRoutes({ path, methods: [apigw.HttpMethod.POST], integration: writeIntegration }),
    );
    // Writes are throttled apart from reads: a flood of reads (a CloudFront miss storm) cannot take
    // the editors' capacity, and a runaway writer stops at apiWriteRateLimit, not at the reads' rate.
    // Each route has its own bucket; the stage needs the routes to exist before it names them.
    const stage = this.stage.node.defaultChild as apigw.CfnStage;
    stage.routeSettings = Object.fromEntries(
      writeRoutes.map((route) => [
        (route.node.defaultChild as apigw.CfnRoute).routeKey,
        { ThrottlingRateLimit: config.apiWriteRateLimit, ThrottlingBurstLimit: 2 * config.apiWriteRateLimit },
      ]),
    );
    for (const route of writeRoutes) stage.node.addDependency(route);
    // The write function serves the OpenAPI document (generated from shared/adapters/http/routes.ts by openapi.ts),
    // and tells the desk whose token it holds (its sign-in, checked by the write function's token table).
    for (const path of ['/api/openapi.json', '/api/editor']) {
      this.api.addRoutes({ path, methods: [apigw.HttpMethod.GET, apigw.HttpMethod.HEAD], integration: writeIntegration });
    }
  }
}
