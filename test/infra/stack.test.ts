import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../infra/config.js';
import type { NewsroomFunction } from '../../infra/constructs/newsroom-function.js';
import { createNewsroomApp } from '../../infra/newsroom-app.js';
import { allAllowedActions, dependencyCycle, grantsOfRole, logicalId } from './template-helpers.js';
import { STORY_CATALOG, tableDefinitions } from '../../shared/adapters/dynamodb/tables.js';
import { LIVE_CACHE_CONTROL, LIVE_MAX_AGE_SECONDS } from '../../shared/application/representation.js';
import { PAGE_CSP, PAGE_REFERRER_POLICY } from '../../shared/adapters/http/page-security.js';
import { EDITOR_TOKENS_STALE_METRIC } from '../../functions/api/tokens.js';

// One synthesis for the whole file (bundling runs esbuild on the four real handlers).
const { app, stack } = createNewsroomApp({
  context: { stage: 'prod', hubUrl: 'https://hub.example.org/' },
});
const template = Template.fromStack(stack);
const assembly = app.synth();

/** Another configuration of the same app, synthesized without bundling (only its template is inspected). */
function variant(context: Record<string, string>) {
  const built = createNewsroomApp({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  return { stack: built.stack, template: Template.fromStack(built.stack) };
}

const id = (construct: Parameters<typeof logicalId>[1]) => logicalId(stack, construct);
const arn = (construct: Parameters<typeof logicalId>[1]) => ({ 'Fn::GetAtt': [id(construct), 'Arn'] });

const names: Record<string, string> = {
  [id(stack.eventStore.eventsTable)]: 'events',
  [id(stack.views.table)]: 'views',
  [id(stack.eventStore.idempotencyTable)]: 'idempotency',
  [id(stack.projector.dlq)]: 'projector-dlq',
  [id(stack.replay.function)]: 'replay-function',
  [id(stack.releases.function)]: 'release-function',
  [id(stack.releases.dlq)]: 'release-dlq',
  [id(stack.releases.schedulerRole)]: 'scheduler-role',
};
for (const fn of [stack.httpApi.writeApi, stack.httpApi.readApi, stack.projector, stack.replay, stack.releases]) {
  names[id(fn.logGroup)] = 'own-log-group';
}
const grants = (fn: NewsroomFunction) => grantsOfRole(template, id(fn.role), names);

const TRACING = { '*': ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'] };
const OWN_LOGS = { 'own-log-group': ['logs:CreateLogStream', 'logs:PutLogEvents'] };
const VIEWS_READ = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'];
const VIEWS_READ_WRITE = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];
const views = (actions: string[]) => ({
  views: actions,
  'views/index/byTimeline': actions,
});

describe('events table', () => {
  it('is keyed storyId/version, streams new images, on-demand', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'storyId', KeyType: 'HASH' },
        { AttributeName: 'version', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'storyId', AttributeType: 'S' },
        { AttributeName: 'version', AttributeType: 'N' },
      ]),
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('has the story catalog: a keys-only global index, the same as the local table', () => {
    const [local] = tableDefinitions({ events: 'e', views: 'v', idempotency: 'i' });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: Match.arrayWith([{ AttributeName: 'storyId', KeyType: 'HASH' }]),
      GlobalSecondaryIndexes: local!.GlobalSecondaryIndexes,
      AttributeDefinitions: Match.arrayWith(local!.AttributeDefinitions!.filter((a) => a.AttributeName === STORY_CATALOG.partitionKey)),
    });
  });

  it('has point-in-time recovery, deletion protection and is retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        KeySchema: Match.arrayWith([{ AttributeName: 'storyId', KeyType: 'HASH' }]),
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('views and idempotency tables', () => {
  it('views: pk/sk with the one byTimeline local index, projection ALL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      // Exactly this one: every index costs every entry write another write.
      LocalSecondaryIndexes: [
        {
          IndexName: 'byTimeline',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'timelineKey', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });

  it('views are retained in prod (served state), destroyed in other stages', () => {
    expect(template.toJSON().Resources[id(stack.views.table)].DeletionPolicy).toBe('Retain');
    const dev = variant({ stage: 'dev' });
    expect(dev.template.toJSON().Resources[logicalId(dev.stack, dev.stack.views.table)].DeletionPolicy).toBe('Delete');
  });

  it('idempotency records expire on expiresAt', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });
});

describe('functions', () => {
  const roles = [
    ['write', stack.httpApi.writeApi],
    ['read', stack.httpApi.readApi],
    ['projector', stack.projector],
    ['replay', stack.replay],
    ['release', stack.releases],
  ] as const;

  it.each(roles)('%s: Node.js 24 on ARM64, traced, own log group with retention, Powertools env', (role, fn) => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: { Ref: id(fn.logGroup) } },
      Role: arn(fn.role),
      Environment: {
        Variables: Match.objectLike({
          EVENTS_TABLE: { Ref: id(stack.eventStore.eventsTable) },
          VIEWS_TABLE: { Ref: id(stack.views.table) },
          POWERTOOLS_SERVICE_NAME: `newsroom-${role}`,
          POWERTOOLS_METRICS_NAMESPACE: 'Newsroom/prod',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          WEBSUB_HUB_URL: 'https://hub.example.org/',
          // No custom domain configured: feed links use the CloudFront domain.
          PUBLIC_BASE_URL: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [id(stack.cdn.distribution), 'DomainName'] }]] },
        }),
      },
    });
    expect(template.toJSON().Resources[id(fn.logGroup)].Properties.RetentionInDays).toBe(90);
  });

  it('read gets the editor token parameter name (an editor reads the full event log)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arn(stack.httpApi.readApi.role),
      Environment: { Variables: Match.objectLike({ EDITOR_TOKENS_PARAMETER: '/newsroom/prod/editor-tokens' }) },
    });
  });

  it('write gets the idempotency table and the editor token parameter name', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arn(stack.httpApi.writeApi.role),
      Environment: {
        Variables: Match.objectLike({
          IDEMPOTENCY_TABLE: { Ref: id(stack.eventStore.idempotencyTable) },
          EDITOR_TOKENS_PARAMETER: '/newsroom/prod/editor-tokens',
        }),
      },
    });
  });

  it('bundles are minified ESM with the require banner, source maps, and no AWS SDK inside', () => {
    const artifact = assembly.getStackArtifact(stack.artifactId);
    for (const [, fn] of roles) {
      const code = template.toJSON().Resources[id(fn.function)].Properties.Code as { S3Key: string };
      const hash = code.S3Key.replace(/\.zip$/, '');
      const dir = join(artifact.assembly.directory, `asset.${hash}`);
      const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(bundle.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);")).toBe(true);
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
      // A bundled SDK client carries its user-agent prefix; the runtime's SDK is used instead.
      expect(bundle).not.toContain('aws-sdk-js');
    }
  });

  it('the public base URL reference creates no dependency cycle', () => {
    expect(dependencyCycle(template)).toEqual([]);
  });
});

