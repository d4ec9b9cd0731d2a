import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../infra/config.js';
import type { NewsroomFunction } from '../../infra/constructs/newsroom-function.js';
import { createNewsroomApp } from '../../infra/newsroom-app.js';
import { allAllowedActions, dependencyCycle, grantsOfRole, logicalId } from './template-helpers.js';
import { ACTIVITY_INDEX, STORY_CATALOG, tableDefinitions } from '../../shared/adapters/dynamodb/tables.js';
import { LIVE_CACHE_CONTROL, LIVE_MAX_AGE_SECONDS } from '../../shared/application/representation.js';
import { PAGE_CSP, PAGE_REFERRER_POLICY } from '../../shared/adapters/http/page-security.js';
import { EDITOR_TOKENS_STALE_METRIC } from '../../functions/api/tokens.js';
import { CACHE_KEY_QUERY, DEFAULT_CACHE_QUERY, EDITOR_CACHE_QUERY, EDITOR_PATHS, ORIGIN_VERIFY_HEADER } from '../../infra/constructs/cdn.js';
import { EDGE_REFRESH } from '../../infra/constructs/edge-refresher.js';
import { ORIGIN_VERIFY_HEADER as ORIGIN_VERIFY_HEADER_IN_APP } from '../../shared/adapters/http/origin.js';
import { queryParameters, routes, type Route } from '../../shared/adapters/http/routes.js';
import { API_THROTTLED_METRIC, PROJECTOR_FAILED_STORIES_METRIC } from '../../infra/constructs/alarms.js';

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
  [id(stack.edgeRefresher.queue)]: 'edge-queue',
  [id(stack.cdn.distribution)]: 'distribution',
  [id(stack.replay.queue)]: 'replay-queue',
  [id(stack.releases.function)]: 'release-function',
  [id(stack.releases.dlq)]: 'release-dlq',
  [id(stack.releases.schedulerRole)]: 'scheduler-role',
};
for (const fn of [stack.httpApi.writeApi, stack.httpApi.readApi, stack.projector, stack.replay, stack.releases, stack.edgeRefresher]) {
  names[id(fn.logGroup)] = 'own-log-group';
}
const grants = (fn: NewsroomFunction) => grantsOfRole(template, id(fn.role), names);

const TRACING = { '*': ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'] };
const OWN_LOGS = { 'own-log-group': ['logs:CreateLogStream', 'logs:PutLogEvents'] };
const VIEWS_READ = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'];
const VIEWS_READ_WRITE = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];
const views = (actions: string[]) => ({
  views: actions,
  'views/index/byTimeline': actions,
  'views/index/byActivity': actions,
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

  it('views: the activity index, keys only, the same as the local table (story list pages, all-stories feeds)', () => {
    const [, local] = tableDefinitions({ events: 'e', views: 'v', idempotency: 'i' });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: Match.arrayWith([{ AttributeName: 'pk', KeyType: 'HASH' }]),
      GlobalSecondaryIndexes: local!.GlobalSecondaryIndexes,
      AttributeDefinitions: Match.arrayWith(
        local!.AttributeDefinitions!.filter((a) => a.AttributeName === ACTIVITY_INDEX.partitionKey || a.AttributeName === ACTIVITY_INDEX.sortKey),
      ),
    });
    expect(local!.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({ IndexName: 'byActivity', Projection: { ProjectionType: 'KEYS_ONLY' } }),
    ]);
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
    ['edge', stack.edgeRefresher],
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
      events: ['dynamodb:PutItem', 'dynamodb:Query'],
      idempotency: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      ...views(VIEWS_READ),
      'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/newsroom/prod/editor-tokens': ['ssm:GetParameter'],
    });
  });

  it('read: only reads views and events, and the editor token hashes (an editor reads the full event log)', () => {
    expect(grants(stack.httpApi.readApi)).toEqual({
      ...OWN_LOGS,
      ...TRACING,
      ...views(VIEWS_READ),
      events: ['dynamodb:Query'],
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
      // Its changes for the edge refresher: it never calls CloudFront or a hub itself.
      'edge-queue': ['sqs:SendMessage'],
      'events.StreamArn': ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      '*': ['dynamodb:ListStreams', ...TRACING['*']].sort(),
      // Embargoes: the release schedules of its own group, handing Scheduler its role only.
      [RELEASE_SCHEDULES]: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:UpdateSchedule'],
      'scheduler-role if {"StringEquals":{"iam:PassedToService":"scheduler.amazonaws.com"}}': ['iam:PassRole'],
    });
  });

  it('edge refresher: invalidates on this distribution only, consumes its queue; no table, no other distribution', () => {
    expect(grants(stack.edgeRefresher)).toEqual({
      ...OWN_LOGS,
      ...TRACING,
      'arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${distribution}': [
        'cloudfront:CreateInvalidation',
        'cloudfront:GetInvalidation',
      ],
      'edge-queue': ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
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

  it('replay: reads events, lists stories from the catalog index (no scan), writes views, sends to and consumes only its queue', () => {
    expect(grants(stack.replay)).toEqual({
      ...OWN_LOGS,
      ...TRACING,
      events: ['dynamodb:Query'],
      'events/index/storyCatalog': ['dynamodb:Query'],
      ...views(VIEWS_READ_WRITE),
      'replay-queue': [
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
      ],
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

  it('a token path (the parameter name ends with /) grants exactly GetParametersByPath on that path, to both API functions', () => {
    const other = variant({ stage: 'path', editorTokensParameter: '/newsroom/path/editors/' });
    for (const fn of [other.stack.httpApi.writeApi, other.stack.httpApi.readApi]) {
      const otherGrants = grantsOfRole(other.template, logicalId(other.stack, fn.role), {});
      expect(otherGrants['arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/newsroom/path/editors']).toEqual([
        'ssm:GetParametersByPath',
      ]);
      expect(Object.values(otherGrants).flat()).not.toContain('ssm:GetParameter');
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
      events: ['dynamodb:PutItem', 'dynamodb:Query'],
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

describe('edge refresher', () => {
  it('the projector queues its changes (EDGE_QUEUE_URL); the refresher knows the distribution, its wait and the pings’ one budget', () => {
    // By default a change waits out the edge's TTL (max-age + stale-while-revalidate) before its ping.
    expect(LIVE_CACHE_CONTROL).toMatch(/max-age=30, stale-while-revalidate=60,/);
    expect(EDGE_REFRESH.ttlWaitSeconds).toBeGreaterThan(30 + 60);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arn(stack.projector.role),
      Environment: {
        Variables: Match.objectLike({
          EDGE_QUEUE_URL: { Ref: id(stack.edgeRefresher.queue) },
          EDGE_PING_DELAY_SECONDS: String(EDGE_REFRESH.ttlWaitSeconds),
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arn(stack.edgeRefresher.role),
      Timeout: EDGE_REFRESH.waitSeconds + EDGE_REFRESH.pingBudgetMs / 1000 + 20,
      Environment: {
        Variables: Match.objectLike({
          DISTRIBUTION_ID: { Ref: id(stack.cdn.distribution) },
          EDGE_WAIT_SECONDS: String(EDGE_REFRESH.waitSeconds),
          WEBSUB_DEADLINE_MS: String(EDGE_REFRESH.pingBudgetMs),
          WEBSUB_HUB_URL: 'https://hub.example.org/',
          EDGE_INVALIDATE_FEEDS: Match.absent(),
        }),
      },
    });
    // edgeFreshness=invalidate: no delay, the refresher invalidates the changed feeds before pinging.
    const { stack: s, template: t } = variant({ stage: 'pushy', hubUrl: 'https://hub.example.org/', edgeFreshness: 'invalidate' });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [logicalId(s, s.projector.role), 'Arn'] },
      Environment: { Variables: Match.objectLike({ EDGE_PING_DELAY_SECONDS: '0' }) },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [logicalId(s, s.edgeRefresher.role), 'Arn'] },
      Environment: { Variables: Match.objectLike({ EDGE_INVALIDATE_FEEDS: '1' }) },
    });
    expect(() => resolveConfig({ edgeFreshness: 'sometimes' })).toThrow(/edgeFreshness/);
  });

  it('alarms the topic when notices land in its DLQ', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack.edgeRefresher.dlq), 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: [{ Ref: id(stack.alarms.topic) }],
      OKActions: [{ Ref: id(stack.alarms.topic) }],
    });
  });

  it('coalesces a few seconds of notices per batch, two batches at a time at most, retrying a failed batch, then its DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arn(stack.edgeRefresher.queue),
      FunctionName: { Ref: id(stack.edgeRefresher.function) },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const timeout = EDGE_REFRESH.waitSeconds + EDGE_REFRESH.pingBudgetMs / 1000 + 20;
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * timeout,
      MessageRetentionPeriod: 3600,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: arn(stack.edgeRefresher.dlq), maxReceiveCount: 5 },
    });
  });
});