describe('IAM: exact actions per function', () => {
  it('write: appends and reads events (no UpdateItem/DeleteItem), idempotency records, reads views, one parameter', () => {
    expect(grants(stack.httpApi.writeApi)).toEqual({
      ...OWN_LOGS,
      ...TRACING,
      events: ['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      idempotency: ['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      ...views(VIEWS_READ),
      'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/newsroom/prod/editor-tokens': ['ssm:GetParameter'],
    });
  });

  it('read: only reads views and events, and the editor token hashes (an editor reads the full event log)', () => {
    expect(grants(stack.httpApi.readApi)).toEqual({
      ...OWN_LOGS,
      ...TRACING,
      ...views(VIEWS_READ),
      events: ['dynamodb:GetItem', 'dynamodb:Query'],
      'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/newsroom/prod/editor-tokens': ['ssm:GetParameter'],
    });
  });

  it('projector: reads the stream, writes views, sends to its DLQ; on the events table only Query (its gap fill)', () => {
    expect(grants(stack.projector)).toEqual({
      ...OWN_LOGS,
      ...TRACING,
      ...views(VIEWS_READ_WRITE),
      events: ['dynamodb:Query'],
      'projector-dlq': ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
      'events.StreamArn': ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      '*': ['dynamodb:ListStreams', ...TRACING['*']].sort(),
      // Embargoes: the release schedules of its own group, handing Scheduler its role only.
      [RELEASE_SCHEDULES]: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:UpdateSchedule'],
      'scheduler-role if {"StringEquals":{"iam:PassedToService":"scheduler.amazonaws.com"}}': ['iam:PassRole'],
    });
  });

  it('projector: its gap fill may Query the events table, and only the table (no index, no item reads)', () => {
    // shared/application/project-story.ts reads the versions a record's predecessor left unapplied
    // with a Query on the events table; DynamoDB Local checks no IAM, so only this proves it is allowed.
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: id(stack.projector.role) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Sid: 'ReadEventRange', Effect: 'Allow', Action: 'dynamodb:Query', Resource: arn(stack.eventStore.eventsTable) },
        ]),
      },
    });
  });

  it('replay: reads events, lists stories from the catalog index (no scan), writes views, invokes only itself', () => {
    expect(grants(stack.replay)).toEqual({
      ...OWN_LOGS,
      ...TRACING,
      events: ['dynamodb:GetItem', 'dynamodb:Query'],
      'events/index/storyCatalog': ['dynamodb:Query'],
      ...views(VIEWS_READ_WRITE),
      'replay-function': ['lambda:InvokeFunction'],
    });
  });

  it('no wildcard action anywhere, and nothing may update or delete an event', () => {
    const allowed = allAllowedActions(template);
    expect(allowed).toContain('dynamodb:PutItem');
    for (const action of allowed) expect(action).not.toContain('*');
    for (const [, fn] of [
      ['write', stack.httpApi.writeApi],
      ['read', stack.httpApi.readApi],
      ['projector', stack.projector],
      ['replay', stack.replay],
      ['release', stack.releases],
    ] as const) {
      const onEvents = grants(fn).events ?? [];
      expect(onEvents).not.toContain('dynamodb:UpdateItem');
      expect(onEvents).not.toContain('dynamodb:DeleteItem');
      expect(onEvents).not.toContain('dynamodb:BatchWriteItem');
    }
  });

  it('a customer-managed key for the token parameter adds exactly kms:Decrypt on that key, to both API functions', () => {
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const other = variant({ stage: 'kms', editorTokensKmsKeyArn: keyArn });
    for (const fn of [other.stack.httpApi.writeApi, other.stack.httpApi.readApi]) {
      const otherGrants = grantsOfRole(other.template, logicalId(other.stack, fn.role), {});
      expect(otherGrants[keyArn]).toEqual(['kms:Decrypt']);
    }
  });
});

const RELEASE_SCHEDULES = `arn:\${AWS::Partition}:scheduler:\${AWS::Region}:\${AWS::AccountId}:schedule/${stack.releases.groupName}/*`;

describe('releases of embargoed updates', () => {
  it('release function: appends events, reads views, deletes only release index items, sends failures to its DLQ', () => {
    expect(grants(stack.releases)).toEqual({
      ...OWN_LOGS,
      ...TRACING,
      events: ['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      ...views(VIEWS_READ),
      'views if {"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["releases"]}}': ['dynamodb:DeleteItem'],
      'release-dlq': ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
    });
  });

  it('asynchronous invocations are retried twice, then go to the DLQ (14 days, encrypted, TLS only)', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: id(stack.releases.function) },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: arn(stack.releases.dlq) } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    expect(template.toJSON().Resources[id(stack.releases.function)].Properties.Timeout).toBe(90);
  });

  it('the scheduler role is assumed by EventBridge Scheduler of this account only, and may only invoke the release function', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });
    expect(grantsOfRole(template, id(stack.releases.schedulerRole), names)).toEqual({ 'release-function': ['lambda:InvokeFunction'] });
  });

  it('a schedule group of the stack, and a sweep every 5 minutes in it invoking the release function as the backstop', () => {
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: stack.releases.groupName });
    expect(stack.releases.groupName).toBe(`${stack.stackName}-releases`);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      GroupName: stack.releases.groupName,
      ScheduleExpression: 'rate(5 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: arn(stack.releases.function), RoleArn: arn(stack.releases.schedulerRole), Input: '{"sweep":true}' },
    });
  });

  it('the projector is told the group, the release function and the role its schedules use', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arn(stack.projector.role),
      Environment: {
        Variables: Match.objectLike({
          RELEASE_SCHEDULE_GROUP: stack.releases.groupName,
          RELEASE_FUNCTION_ARN: arn(stack.releases.function),
          RELEASE_SCHEDULER_ROLE_ARN: arn(stack.releases.schedulerRole),
        }),
      },
    });
  });

  it('nothing else may pass a role or manage schedules', () => {
    for (const fn of [stack.httpApi.writeApi, stack.httpApi.readApi, stack.replay, stack.releases]) {
      const actions = Object.values(grants(fn)).flat();
      expect(actions.filter((a) => a.startsWith('scheduler:') || a === 'iam:PassRole')).toEqual([]);
    }
  });
});

describe('projector event source mapping', () => {
  it('reports partial failures, bisects, bounds retries and record age, sends failures to the DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: id(stack.projector.function) },
      EventSourceArn: { 'Fn::GetAtt': [id(stack.eventStore.eventsTable), 'StreamArn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 3600,
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: { OnFailure: { Destination: arn(stack.projector.dlq) } },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
    });
  });

  it('the DLQ keeps failures for 14 days, encrypted, TLS only', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id(stack.projector.dlq) }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });
});