describe('replay queue', () => {
  const mapping = () =>
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: id(stack.replay.function) },
      EventSourceArn: arn(stack.replay.queue),
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: 5 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });

  it('caps a full replay by default: one story per invocation, at most 5 at once, and no reserved concurrency (it would fail on a 10-concurrency account)', () => {
    mapping();
    const fn = template.toJSON().Resources[id(stack.replay.function)];
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    expect(fn.Properties.Timeout).toBe(900);
  });

  it('the cap and the write budget are set per stage', () => {
    const other = variant({ stage: 'small', replayConcurrency: '2', replayWriteUnitsPerSecond: '100' });
    other.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(other.stack, other.stack.replay.function) },
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    other.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'newsroom-replay', REPLAY_WRITE_UNITS_PER_SECOND: '100' }) },
    });
    expect(() => resolveConfig({ replayConcurrency: '1' })).toThrow(/replayConcurrency/);
    expect(() => resolveConfig({ replayConcurrency: '1001' })).toThrow(/replayConcurrency/);
    expect(() => resolveConfig({ replayWriteUnitsPerSecond: '0' })).toThrow(/replayWriteUnitsPerSecond/);
  });

  it('the function knows its queue, the redrive count, its write budget and the time a checkpoint needs', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'newsroom-replay',
          REPLAY_QUEUE_URL: { Ref: id(stack.replay.queue) },
          REPLAY_MAX_RECEIVE_COUNT: '3',
          REPLAY_WRITE_UNITS_PER_SECOND: '400',
          REPLAY_WRITE_CONCURRENCY: '4',
          REPLAY_RESERVE_MS: '120000',
        }),
      },
    });
  });

  it('a message that fails 3 deliveries goes to the DLQ; the queue hides a message longer than a run and a finish claim last', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 1200,
      RedrivePolicy: { deadLetterTargetArn: arn(stack.replay.dlq), maxReceiveCount: 3 },
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true });
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

  it.each(['POST /api/stories', 'POST /api/stories/{id}/updates', 'GET /api/openapi.json', 'GET /api/editor', 'HEAD /api/editor'])(
    '%s goes to the write function',
    (routeKey) => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        Target: integrationOf(stack.httpApi.writeApi),
      });
    },
  );

  it('every route the write function serves (the route table) has its API Gateway route to it', () => {
    for (const route of Object.values(routes) as Route[]) {
      if (route.app !== 'write') continue;
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method.toUpperCase()} ${route.path}`,
        Target: integrationOf(stack.httpApi.writeApi),
      });
    }
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

  it('throttles each write route apart from the reads, at apiWriteRateLimit, once the routes exist', () => {
    const writes = { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 };
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: { 'POST /api/stories': writes, 'POST /api/stories/{id}/updates': writes },
    });
    // The stage names the routes: CloudFormation must create them first.
    const [stageId, stageResource] = Object.entries(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
    const routeIds = Object.entries(template.findResources('AWS::ApiGatewayV2::Route'))
      .filter(([, r]) => String((r as { Properties: { RouteKey: string } }).Properties.RouteKey).startsWith('POST '))
      .map(([routeId]) => routeId);
    expect(routeIds).toHaveLength(2);
    expect((stageResource as { DependsOn?: string[] }).DependsOn).toEqual(expect.arrayContaining(routeIds));
    expect(stageId).toBe('HttpApiStage21ACA647');

    const { template: t } = variant({ stage: 'tuned', apiRateLimit: '400', apiWriteRateLimit: '20' });
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 400, ThrottlingBurstLimit: 800 },
      RouteSettings: Match.objectLike({ 'POST /api/stories/{id}/updates': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 } }),
    });
    expect(() => resolveConfig({ apiWriteRateLimit: '0' })).toThrow(/apiWriteRateLimit/);
  });

  it('the access log is one JSON line with what the 5xx runbook reads and the 429 alarm counts', () => {
    const stageResource = template.toJSON().Resources.HttpApiStage21ACA647;
    const format = JSON.parse(stageResource.Properties.AccessLogSettings.Format as string) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      path: '$context.path',
      status: '$context.status',
      integrationStatus: '$context.integrationStatus',
      integrationErrorMessage: '$context.integrationErrorMessage',
      errorMessage: '$context.error.message',
      responseLatency: '$context.responseLatency',
    });
  });
});

describe('CloudFront', () => {
  const distribution = () => template.toJSON().Resources[id(stack.cdn.distribution)].Properties.DistributionConfig as Record<string, unknown>;

  const cachePolicies = () =>
    Object.fromEntries(
      Object.entries(template.findResources('AWS::CloudFront::CachePolicy')).map(([policyId, r]) => [
        policyId,
        (r as { Properties: { CachePolicyConfig: Record<string, unknown> } }).Properties.CachePolicyConfig,
      ]),
    );
  const behaviors = () => {
    const config = distribution();
    return [config.DefaultCacheBehavior, ...((config.CacheBehaviors as unknown[]) ?? [])] as Record<string, unknown>[];
  };
  const policyOf = (behavior: Record<string, unknown>) => cachePolicies()[(behavior.CachePolicyId as { Ref: string }).Ref]!;

  it('the public-reads cache policies honour origin Cache-Control, at most as long as a live feed, key on no header or cookie, and on the normalized Accept-Encoding', () => {
    // A retraction reaches every cached public read within a live feed's max-age (docs/api.md).
    expect(LIVE_CACHE_CONTROL).toContain(`max-age=${LIVE_MAX_AGE_SECONDS},`);
    const editorPaths: readonly string[] = EDITOR_PATHS;
    const reads = behaviors().filter(
      (b) => b.PathPattern !== '/health' && b.PathPattern !== '/assets/*' && !editorPaths.includes(b.PathPattern as string),
    );
    expect(reads).toHaveLength(1 + CACHE_KEY_QUERY.length);
    for (const behavior of reads) {
      expect(policyOf(behavior)).toMatchObject({
        DefaultTTL: 0,
        MinTTL: 0,
        MaxTTL: LIVE_MAX_AGE_SECONDS,
        ParametersInCacheKeyAndForwardedToOrigin: {
          // No cookies and no headers: one shared copy per URL, and CloudFront keeps doing
          // conditional revalidation (If-None-Match / If-Modified-Since) with the origin.
          CookiesConfig: { CookieBehavior: 'none' },
          HeadersConfig: { HeaderBehavior: 'none' },
          // The origin compresses (CloudFront does not compress Atom or JSON Feed): br, gzip or
          // none is in the key and forwarded, one cached copy per coding.
          EnableAcceptEncodingGzip: true,
          EnableAcceptEncodingBrotli: true,
        },
      });
    }
  });

  it('keys each path on the query parameters its route reads, and no other: a made-up parameter is a cache hit', () => {
    const queryOf = (behavior: Record<string, unknown>) =>
      (
        policyOf(behavior).ParametersInCacheKeyAndForwardedToOrigin as {
          QueryStringsConfig: { QueryStringBehavior: string; QueryStrings?: string[] };
        }
      ).QueryStringsConfig;
    // The default behaviour (the front page, the desk's home, unknown paths): the front page's cursor only.
    expect(queryOf(distribution().DefaultCacheBehavior as Record<string, unknown>)).toEqual({
      QueryStringBehavior: 'whitelist',
      QueryStrings: [...DEFAULT_CACHE_QUERY],
    });
    const byPattern = new Map(behaviors().map((b) => [b.PathPattern as string, b]));
    // In CloudFront's precedence: the listed order, before every broader pattern that also matches.
    const patterns = behaviors()
      .map((b) => b.PathPattern)
      .filter(Boolean);
    // /health, /assets/*, then the desk's editor paths (which /api/stories/* would otherwise take first).
    expect(patterns.slice(2)).toEqual([...EDITOR_PATHS, ...CACHE_KEY_QUERY.map((e) => e.pathPattern)]);
    for (const { pathPattern, query } of CACHE_KEY_QUERY) {
      expect(queryOf(byPattern.get(pathPattern)!), pathPattern).toEqual(
        query.length ? { QueryStringBehavior: 'whitelist', QueryStrings: [...query] } : { QueryStringBehavior: 'none' },
      );
    }
    // The same lists as the route table's query schemas (what the origin accepts, serve.ts), for
    // the path each route's requests meet first in that order.
    const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
    const editorPaths: readonly string[] = EDITOR_PATHS;
    const behaviourFor = (path: string) =>
      editorPaths.some((p) => glob(p).test(path))
        ? { query: EDITOR_CACHE_QUERY }
        : (CACHE_KEY_QUERY.find((e) => glob(e.pathPattern).test(path)) ?? { query: DEFAULT_CACHE_QUERY });
    for (const route of Object.values(routes) as Route[]) {
      if (route.method !== 'get' || route.path.startsWith('/assets') || route.path === '/health') continue;
      const example = route.path
        .replace('{id}', 'a-story')
        .replace('{range}', '1-50')
        .replace('{updateId}', '01ARZ3NDEKTSV4RRFFQ69G5FAV')
        .replace('{format}', 'atom');
      const keyed = [...behaviourFor(example).query].sort();
      if (editorPaths.some((p) => glob(p).test(example))) {
        // The editor paths share one policy (Authorization-keyed, answers no-store or the story
        // list's): each route's own parameters are among its keys.
        expect(keyed, route.path).toEqual(expect.arrayContaining(queryParameters(route)));
      } else expect(keyed, route.path).toEqual(queryParameters(route).sort());
    }
  });

  it('CloudFront proves itself to the origin with a generated secret header, which the read function requires', () => {
    expect(ORIGIN_VERIFY_HEADER.toLowerCase()).toBe(ORIGIN_VERIFY_HEADER_IN_APP);
    const secretId = id(stack.cdn.originSecret);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 48, ExcludePunctuation: true }),
    });
    const resolved = { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']] };
    const [origin] = distribution().Origins as Record<string, unknown>[];
    expect(origin!.OriginCustomHeaders).toEqual([{ HeaderName: ORIGIN_VERIFY_HEADER, HeaderValue: resolved }]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.absent(),
      Description: Match.stringLikeRegexp('public reads'),
      Environment: { Variables: Match.objectLike({ ORIGIN_VERIFY_SECRET: resolved }) },
    });
    // Only the read function: the write function answers editors at the API URL.
    const withSecret = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties.Environment?.Variables?.ORIGIN_VERIFY_SECRET,
    );
    expect(withSecret).toHaveLength(1);
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

  const resource = (ref: unknown) => template.toJSON().Resources[(ref as { Ref: string }).Ref].Properties as Record<string, Record<string, unknown>>;

  it('public reads keep their cache: only the editor paths accept POST; every other GET /api/* stays on the public-reads behaviour', () => {
    for (const behavior of behaviors()) {
      if ((EDITOR_PATHS as readonly string[]).includes(behavior.PathPattern as string)) continue;
      expect(behavior.AllowedMethods).not.toContain('POST');
      // Nothing forwards Host (API Gateway must see its own) or Authorization where answers are shared.
      expect(behavior.OriginRequestPolicyId).toBeUndefined();
    }
    // No behaviour takes /api/* whole: the view, the event log and the changes an open page asks for stay cached as before.
    expect(behaviors().map((b) => b.PathPattern)).not.toContain('/api/*');
    const byDefault = distribution().DefaultCacheBehavior as Record<string, unknown>;
    expect(byDefault.AllowedMethods).toEqual(['GET', 'HEAD', 'OPTIONS']);
    expect((byDefault.CachePolicyId as { Ref: string }).Ref).toMatch(/PublicReadsCachePolicy/);
  });

  it('the desk’s writes reach the write API: its paths pass every method with the editor’s token, keys and If-Match, cached only as the origin says', () => {
    const editor = behaviors().filter((b) => (EDITOR_PATHS as readonly string[]).includes(b.PathPattern as string));
    expect(editor.map((b) => b.PathPattern).sort()).toEqual([...EDITOR_PATHS].sort());
    for (const behavior of editor) {
      expect(behavior.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']));
      expect(behavior.CachedMethods).toEqual(['GET', 'HEAD']);
      expect(behavior.ViewerProtocolPolicy).toBe('redirect-to-https');
      const cache = resource(behavior.CachePolicyId).CachePolicyConfig!;
      // CloudFront forwards Authorization only from the cache key: a request with a token never shares an answer with one without.
      expect(cache).toMatchObject({
        DefaultTTL: 0,
        MinTTL: 0,
        MaxTTL: LIVE_MAX_AGE_SECONDS,
        ParametersInCacheKeyAndForwardedToOrigin: {
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] },
          CookiesConfig: { CookieBehavior: 'none' },
          QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: [...EDITOR_CACHE_QUERY] },
        },
      });
      const request = resource(behavior.OriginRequestPolicyId).OriginRequestPolicyConfig!;
      expect(request.HeadersConfig).toEqual({
        HeaderBehavior: 'whitelist',
        Headers: expect.arrayContaining(['Content-Type', 'Idempotency-Key', 'If-Match']),
      });
      expect((request.HeadersConfig as { Headers: string[] }).Headers.map((h) => h.toLowerCase())).not.toContain('host');
      expect(request.CookiesConfig).toEqual({ CookieBehavior: 'none' });
    }
  });

  it('the editor paths are the route table’s editor routes (and the public story list that shares /api/stories)', () => {
    const glob = (path: string) => new RegExp(`^${path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}$`);
    const concrete = (path: string) => path.replace(/\{\w+\}/g, 'x');
    const table = Object.entries(routes) as [string, Route][];
    for (const [name, route] of table) {
      const covered = EDITOR_PATHS.some((p) => glob(p).test(concrete(route.path)));
      // The editor's writes and reads (the scheduled list) reach the origin with the token.
      if (route.editor || route.editorRead) expect(covered, name).toBe(true);
      // A public read on an editor path is the story list alone, whose answer the cache policy keeps as the origin says.
      else if (covered) expect(name).toBe('listStories');
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
  /** An alarm on one function's Lambda metric, summed, at 1 or more. */
  const lambdaAlarm = (metricName: string, fn: NewsroomFunction) =>
    alarmOn({
      Namespace: 'AWS/Lambda',
      MetricName: metricName,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(fn.function) } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  /** An alarm on a function's Powertools metric (the stack's namespace, its service), summed, at 1 or more. */
  const powertoolsAlarm = (metricName: string, service: string, extra: Record<string, unknown> = {}) =>
    alarmOn({
      Namespace: 'Newsroom/prod',
      MetricName: metricName,
      Dimensions: [{ Name: 'service', Value: service }],
      Statistic: 'Sum',
      Threshold: 1,
      ...extra,
    });
  /** An alarm on a queue holding a message. */
  const queueAlarm = (queue: Parameters<typeof logicalId>[1]) =>
    alarmOn({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(queue), 'QueueName'] } }],
      Threshold: 1,
    });

  it('projector errors', () => {
    lambdaAlarm('Errors', stack.projector);
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
    queueAlarm(stack.projector.dlq);
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
    powertoolsAlarm(EDITOR_TOKENS_STALE_METRIC, 'newsroom-write', { EvaluationPeriods: 3 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'newsroom-write', POWERTOOLS_METRICS_NAMESPACE: 'Newsroom/prod' }) },
    });
  });

  it('projector stories that failed in a batch (batch item failures never count as Lambda errors): its Powertools metric', () => {
    powertoolsAlarm(PROJECTOR_FAILED_STORIES_METRIC, 'newsroom-projector');
    // The metric the projector emits (functions/projector/handler.ts), by that name.
    expect(readFileSync(join(import.meta.dirname, '../../functions/projector/handler.ts'), 'utf8')).toContain(
      `addMetric('${PROJECTOR_FAILED_STORIES_METRIC}', MetricUnit.Count`,
    );
  });

  it('throttles of every function', () => {
    expect(stack.functions.length).toBeGreaterThanOrEqual(4);
    for (const fn of stack.functions) lambdaAlarm('Throttles', fn);
  });

  it('replay errors and the replay DLQ', () => {
    lambdaAlarm('Errors', stack.replay);
    queueAlarm(stack.replay.dlq);
  });

  it('API 429s, counted from the access log', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: 'HttpApiAccessLogs4B419BF6' },
      FilterPattern: '{ $.status = "429" }',
      MetricTransformations: [{ MetricNamespace: 'Newsroom/prod', MetricName: API_THROTTLED_METRIC, MetricValue: '1', Unit: 'Count' }],
    });
    alarmOn({ Namespace: 'Newsroom/prod', MetricName: API_THROTTLED_METRIC, Statistic: 'Sum', Threshold: 10 });
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