describe('HTTP API', () => {
  const integrationOf = (fn: NewsroomFunction) => {
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration', {
      Properties: { IntegrationUri: arn(fn.function) },
    });
    const ids = Object.keys(integrations);
    expect(ids).toHaveLength(1);
    return { 'Fn::Join': ['', ['integrations/', { Ref: ids[0] }]] };
  };

  // ANY: the read function answers unknown methods (405 with Allow), OPTIONS and unknown paths as problem+json.
  it.each(['ANY /', 'ANY /{proxy+}'])('%s goes to the read function', (routeKey) => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey,
      Target: integrationOf(stack.httpApi.readApi),
    });
  });

  it.each(['POST /api/stories', 'POST /api/stories/{id}/updates', 'GET /api/openapi.json'])('%s goes to the write function', (routeKey) => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey,
      Target: integrationOf(stack.httpApi.writeApi),
    });
  });

  it('integrations use payload format 2.0', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationUri: arn(stack.httpApi.writeApi.function),
      PayloadFormatVersion: '2.0',
    });
  });

  it('the default stage auto-deploys, is throttled and writes access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });
});

describe('CloudFront', () => {
  const distribution = () => template.toJSON().Resources[id(stack.cdn.distribution)].Properties.DistributionConfig as Record<string, unknown>;

  it('the public-reads cache policy honours origin Cache-Control, at most as long as a live feed, and keys on query strings only', () => {
    // A retraction reaches every cached public read within a live feed's max-age (docs/api.md).
    expect(LIVE_CACHE_CONTROL).toContain(`max-age=${LIVE_MAX_AGE_SECONDS},`);
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        DefaultTTL: 0,
        MinTTL: 0,
        MaxTTL: LIVE_MAX_AGE_SECONDS,
        ParametersInCacheKeyAndForwardedToOrigin: {
          // No cookies and no headers: one shared copy per URL, and CloudFront keeps doing
          // conditional revalidation (If-None-Match / If-Modified-Since) with the origin.
          CookiesConfig: { CookieBehavior: 'none' },
          HeadersConfig: { HeaderBehavior: 'none' },
          QueryStringsConfig: { QueryStringBehavior: 'all' },
          EnableAcceptEncodingGzip: true,
          EnableAcceptEncodingBrotli: true,
        },
      }),
    });
  });

  it('the default behaviour serves cached GET/HEAD (and CORS preflights) from the HTTP API over HTTPS, compressed', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
          CachedMethods: ['GET', 'HEAD', 'OPTIONS'],
          CachePolicyId: { Ref: Match.stringLikeRegexp('PublicReadsCachePolicy') },
          ViewerProtocolPolicy: 'redirect-to-https',
          Compress: true,
        }),
        Origins: [
          Match.objectLike({
            DomainName: {
              'Fn::Join': ['', [{ Ref: id(stack.httpApi.api) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]],
            },
            CustomOriginConfig: Match.objectLike({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] }),
          }),
        ],
      }),
    });
  });

  it('writes bypass the cache: no behaviour accepts POST, and no origin request policy forwards Host', () => {
    const config = distribution();
    const behaviors = [config.DefaultCacheBehavior, ...((config.CacheBehaviors as unknown[]) ?? [])] as Record<string, unknown>[];
    for (const behavior of behaviors) {
      expect(behavior.AllowedMethods).not.toContain('POST');
      expect(behavior.OriginRequestPolicyId).toBeUndefined();
    }
  });

  it('every answer carries the pages’ CSP (the same the origin sends) and the security headers', () => {
    const policies = template.findResources('AWS::CloudFront::ResponseHeadersPolicy');
    const entries = Object.entries(policies) as [string, { Properties: { ResponseHeadersPolicyConfig: Record<string, unknown> } }][];
    expect(entries).toHaveLength(1);
    const [policyId, policy] = entries[0]!;
    expect(policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig).toEqual({
      ContentSecurityPolicy: { ContentSecurityPolicy: PAGE_CSP, Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: PAGE_REFERRER_POLICY, Override: true },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000, IncludeSubdomains: true, Override: true },
    });
    const config = distribution();
    const behaviors = [config.DefaultCacheBehavior, ...((config.CacheBehaviors as unknown[]) ?? [])] as Record<string, unknown>[];
    for (const behavior of behaviors) expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
  });

  it('the pages’ static assets are kept as long as their immutable names allow, whatever the query string', () => {
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        MaxTTL: 365 * 86400,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({ QueryStringsConfig: { QueryStringBehavior: 'none' } }),
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        CacheBehaviors: Match.arrayWith([
          Match.objectLike({ PathPattern: '/assets/*', CachePolicyId: { Ref: Match.stringLikeRegexp('StaticAssetsCachePolicy') } }),
        ]),
      }),
    });
  });

  it('/health is never cached', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        CacheBehaviors: Match.arrayWith([
          Match.objectLike({
            PathPattern: '/health',
            // Managed CachingDisabled policy.
            CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
          }),
        ]),
      }),
    });
  });

  it('a custom domain gets its certificate, TLS 1.2 minimum, alias records, and becomes the public base URL', () => {
    const { template: t } = variant({
      stage: 'custom',
      domainName: 'news.example.org',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      hostedZoneId: 'Z0123456789',
      hostedZoneName: 'example.org',
    });
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['news.example.org'],
        ViewerCertificate: Match.objectLike({
          AcmCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        }),
      }),
    });
    t.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'news.example.org.', Type: 'A', HostedZoneId: 'Z0123456789' });
    t.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'news.example.org.', Type: 'AAAA' });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PUBLIC_BASE_URL: 'https://news.example.org' }) },
    });
  });
});

describe('alarms', () => {
  const alarmOn = (props: Record<string, unknown>) =>
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...props,
      AlarmActions: [{ Ref: id(stack.alarms.topic) }],
      TreatMissingData: 'notBreaching',
    });

  it('projector errors', () => {
    alarmOn({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(stack.projector.function) } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('projector iterator age over a minute', () => {
    alarmOn({
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(stack.projector.function) } }],
      Statistic: 'Maximum',
      Threshold: 60000,
    });
  });

  it('projector DLQ depth', () => {
    alarmOn({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack.projector.dlq), 'QueueName'] } }],
      Threshold: 1,
    });
  });

  it('API 5xx', () => {
    alarmOn({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: id(stack.httpApi.api) } }],
      Statistic: 'Sum',
    });
  });

  it('editor tokens stuck on the last good table: the write function’s Powertools metric, three 5-minute periods in a row', () => {
    alarmOn({
      Namespace: 'Newsroom/prod',
      MetricName: EDITOR_TOKENS_STALE_METRIC,
      Dimensions: [{ Name: 'service', Value: 'newsroom-write' }],
      Statistic: 'Sum',
      Threshold: 1,
      EvaluationPeriods: 3,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'newsroom-write', POWERTOOLS_METRICS_NAMESPACE: 'Newsroom/prod' }) },
    });
  });

  it('an alarm e-mail subscribes to the alarm topic', () => {
    variant({ stage: 'mail', alarmEmail: 'oncall@example.org' }).template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.org',
    });
  });
});

describe('logical ids', () => {
  it('stay those the stateful resources were first given: a new one would replace a table or queue, which starts empty', () => {
    const stateful = [stack.eventStore.eventsTable, stack.eventStore.idempotencyTable, stack.views.table, stack.projector.dlq];
    expect(stateful.map(id)).toEqual(['EventsTableD24865E5', 'IdempotencyTable22A5A209', 'ViewsTable7827252D', 'ProjectorDlq9B83E867']);
  });

  it('of the HTTP API stays the same: a replaced API would get a new execute-api URL, the one editors POST to', () => {
    expect(id(stack.httpApi.api)).toBe('HttpApiF5A9A8A7');
  });

  it('of what a replacement would clash with or orphan stay too: the stage, the distribution, the alarm topic, retained log groups', () => {
    const ids = Object.keys(template.toJSON().Resources as Record<string, unknown>);
    for (const kept of [
      'HttpApiStage21ACA647',
      'HttpApiAccessLogs4B419BF6',
      'WriteApiLogsBA33254C',
      'ReadApiLogsBC088859',
      'ProjectorLogsF781E3AA',
      'ReplayLogs26275625',
      'Distribution830FAC52',
      'PublicReadsCachePolicy9A85B194',
      'AlarmTopicD01E77F9',
    ]) {
      expect(ids).toContain(kept);
    }
  });
});

describe('configuration', () => {
  it('rejects a domain without a certificate, and a bad stage', () => {
    expect(() => resolveConfig({ domainName: 'news.example.org' })).toThrow(/certificateArn/);
    expect(() => resolveConfig({ stage: 'Prod!' })).toThrow(/stage/);
    expect(() => resolveConfig({ hubUrl: 'not a url' })).toThrow(/hubUrl/);
  });

  it('names no resource the stack creates (tables, functions, queue, topic, log groups)', () => {
    const json = template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    const nameProps: Record<string, string> = {
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::SNS::Topic': 'TopicName',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::IAM::Role': 'RoleName',
    };
    for (const resource of Object.values(json)) {
      const prop = nameProps[resource.Type];
      if (prop) expect(resource.Properties?.[prop]).toBeUndefined();
    }
  });
});
