/**
 * Deploy parity: the code Lambda would run, run as Lambda runs it, answers as the local newsroom does,
 * and calls AWS only as its role allows.
 *
 * - The stack is synthesized once, offline (esbuild, no Docker), into a cdk.out of its own; each
 *   function's bundle is loaded from it in a fresh Node process (../support/parity/lambda-process.ts)
 *   with exactly the template's environment, its table references resolved to tables made here on
 *   DynamoDB Local from the project's own declarations (shared/adapters/dynamodb/tables.ts).
 * - Every AWS call a bundle makes goes, through SDK v3's own `AWS_ENDPOINT_URL_<SERVICE>` variables,
 *   to a recording endpoint of its function (../support/parity/aws-wire.ts): DynamoDB calls pass on
 *   to DynamoDB Local; SSM's GetParameter of the editors' token hashes is answered by a stand-in that
 *   speaks SSM's JSON protocol (docs/deploy.md, "Deploy parity"); SQS messages (the projector's edge
 *   notices, replay's queue) are queued and delivered, in batches, to the function whose event
 *   source mapping reads the queue (and a Lambda Event invoke to the function it names);
 *   CloudFront's CreateInvalidation/GetInvalidation (the edge refresher) go to a stand-in that keeps
 *   the invalidated paths, and EventBridge Scheduler's CreateSchedule/UpdateSchedule/DeleteSchedule
 *   (the projector's release schedules) to one that keeps the schedules.
 * - The local newsroom (functions/local/server.ts, the real server) runs beside them on the same
 *   events and idempotency tables and a views table of its own, projected by its own stream poller.
 *
 * Then: the editors' POSTs (open a story, every update type, as API Gateway hands them over: base64
 * bodies, cookies, repeated headers) answer the same through the write bundle as through the local
 * server; the projector bundle, given the events table's real stream records in the event source
 * mapping's batches, builds the same views as the local projector and queues the retractions for
 * the edge, which the edge bundle invalidates on the distribution, and keeps the embargoed
 * updates' release schedules; the release bundle, given the schedule's payload once due and the
 * sweep's, releases the embargoed update, which the projector bundle then shows as the local server
 * does; the replay bundle rebuilds them as an operator starts it and its queue's messages reach it,
 * until the generation switches; and every public GET of the route table, routed by the
 * template's HTTP API routes, answers the same status, headers and bytes through the bundles as
 * through the local server, and a read that did not come through CloudFront is refused by the read
 * bundle (the origin lock), which the local server has not. Last, IAM both ways
 * (../support/parity/iam.ts), written to test-results/parity-iam.txt, and docs/deploy.md's IAM
 * table held equal to what this run proves (`npm run docs:iam` rewrites it).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNewsroom, type Newsroom } from '../../functions/local/server';
import { lambdaStreamRecord } from '../../functions/local/stream-poller';
import { clientConfig } from '../../shared/adapters/dynamodb/client';
import { ensureTables, tableDefinitions } from '../../shared/adapters/dynamodb/tables';
import { routes, type RouteId } from '../../shared/adapters/http/routes';
import { FEED_FORMATS } from '../../shared/domain/feeds/urls';
import { updateSchema } from '../../shared/domain/story/updates';
import { createTestStore, type TestStore } from '../support/dynamo';
import { opened, statement } from '../support/events';
import {
  CloudFrontStandIn,
  PARITY_ACCOUNT,
  PARITY_REGION,
  RecordingEndpoint,
  SchedulerStandIn,
  SsmStandIn,
  distributionArn,
  scheduleArn,
  tableArn,
  type Dispatched,
  type RecordedCall,
} from '../support/parity/aws-wire';
import {
  apiGatewayEvent,
  apiRoutes,
  fromLambdaResult,
  matchRoute,
  sendHttp,
  type ApiRoute,
  type HttpAnswer,
  type HttpRequest,
} from '../support/parity/http';
import { checkFunction, formatReports, resolveStatements, type FunctionIamReport } from '../support/parity/iam';
import { startLambdaProcess, type LambdaProcess } from '../support/parity/lambda-process';
import { resolveIntrinsics, synthesizeStack, type SynthesizedStack, type Template } from '../support/parity/stack';
import { until } from '../support/until';

const TOKEN = 'parity-editor-token-0123456789';
const AWS_STORY = 'parity-aws';
const LOCAL_STORY = 'parity-local';
/** A story long enough for an archive page (NEWSROOM_FEED_SIZE is 50 on both sides). */
const LONG_STORY = 'parity-long';
const LONG_UPDATES = 52;
const root = new URL('../../', import.meta.url);

let stack: SynthesizedStack;
let store: TestStore;
let localViews: string;
let newsroom: Newsroom;
let ssm: SsmStandIn;
let cloudFront: CloudFrontStandIn;
let scheduler: SchedulerStandIn;
/** When the session's embargoed statement is rescheduled to be released (both sessions: the same instant). */
let releaseAt: string;
/** Its first release time, never reached here (its schedule is moved, its index item stays pending). */
let firstReleaseAt: string;
/** The release is this far after the sessions start: past the projector and edge phases, which must not see it. */
const RELEASE_DELAY_MS = 20_000;
const calls: RecordedCall[] = [];
const dispatched: Dispatched[] = [];
const endpoints: RecordingEndpoint[] = [];
const running = new Map<string, LambdaProcess>();
let refs: Record<string, string>;
let attributes: Record<string, string>;
let httpRoutes: ApiRoute[];
const bundleOutput: string[] = [];

/** The name each function has here (its FunctionName on AWS is CloudFormation's). */
const functionName = (name: string) => `${stack.stackName}-${name}`;
const fnByName = (name: string) => {
  const fn = stack.functions.find((f) => f.name === name);
  if (!fn) throw new Error(`the template has no ${name} function`);
  return fn;
};

/**
 * What every Ref and Fn::GetAtt of the template stands for here: the tables by their key schema
 * (the project's declarations), functions by the names given them here, anything else by a
 * placeholder of its logical id (an ARN of its service), so that an ARN in a policy compares with
 * the ARNs of the calls.
 */
function resolution(template: Template, tables: { events: string; views: string; idempotency: string }) {
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': PARITY_REGION,
    'AWS::AccountId': PARITY_ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stack.stackName,
    'AWS::NoValue': '',
  };
  const r: Record<string, string> = { ...pseudo };
  const a: Record<string, string> = {};
  const declared = tableDefinitions(tables);
  for (const [id, resource] of Object.entries(template.Resources)) {
    const service = resource.Type.split('::')[1]!.toLowerCase();
    r[id] = id;
    a[`${id}.Arn`] = `arn:aws:${service}:${PARITY_REGION}:${PARITY_ACCOUNT}:${id}`;
    if (resource.Type === 'AWS::DynamoDB::Table') {
      const keys = JSON.stringify(resource.Properties!.KeySchema);
      const local = declared.find((d) => JSON.stringify(d.KeySchema) === keys);
      if (!local) throw new Error(`${id}: a table whose key schema no local declaration has (shared/adapters/dynamodb/tables.ts)`);
      r[id] = local.TableName!;
      a[`${id}.Arn`] = tableArn(local.TableName!);
      a[`${id}.StreamArn`] = `${tableArn(local.TableName!)}/stream/2026-12-02T00:00:00.000`;
    } else if (resource.Type === 'AWS::Lambda::Function') {
      const fn = stack.functions.find((f) => f.logicalId === id);
      const name = fn ? functionName(fn.name) : id;
      r[id] = name;
      a[`${id}.Arn`] = `arn:aws:lambda:${PARITY_REGION}:${PARITY_ACCOUNT}:function:${name}`;
    } else if (resource.Type === 'AWS::IAM::Role') {
      // IAM's ARNs name no region: `arn:aws:iam::<account>:role/<name>`.
      a[`${id}.Arn`] = `arn:aws:iam::${PARITY_ACCOUNT}:role/${id}`;
    } else if (resource.Type === 'AWS::Logs::LogGroup') {
      a[`${id}.Arn`] = `arn:aws:logs:${PARITY_REGION}:${PARITY_ACCOUNT}:log-group:${id}:*`;
    } else if (resource.Type === 'AWS::SQS::Queue') {
      r[id] = `https://sqs.${PARITY_REGION}.amazonaws.com/${PARITY_ACCOUNT}/${id}`;
      a[`${id}.QueueName`] = id;
    } else if (resource.Type === 'AWS::CloudFront::Distribution') {
      a[`${id}.DomainName`] = 'd111111abcdef8.cloudfront.net';
    }
  }
  return { refs: r, attributes: a };
}

/** The function's template variables, resolved. */
function environmentOf(name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(fnByName(name).environment).map(([k, v]) => [k, resolveIntrinsics(v, refs, attributes)]));
}

/** The queue (its logical id) of an SQS queue URL: its last segment, as in the URLs `resolution` gives. */
const queueIdOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

/**
 * A function's environment with each queue URL on its recording endpoint: the SQS client sends a
 * message to the host its QueueUrl names, not to the endpoint variable (`useQueueUrlAsEndpoint`,
 * @aws-sdk/middleware-sdk-sqs), as on AWS, where that host is SQS's. Left on the placeholder host,
 * the projector's notices would go to sqs.us-east-1.amazonaws.com and be lost.
 */
function onEndpoint(environment: Record<string, string>, endpoint: string): Record<string, string> {
  const queueUrl = new RegExp(`^https://sqs\\.${PARITY_REGION}\\.amazonaws\\.com/${PARITY_ACCOUNT}/(\\w+)$`);
  return Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, v.replace(queueUrl, `${endpoint}/${PARITY_ACCOUNT}/$1`)]));
}

async function lambda(name: string): Promise<LambdaProcess> {
  const existing = running.get(name);
  if (existing) return existing;
  const fn = fnByName(name);
  const hashKeys = Object.fromEntries(
    tableDefinitions(store.tables).map((d) => [d.TableName!, d.KeySchema!.find((k) => k.KeyType === 'HASH')!.AttributeName!]),
  );
  const endpoint = await new RecordingEndpoint(
    name,
    { dynamodb: store.endpoint, ssm: ssm.url },
    calls,
    dispatched,
    cloudFront,
    scheduler,
    hashKeys,
  ).start();
  endpoints.push(endpoint);
  const started = await startLambdaProcess({
    fn,
    functionName: functionName(name),
    environment: onEndpoint(environmentOf(name), endpoint.url),
    awsEndpoint: endpoint.url,
    // The same database of DynamoDB Local as the tests' (access key `local`, see clientConfig).
    accessKeyId: 'local',
    onOutput: (line) => bundleOutput.push(`${name}: ${line}`),
  });
  running.set(name, started);
  return started;
}

// ---------------------------------------------------------------------------------------------
// HTTP: one request, through the template's routes to a bundle, and to the local server.

/**
 * The headers CloudFront adds to what it passes to the origin (the distribution's
 * OriginCustomHeaders, resolved: an origin secret is the same text here as in the function's
 * environment). Reads reach the API through CloudFront; writes are sent to the API URL itself.
 */
function cloudFrontOriginHeaders(): [string, string][] {
  const distribution = Object.values(stack.template.Resources).find((r) => r.Type === 'AWS::CloudFront::Distribution');
  const origins = ((
    distribution?.Properties?.DistributionConfig as { Origins?: { OriginCustomHeaders?: { HeaderName: string; HeaderValue: unknown }[] }[] }
  )?.Origins ?? []) as { OriginCustomHeaders?: { HeaderName: string; HeaderValue: unknown }[] }[];
  return origins.flatMap((o) =>
    (o.OriginCustomHeaders ?? []).map((h) => [h.HeaderName, resolveIntrinsics(h.HeaderValue, refs, attributes)] as [string, string]),
  );
}
const THROUGH_CLOUDFRONT = new Set(['GET', 'HEAD', 'OPTIONS']);

let requestNumber = 0;
/**
 * A request through the template's routes to its bundle: a GET, HEAD or OPTIONS as CloudFront
 * passes it on (with its origin headers), anything else as sent to the API URL itself, unless
 * `throughCloudFront` says otherwise (the origin lock's own test sends reads directly).
 */
async function viaLambda(request: HttpRequest, { throughCloudFront = THROUGH_CLOUDFRONT.has(request.method) } = {}): Promise<HttpAnswer> {
  const req = throughCloudFront ? { ...request, headers: [...(request.headers ?? []), ...cloudFrontOriginHeaders()] } : request;
  const path = req.path.split('?')[0]!;
  const match = matchRoute(httpRoutes, req.method, path);
  if (!match) throw new Error(`no route of the HTTP API takes ${req.method} ${path}`);
  const fn = stack.functions.find((f) => f.logicalId === match.route.functionLogicalId)!;
  const result = await (
    await lambda(fn.name)
  ).invoke<Parameters<typeof fromLambdaResult>[0]>(apiGatewayEvent(req, match.route, match.pathParameters, ++requestNumber));
  return fromLambdaResult(result);
}
const viaLocal = (req: HttpRequest) => sendHttp(newsroom.url, req);

/** The headers a client, a cache or a browser acts on. */
const HEADERS_THAT_MATTER = [
  'content-type',
  'etag',
  'last-modified',
  'cache-control',
  'vary',
  'content-encoding',
  'content-security-policy',
  'referrer-policy',
  'x-content-type-options',
  'location',
  'allow',
  'retry-after',
  'www-authenticate',
  'idempotent-replayed',
  'link',
  'access-control-allow-origin',
];
const mattering = (a: HttpAnswer): Record<string, string> =>
  Object.fromEntries(HEADERS_THAT_MATTER.flatMap((h) => (a.headers[h] === undefined ? [] : [[h, a.headers[h]]])));

const bearer: [string, string] = ['authorization', `Bearer ${TOKEN}`];
const jsonPost = (path: string, body: unknown, extra: Partial<HttpRequest> = {}): HttpRequest => ({
  method: 'POST',
  path,
  headers: [bearer, ['content-type', 'application/json'], ...(extra.headers ?? [])],
  body: JSON.stringify(body),
  ...(extra.base64 ? { base64: true } : {}),
  ...(extra.cookies ? { cookies: extra.cookies } : {}),
});

// ---------------------------------------------------------------------------------------------
// The editors' session, run once through the write bundle and once through the local server.

interface Step {
  label: string;
  request: (ids: string[]) => HttpRequest;
}

/** Every update type of the write contract, and the answers a write can give, in one session of one story. */
function session(story: string): Step[] {
  const updates = `/api/stories/${story}/updates`;
  const post = (label: string, body: (ids: string[]) => unknown, extra: Partial<HttpRequest> = {}): Step => ({
    label,
    request: (ids) => jsonPost(updates, body(ids), extra),
  });
  // `{2}` is filled in with the second update id by fillIds; version 11 is the story's before it.
  const keyedPin = () =>
    jsonPost(
      updates,
      { type: 'pin', target: '{2}' },
      {
        headers: [
          ['if-match', '"11"'],
          ['idempotency-key', `${story}-key-1`],
        ],
      },
    );
  return [
    {
      label: 'open a story (base64 body, cookies, a repeated Accept)',
      request: () =>
        jsonPost(
          '/api/stories',
          { id: story, headline: 'Bakiyev flees Bishkek', summary: 'Protesters took the government building.', topics: ['Kyrgyzstan'] },
          {
            base64: true,
            cookies: ['theme=dark', 'session=abc'],
            headers: [
              ['accept', 'application/json'],
              ['accept', 'application/problem+json'],
            ],
          },
        ),
    },
    { label: 'open it again (409)', request: () => jsonPost('/api/stories', { id: story, headline: 'Again', summary: 'Again' }) },
    post('article, a key event', () => ({
      type: 'article',
      title: 'Kyrgyz opposition seizes power',
      url: 'https://example.org/kyrgyzstan?a=1&b=<2>',
      outlet: 'Example Times',
      publishedAt: '2010-04-08T10:00:00Z',
      keyEvent: true,
    })),
    post(
      'statement (base64)',
      () => ({ type: 'statement', speaker: { name: 'Kurmanbek Bakiyev', role: 'president' }, quote: 'I will not resign', saidAt: '2010-04-08' }),
      {
        base64: true,
      },
    ),
    post('statement, reported', () => ({
      type: 'statement',
      speaker: { name: 'Roza Otunbayeva' },
      quote: 'the interim government holds power',
      speech: 'reported',
    })),
    post('correction', (ids) => ({ type: 'correction', target: ids[1], changes: { outlet: 'Example Post' }, note: 'Outlet fixed' })),
    post('retraction', (ids) => ({ type: 'retraction', target: ids[3], reason: 'Misattributed' })),
    post('headline', () => ({ type: 'headline', headline: 'Bakiyev leaves Bishkek', summary: 'He flew to Osh.' })),
    post('key-event', (ids) => ({ type: 'key-event', target: ids[2], keyEvent: true })),
    post('key-event, unmarked', (ids) => ({ type: 'key-event', target: ids[1], keyEvent: false })),
    post('pin', (ids) => ({ type: 'pin', target: ids[1] })),
    post('unpin', () => ({ type: 'unpin' })),
    { label: 'with If-Match of the current version and an Idempotency-Key', request: keyedPin },
    { label: 'the same again: the stored answer, Idempotent-Replayed', request: keyedPin },
    { label: 'a stale If-Match (412)', request: () => jsonPost(updates, { type: 'unpin' }, { headers: [['if-match', '"1"']] }) },
    { label: 'a bad body (400 naming the field)', request: () => jsonPost(updates, { type: 'statement', speaker: {}, quote: '' }) },
    {
      label: 'no token (401)',
      request: () => ({ method: 'POST', path: updates, headers: [['content-type', 'application/json']], body: '{"type":"unpin"}' }),
    },
    { label: 'not JSON (415)', request: () => ({ method: 'POST', path: updates, headers: [bearer, ['content-type', 'text/plain']], body: 'unpin' }) },
    post('statement, embargoed', () => ({
      type: 'statement',
      speaker: { name: 'Almazbek Atambayev' },
      quote: 'elections within six months',
      releaseAt: firstReleaseAt,
    })),
    post('reschedule it', (ids) => ({ type: 'reschedule', target: ids.at(-1), releaseAt })),
    post('statement, embargoed, to be withdrawn', () => ({
      type: 'statement',
      speaker: { name: 'Omurbek Tekebayev' },
      quote: 'a new constitution',
      releaseAt: firstReleaseAt,
    })),
    post('retraction of it before its release (cancels the release)', (ids) => ({ type: 'retraction', target: ids.at(-1), reason: 'Withdrawn' })),
    post('status: concluded', () => ({ type: 'status', status: 'concluded' })),
  ];
}

/** `{2}` in a body stands for the second update id the session made (the pin with If-Match). */
const fillIds = (req: HttpRequest, ids: string[]): HttpRequest =>
  req.body === undefined ? req : { ...req, body: req.body.replace(/\{(\d+)\}/g, (_, i: string) => ids[Number(i)] ?? '') };

/** The update types a session recorded (201), to hold the session to the write contract's list. */
const recordedTypes = new Set<string>();

interface SessionAnswer {
  label: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function runSession(
  story: string,
  send: (req: HttpRequest) => Promise<HttpAnswer>,
): Promise<{ answers: SessionAnswer[]; ids: string[]; version: number }> {
  const ids: string[] = [];
  const answers: SessionAnswer[] = [];
  let version = 0;
  for (const step of session(story)) {
    const answer = await send(fillIds(step.request(ids), ids));
    const text = answer.body.toString('utf8');
    if (answer.status === 201) {
      const sent = step.request(ids);
      if (sent.path.endsWith('/updates')) recordedTypes.add((JSON.parse(sent.body!) as { type: string }).type);
      const body = JSON.parse(text) as { updateId: string; version: number };
      if (!ids.includes(body.updateId)) ids.push(body.updateId);
      version = body.version;
    }
    answers.push({ label: step.label, status: answer.status, headers: mattering(answer), body: text });
  }
  return { answers, ids, version };
}

/** The story id, the update ids (by order of creation) and the times a write made are the only things two sessions may differ in. */
function normalized(answers: SessionAnswer[], story: string, ids: string[]): SessionAnswer[] {
  const replace = (text: string) =>
    ids
      .reduce((t, id, i) => t.replaceAll(id, `{update ${i}}`), text.replaceAll(story, '{story}'))
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, '{time}')
      .replace(/[0-9A-HJKMNP-TV-Z]{26}/g, '{ulid}');
  return answers.map((a) => ({
    ...a,
    headers: Object.fromEntries(Object.entries(a.headers).map(([k, v]) => [k, replace(v)])),
    body: replace(a.body),
  }));
}

// ---------------------------------------------------------------------------------------------
// The stream, as the event source mapping delivers it.

/** Every record of the events table's stream so far, read off DynamoDB Local with the DynamoDBStreams client. */
async function streamRecords(): Promise<DynamoDBRecord[]> {
  const dynamo = new DynamoDBClient(clientConfig(store.endpoint));
  const streams = new DynamoDBStreamsClient(clientConfig(store.endpoint));
  try {
    const streamArn = (await dynamo.send(new DescribeTableCommand({ TableName: store.tables.events }))).Table!.LatestStreamArn!;
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    const out: DynamoDBRecord[] = [];
    for (const shard of StreamDescription!.Shards ?? []) {
      let iterator = (
        await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))
      ).ShardIterator;
      while (iterator) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        out.push(...(page.Records ?? []).map((r) => lambdaStreamRecord(r, streamArn)));
        if ((page.Records ?? []).length === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    return out;
  } finally {
    dynamo.destroy();
    streams.destroy();
  }
}

/** The event source mapping of a function in the template (its properties). */
function mappingOf(name: string): Record<string, unknown> {
  const fn = fnByName(name);
  const mapping = Object.values(stack.template.Resources).find(
    (r) => r.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(r.Properties!.FunctionName) === JSON.stringify({ Ref: fn.logicalId }),
  );
  if (!mapping) throw new Error(`no event source mapping invokes ${name}`);
  return mapping.Properties!;
}

/** The projector's event source mapping in the template: its batch size and its filter. */
function projectorMapping() {
  const mapping = mappingOf('projector');
  const filters = ((mapping.FilterCriteria as { Filters?: { Pattern: string }[] } | undefined)?.Filters ?? []).map(
    (f) => JSON.parse(f.Pattern) as Record<string, string[]>,
  );
  // Equality patterns only (`{"eventName": ["INSERT"]}`): a record passes when some filter's every field names its value.
  const passes = (r: DynamoDBRecord) =>
    filters.length === 0 || filters.some((f) => Object.entries(f).every(([k, v]) => v.includes(String((r as Record<string, unknown>)[k]))));
  return {
    batchSize: Number(mapping.BatchSize),
    passes,
    reportsFailures: JSON.stringify(mapping.FunctionResponseTypes) === '["ReportBatchItemFailures"]',
  };
}

// ---------------------------------------------------------------------------------------------
// Invocations that are not HTTP: one place for their payloads, and for delivering what a function
// dispatched (Lambda's Event invoke; SQS messages, to the function whose mapping reads the queue).

/**
 * The replay function's payloads. The replay helper is changing replay's shape (an SQS fan-out with
 * a concurrency cap and checkpoints): the fan-out and per-story payloads are here and nowhere else,
 * and per-story ones reach the function through `deliver` below, whatever carries them.
 */
const REPLAY = {
  /** Rebuild every story into a new generation (operator): enqueues a StoryMessage per story on the replay queue. */
  fanOut: {},
  /** Rebuild one story in place (operator repair). */
  inPlace: (storyId: string) => ({ storyId }),
};

/** The release function's payloads: its one-time schedule's (the projector's CreateSchedule Input), and the sweep's (the Sweep schedule's Input in the template). */
const RELEASE = {
  scheduled: (storyId: string, updateId: string, at: string) => ({ storyId, updateId, releaseAt: at }),
  sweep: () => {
    const sweep = Object.values(stack.template.Resources).find((r) => r.Type === 'AWS::Scheduler::Schedule');
    return JSON.parse(String((sweep!.Properties!.Target as { Input: string }).Input)) as unknown;
  },
};

/**
 * The functions the suite invokes, and with what. A function the template gains (the embargo
 * work's release function, invoked by EventBridge Scheduler with its payload) fails the coverage
 * test until its payloads are invoked here and its entry added.
 */
const EXERCISED: Record<string, string> = {
  write: 'API Gateway HTTP API 2.0: POST /api/stories, every update type, GET /api/openapi.json',
  read: 'API Gateway HTTP API 2.0: every public GET of the route table, 404/405',
  projector: "DynamoDB Streams batches from the events table's stream, as the event source mapping delivers them",
  replay:
    "the operator's `{}`, then the replay queue's messages (every story, then the finish) as its event source mapping delivers them, then an in-place repair `{storyId}`",
  release: "EventBridge Scheduler's payloads: the one-time schedule's `{storyId, updateId, releaseAt}` once due, and the sweep's",
  edge: "SQS batches of the notices the projector bundle sent to the edge queue, as its event source mapping delivers them (the template's batch size)",
};

/** An SQS message as Lambda's SQS event source hands it to the function. */
function sqsRecord(d: Dispatched, queueArn: string, n: number) {
  const body = JSON.stringify(d.payload);
  return {
    messageId: `parity-${n}`,
    receiptHandle: `parity-${n}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'parity',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: PARITY_REGION,
  };
}

let sqsMessages = 0;
/** How many of the stream's records the projector test read (the release test delivers the ones after). */
let streamDelivered = 0;
/** The SQS batches `deliver` handed a function, for a test to deliver again as SQS would. */
const sqsBatches: { fn: string; records: ReturnType<typeof sqsRecord>[] }[] = [];
/**
 * Delivers everything dispatched so far, until nothing more is (a delivered payload may dispatch
 * more): each Lambda Event invoke to the function it names, and the messages sent to a queue, in
 * order, to the function whose event source mapping reads it, in batches of the mapping's
 * BatchSize (as one batching window would gather them). Resolves to each invocation's answer.
 */
async function deliver(): Promise<unknown[]> {
  const results: unknown[] = [];
  while (dispatched.length > 0) {
    const batch = dispatched.splice(0);
    for (const d of batch.filter((b) => b.service === 'lambda')) {
      const fn = stack.functions.find((f) => functionName(f.name) === d.target || d.target.endsWith(`:function:${functionName(f.name)}`));
      if (!fn) throw new Error(`${d.fn} invoked ${d.target}, which is no function of the stack`);
      results.push(await (await lambda(fn.name)).invoke(d.payload));
    }
    for (const queueUrl of new Set(batch.filter((b) => b.service === 'sqs').map((b) => b.target))) {
      const queueId = queueIdOf(queueUrl);
      const mapping = Object.values(stack.template.Resources).find(
        (r) =>
          r.Type === 'AWS::Lambda::EventSourceMapping' &&
          JSON.stringify(r.Properties!.EventSourceArn) === JSON.stringify({ 'Fn::GetAtt': [queueId, 'Arn'] }),
      );
      const senders = [...new Set(batch.filter((b) => b.target === queueUrl).map((b) => b.fn))].join(', ');
      if (!mapping) throw new Error(`${senders} sent a message to ${queueUrl}, which no function of the stack reads`);
      const fn = stack.functions.find((f) => JSON.stringify(mapping.Properties!.FunctionName) === JSON.stringify({ Ref: f.logicalId }))!;
      const records = batch.filter((b) => b.target === queueUrl).map((d) => sqsRecord(d, attributes[`${queueId}.Arn`]!, ++sqsMessages));
      const size = Number(mapping.Properties!.BatchSize ?? 10);
      for (let i = 0; i < records.length; i += size) {
        sqsBatches.push({ fn: fn.name, records: records.slice(i, i + size) });
        results.push(await (await lambda(fn.name)).invoke({ Records: records.slice(i, i + size) }));
      }
    }
  }
  return results;
}

async function scanViews(table: string) {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items.sort((a, b) => `${String(a.pk)}\u0000${String(a.sk)}`.localeCompare(`${String(b.pk)}\u0000${String(b.sk)}`));
}

// ---------------------------------------------------------------------------------------------

/** Milliseconds per phase (and how many answers the GETs compared), written to test-results/parity-timings.json: figures, not assertions. */
const timings: Record<string, number> = {};
const timed = async <T>(phase: string, run: () => Promise<T>): Promise<T> => {
  const t = performance.now();
  try {
    return await run();
  } finally {
    timings[phase] = performance.now() - t;
  }
};

let awsSession: Awaited<ReturnType<typeof runSession>>;
let localSession: Awaited<ReturnType<typeof runSession>>;

beforeAll(async () => {
  store = await createTestStore();
  localViews = `${store.tables.views}-local`;
  await ensureTables(new DynamoDBClient(clientConfig(store.endpoint)), { ...store.tables, views: localViews }, ['views']);
  let t = performance.now();
  stack = synthesizeStack(`parity-${process.pid}`);
  timings.synthesis = performance.now() - t;
  ({ refs, attributes } = resolution(stack.template, store.tables));
  httpRoutes = apiRoutes(stack.template);

  const parameter = environmentOf('write').EDITOR_TOKENS_PARAMETER!;
  ssm = await new SsmStandIn({ [parameter]: `editor:${createHash('sha256').update(TOKEN).digest('hex')}` }).start();
  // The one distribution of the stack, by the id the edge function is given.
  cloudFront = new CloudFrontStandIn([environmentOf('edge').DISTRIBUTION_ID!]);
  scheduler = new SchedulerStandIn();

  // The local newsroom, configured as the functions are: the same tables (its own views), the same public URL.
  Object.assign(process.env, {
    EVENTS_TABLE: store.tables.events,
    VIEWS_TABLE: localViews,
    IDEMPOTENCY_TABLE: store.tables.idempotency,
    PUBLIC_BASE_URL: environmentOf('read').PUBLIC_BASE_URL,
  });
  newsroom = await startNewsroom({
    endpoint: store.endpoint,
    inMemory: true,
    port: 0,
    seed: false,
    editorTokens: `editor:${TOKEN}`,
    quiet: true,
    log: () => {},
  });

  // Whole seconds: the schedule's at() and the release index's sort key read them as written.
  const second = Math.ceil(Date.now() / 1000) * 1000;
  releaseAt = new Date(second + RELEASE_DELAY_MS).toISOString();
  firstReleaseAt = new Date(second + 24 * 3_600_000).toISOString();
  t = performance.now();
  awsSession = await runSession(AWS_STORY, viaLambda);
  timings.writeBundleSession = performance.now() - t;
  t = performance.now();
  localSession = await runSession(LOCAL_STORY, viaLocal);
  timings.localServerSession = performance.now() - t;
  // Appended straight to the events table (the sessions above are what goes through the write
  // bundle): its records reach both projectors by the stream like any other.
  const long = [
    opened(LONG_STORY),
    ...Array.from({ length: LONG_UPDATES }, (_, i) => statement(i + 2, 'A speaker', `Statement ${i + 1}`, LONG_STORY)),
  ];
  await store.events.append(LONG_STORY, 0, long as never);
}, 120_000);

afterAll(async () => {
  await Promise.all([...running.values()].map((p) => p.stop()));
  await Promise.all(endpoints.map((e) => e.stop()));
  await ssm?.stop();
  await newsroom?.stop();
  for (const key of ['EVENTS_TABLE', 'VIEWS_TABLE', 'IDEMPOTENCY_TABLE', 'PUBLIC_BASE_URL', 'DYNAMODB_ENDPOINT', 'DYNAMODB_VIEWS_ENDPOINT'])
    delete process.env[key];
  await store?.drop();
  stack?.remove();
});

describe('the bundles in cdk.out', () => {
  it('are every function of the template, each exercised here', () => {
    expect(stack.functions.map((f) => f.name).sort()).toEqual(Object.keys(EXERCISED).sort());
  });
});

describe('the write bundle, through the HTTP API routes of the template', () => {
  it('answers an editing session (every update type, and a write’s refusals) as the local server does', () => {
    expect(awsSession.answers.map((a) => `${a.label}: ${a.status}`)).toEqual(localSession.answers.map((a) => `${a.label}: ${a.status}`));
    expect(normalized(awsSession.answers, AWS_STORY, awsSession.ids)).toEqual(normalized(localSession.answers, LOCAL_STORY, localSession.ids));
    // The session did what it says: created, conflicted, replayed, refused.
    expect(awsSession.answers.map((a) => a.status)).toEqual([
      201, 409, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 412, 400, 401, 415, 201, 201, 201, 201, 201,
    ]);
    expect(awsSession.answers[13]!.headers['idempotent-replayed']).toBe('true');
    // Every update type of the write contract was recorded: a new type fails here until the session posts it.
    expect([...recordedTypes].sort()).toEqual(updateSchema.def.options.map((o) => o.shape.type.def.values[0]).sort());
  });
});

describe('the projector bundle, on the real stream', () => {
  it('builds from the event source mapping’s batches the views the local projector builds', () =>
    timed('projector', async () => {
      const mapping = projectorMapping();
      expect(mapping.reportsFailures).toBe(true);
      const records = (await streamRecords()).filter(mapping.passes);
      const expected = awsSession.version + localSession.version + LONG_UPDATES + 1;
      expect(records.length).toBeGreaterThanOrEqual(expected);
      // One record never arrives (its batch went to the DLQ): the projector fills the gap from the
      // events table when the next record of that story comes (its ReadEventRange grant).
      const lost = records.findIndex((r) => r.dynamodb?.Keys?.storyId?.S === LONG_STORY && r.dynamodb.Keys.version?.N === '10');
      expect(lost).toBeGreaterThan(0);
      const delivered = records.filter((_, i) => i !== lost);
      streamDelivered = records.length;
      const projector = await lambda('projector');
      const projectedAt = Date.now();
      for (let i = 0; i < delivered.length; i += mapping.batchSize) {
        const out = await projector.invoke<{ batchItemFailures: unknown[] }>({ Records: delivered.slice(i, i + mapping.batchSize) });
        expect(out).toEqual({ batchItemFailures: [] });
      }
      // The local server's poller projected the same stream into its own views table.
      for (const [story, version] of [
        [AWS_STORY, awsSession.version],
        [LOCAL_STORY, localSession.version],
        [LONG_STORY, LONG_UPDATES + 1],
      ] as const) {
        await until(async () => {
          const answer = await viaLocal({ method: 'GET', path: `/api/stories/${story}` });
          return answer.status === 200 && (JSON.parse(answer.body.toString()) as { version: number }).version === version ? true : undefined;
        }, 20_000);
      }
      // The generation pointer: the local server writes it when it starts on an empty store; on AWS
      // the first replay does, and until then readers take its absence for the default generation.
      const notPointer = (item: Record<string, unknown>) => !(item.pk === 'meta' && item.sk === 'generation');
      const [lambdaItems, localItems] = await Promise.all([scanViews(store.tables.views), (await scanViews(localViews)).filter(notPointer)]);
      expect(lambdaItems.length).toBeGreaterThan(LONG_UPDATES);
      expect(lambdaItems).toEqual(localItems);

      // The embargo events on Lambda: each session's embargoed statement got a one-time schedule in
      // the stack's group, and its reschedule moved it (a second create is a conflict: updated); the
      // second embargoed statement's schedule was deleted when its retraction cancelled the release.
      const env = environmentOf('projector');
      const group = env.RELEASE_SCHEDULE_GROUP!;
      const names = [...scheduler.schedules.values()].map((sc) => sc.name);
      expect(names).toHaveLength(2);
      expect(scheduler.log.map((l) => [l.op, l.status])).toEqual(
        [AWS_STORY, LOCAL_STORY].flatMap(() => [
          ['CreateSchedule', 200],
          ['CreateSchedule', 409],
          ['UpdateSchedule', 200],
          ['CreateSchedule', 200],
          ['DeleteSchedule', 200],
        ]),
      );
      const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16);
      // Each embargoed statement's schedule, as created: at() of its release's minute (a day ahead).
      const created = scheduler.log.filter((l) => l.op === 'CreateSchedule' && l.status === 200);
      expect(created.map((l) => l.expression)).toEqual(created.map(() => `at(${minute(Date.parse(firstReleaseAt))}:00)`));
      expect(created).toHaveLength(4);
      for (const sc of scheduler.schedules.values()) {
        const input = JSON.parse(sc.Target!.Input!) as { storyId: string; updateId: string; releaseAt: string };
        expect([sc.fn, sc.group, sc.Target!.Arn, sc.Target!.RoleArn, sc.ActionAfterCompletion, input.releaseAt]).toEqual([
          'projector',
          group,
          env.RELEASE_FUNCTION_ARN,
          env.RELEASE_SCHEDULER_ROLE_ARN,
          'DELETE',
          releaseAt,
        ]);
        expect(env.RELEASE_FUNCTION_ARN).toBe(attributes[`${fnByName('release').logicalId}.Arn`]);
        // Moved: at() of the release's minute, or (it is due within a minute, and Scheduler wants a
        // time to come) of the minute after the projection's next one.
        const at = /^at\((.{16}):00\)$/.exec(sc.ScheduleExpression!)?.[1];
        expect([minute(Date.parse(releaseAt)), minute(projectedAt + 60_000), minute(Date.now() + 60_000)], sc.ScheduleExpression).toContain(at);
      }
      const authorized = calls.filter((c) => c.service === 'scheduler').flatMap((c) => c.authorizations.map((a) => a.action));
      expect(new Set(authorized)).toEqual(
        new Set(['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'iam:PassRole']),
      );
      // Each call authorized on its schedule's ARN; Create and Update also pass the scheduler role to Scheduler.
      expect(calls.filter((c) => c.service === 'scheduler').map((c) => [c.operation, c.authorizations])).toEqual(
        scheduler.log.map((l) => [
          l.op,
          [
            { action: `scheduler:${l.op}`, resource: scheduleArn(group, l.name) },
            ...(l.op === 'DeleteSchedule'
              ? []
              : [
                  {
                    action: 'iam:PassRole',
                    resource: env.RELEASE_SCHEDULER_ROLE_ARN,
                    context: { 'iam:PassedToService': ['scheduler.amazonaws.com'] },
                  },
                ]),
          ],
        ]),
      );
    }));
});

/**
 * What a retraction must leave the edge by (docs/deploy.md §11), written here rather than taken
 * from the refresher's code: every page, feed, archive, permalink and JSON of the story with every
 * query variant, the front page, the story list and the all-stories feeds.
 */
const retractionPaths = (stories: string[]) =>
  [...stories.flatMap((id) => [`/stories/${id}*`, `/api/stories/${id}*`]), '/', '/api/stories', ...FEED_FORMATS.map((f) => `/feed.${f}`)].sort();

/** Whether a CloudFront invalidation path covers a request: a trailing `*` any rest (query included), else the exact path and query. */
const invalidates = (pattern: string, path: string) => (pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern);

describe('the edge bundle, on the notices the projector bundle queued', () => {
  it('invalidates what the session’s retractions changed on the distribution, as the SQS event source mapping delivers them', () =>
    timed('edge', async () => {
      const edgeEnv = environmentOf('edge');
      const queue = queueIdOf(environmentOf('projector').EDGE_QUEUE_URL!);
      const distributionId = edgeEnv.DISTRIBUTION_ID!;
      // The stack's defaults (synthesized with `-c stage=dev`): edgeFreshness `wait` and no hub. So
      // the projector queues the retractions only, at once, and the refresher pings no hub.
      expect(edgeEnv.WEBSUB_HUB_URL).toBeUndefined();
      expect(edgeEnv.EDGE_INVALIDATE_FEEDS).toBeUndefined();
      const notices = dispatched.filter((d) => d.service === 'sqs' && queueIdOf(d.target) === queue);
      expect(notices.length).toBe(dispatched.length);
      expect(notices.map((n) => [n.fn, n.delaySeconds])).toEqual(notices.map(() => ['projector', 0]));
      const stories = notices.flatMap((n) => (n.payload as { stories: { storyId: string; retracted: boolean }[] }).stories);
      // Both sessions retract an update (the local one's events reach the projector bundle by the same stream).
      expect(stories.sort((a, b) => a.storyId.localeCompare(b.storyId))).toEqual([
        { storyId: AWS_STORY, retracted: true },
        { storyId: LOCAL_STORY, retracted: true },
      ]);
      const projectorSends = calls.filter((c) => c.fn === 'projector' && c.service === 'sqs');
      expect(projectorSends.map((c) => [c.operation, c.status])).toEqual(notices.map(() => ['SendMessage', 200]));

      const mapping = mappingOf('edge');
      expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(Number(mapping.BatchSize)).toBeGreaterThanOrEqual(notices.length);
      // CloudFront refuses the first attempt (too many invalidations in flight): the function gives
      // every message of the batch back (ReportBatchItemFailures), and SQS delivers them again.
      cloudFront.refuseNext('TooManyInvalidationsInProgress');
      const answers = await deliver();
      expect(sqsBatches.map((b) => [b.fn, b.records.length])).toEqual([['edge', notices.length]]);
      const [batch] = sqsBatches.splice(0) as [(typeof sqsBatches)[number]];
      expect(answers).toEqual([{ batchItemFailures: batch.records.map((r) => ({ itemIdentifier: r.messageId })) }]);
      expect(cloudFront.invalidations).toEqual([]);
      const receive = (count: number) => ({
        Records: batch.records.map((r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: String(count) } })),
      });
      const edge = await lambda('edge');
      expect(await edge.invoke(receive(2))).toEqual({ batchItemFailures: [] });

      expect(cloudFront.invalidations.map(({ fn, distributionId: d, paths }) => ({ fn, distributionId: d, paths }))).toEqual([
        { fn: 'edge', distributionId, paths: retractionPaths([AWS_STORY, LOCAL_STORY]) },
      ]);
      // SQS delivers at least once: the same batch again asks for the same invalidation (its
      // CallerReference), which CloudFront answers with the one it made, completed.
      expect(await edge.invoke(receive(3))).toEqual({ batchItemFailures: [] });
      expect(cloudFront.invalidations).toHaveLength(1);
      // Refused; then created in progress, and asked for until completed (it waits for CloudFront); then the same one again.
      const on = (action: string) => [{ action: `cloudfront:${action}`, resource: distributionArn(distributionId) }];
      expect(calls.filter((c) => c.fn === 'edge').map((c) => [c.operation, c.status, c.authorizations])).toEqual([
        ['CreateInvalidation', 400, on('CreateInvalidation')],
        ['CreateInvalidation', 201, on('CreateInvalidation')],
        ['GetInvalidation', 200, on('GetInvalidation')],
        ['CreateInvalidation', 201, on('CreateInvalidation')],
      ]);
      expect(
        bundleOutput.some((l) => l.startsWith('edge: ') && l.includes('"message":"edge refreshed"') && l.includes('"invalidation":"completed"')),
      ).toBe(true);

      // Every public GET the suite compares that shows the retracted story is one of those paths (the
      // desk's pages are shells that read the API with the editor's token; /api/editor names the editor).
      const shows = Object.entries(GET_REQUESTS)
        .filter(([route]) => !['deskHome', 'deskStory', 'whoAmI', 'asset', 'openApi', 'health'].includes(route))
        .flatMap(([route, make]) =>
          make({ ids: awsSession.ids, assets: [], recordedAt: '2026-12-02T00:00:00Z' }).filter(
            (r) => r.path.includes(`/${AWS_STORY}`) || ['listStories', 'frontPage', 'allFeed'].includes(route),
          ),
        );
      expect(shows.length).toBeGreaterThan(20);
      const paths = cloudFront.invalidations[0]!.paths;
      expect(shows.filter((r) => !paths.some((p) => invalidates(p, r.path))).map((r) => r.path)).toEqual([]);
    }));
});

describe('the release bundle, on EventBridge Scheduler’s payloads', () => {
  it('releases the embargoed statement once due (the one-time schedule’s payload) and sweeps; the projector bundle then shows it as the local server does', () =>
    timed('release', async () => {
      const awsSchedule = [...scheduler.schedules.values()].find((sc) => sc.Target!.Input!.includes(`"${AWS_STORY}"`))!;
      const payload = JSON.parse(awsSchedule.Target!.Input!) as { storyId: string; updateId: string; releaseAt: string };
      expect(payload).toEqual(RELEASE.scheduled(AWS_STORY, payload.updateId, releaseAt));
      // The local server's scheduler releases what its release index holds, and its projector reads
      // the shared events table: it would release the AWS session's statement too, racing the
      // function. On AWS that one is the function's: its item leaves the local index.
      await store.db.send(new DeleteCommand({ TableName: localViews, Key: { pk: 'releases', sk: `${releaseAt}#${AWS_STORY}#${payload.updateId}` } }));
      expect(Date.now(), 'the phases before the release took longer than RELEASE_DELAY_MS').toBeLessThan(Date.parse(releaseAt));
      await new Promise((resolve) => setTimeout(resolve, Date.parse(releaseAt) - Date.now() + 50));
      const release = await lambda('release');
      expect(await release.invoke(payload)).toEqual({ released: 1, stale: 0 });
      // Delivered again (at least once): nothing more to release.
      expect(await release.invoke(payload)).toEqual({ released: 0, stale: 1 });
      // The local server's own scheduler released the local session's.
      for (const [story, version] of [
        [AWS_STORY, awsSession.version + 1],
        [LOCAL_STORY, localSession.version + 1],
      ] as const)
        await until(async () => {
          const answer = await viaLocal({ method: 'GET', path: `/api/stories/${story}` });
          return (JSON.parse(answer.body.toString()) as { version: number }).version === version ? true : undefined;
        }, 20_000);
      // The sweep finds the local session's item in the function's index, released already: it forgets it.
      expect(await release.invoke(RELEASE.sweep())).toEqual({ released: 0, stale: 1 });
      const events = JSON.parse((await viaLocal({ method: 'GET', path: `/api/stories/${AWS_STORY}/events`, headers: [bearer] })).body.toString()) as {
        events: { type: string; data: { target?: string }; metadata: { version: number } }[];
      };
      expect(events.events.filter((e) => e.type === 'UpdateReleased')).toEqual([
        expect.objectContaining({ data: expect.objectContaining({ target: payload.updateId }) as unknown }),
      ]);

      // The releases reach the projector bundle by the stream, as the mapping delivers them.
      const mapping = projectorMapping();
      const records = (await streamRecords()).filter(mapping.passes);
      const fresh = records.slice(streamDelivered);
      expect(fresh.map((r) => r.dynamodb?.Keys?.storyId?.S).sort()).toEqual([AWS_STORY, LOCAL_STORY]);
      streamDelivered = records.length;
      const projector = await lambda('projector');
      expect(await projector.invoke({ Records: fresh })).toEqual({ batchItemFailures: [] });
      const notPointer = (item: Record<string, unknown>) => !(item.pk === 'meta' && item.sk === 'generation');
      const [lambdaItems, localItems] = await Promise.all([scanViews(store.tables.views), (await scanViews(localViews)).filter(notPointer)]);
      expect(lambdaItems).toEqual(localItems);
      // Released: no schedule was touched by it. Left in the index: each story's items of the first
      // release time (the moved one's and the withdrawn one's), never due here (a release finding them forgets them).
      expect(scheduler.log).toHaveLength(10);
      const pending = lambdaItems.filter((i) => i.pk === 'releases').map((i) => String(i.sk).split('#').slice(0, 2).join('#'));
      expect(pending.sort()).toEqual([AWS_STORY, AWS_STORY, LOCAL_STORY, LOCAL_STORY].map((story) => `${firstReleaseAt}#${story}`));
      // Any edge notices of the release, delivered (the stack's edgeFreshness `wait` queues retractions only).
      expect(dispatched).toEqual([]);
    }));
});

describe('the replay bundle', () => {
  it('rebuilds every story through the replay queue as its event source mapping delivers it, until the generation switches; then one story in place', () =>
    timed('replay', async () => {
      const replay = await lambda('replay');
      const queue = queueIdOf(environmentOf('replay').REPLAY_QUEUE_URL!);
      const mapping = mappingOf('replay');
      expect([Number(mapping.BatchSize), mapping.FunctionResponseTypes]).toEqual([1, ['ReportBatchItemFailures']]);
      const started = await replay.invoke<{ generation: string; stories: number; enqueued: number }>(REPLAY.fanOut);
      expect([started.stories, started.enqueued]).toEqual([3, 3]);
      expect(dispatched.map((d) => [d.fn, queueIdOf(d.target), d.payload])).toEqual(
        [AWS_STORY, LOCAL_STORY, LONG_STORY].map((storyId) => ['replay', queue, { storyId, generation: started.generation }]),
      );
      const sends = calls.filter((c) => c.fn === 'replay' && c.service === 'sqs');
      expect(sends.map((c) => [c.operation, c.status, c.authorizations])).toEqual([
        ['SendMessageBatch', 200, [{ action: 'sqs:SendMessage', resource: attributes[`${queue}.Arn`] }]],
      ]);
      sqsBatches.splice(0);
      const answers = await deliver();
      // One message per invocation: the three stories, then the finish the last of them enqueued.
      expect(sqsBatches.map((b) => [b.fn, b.records.length])).toEqual(Array.from({ length: 4 }, () => ['replay', 1]));
      expect(sqsBatches.map((b) => JSON.parse(b.records[0]!.body) as unknown).at(-1)).toEqual({ finish: started.generation });
      expect(answers).toEqual(sqsBatches.map(() => ({ batchItemFailures: [] })));
      const pointer = (await scanViews(store.tables.views)).find((i) => i.pk === 'meta' && i.sk === 'generation');
      expect(JSON.stringify(pointer)).toContain(started.generation);
      expect(bundleOutput.some((l) => l.startsWith('replay: ') && l.includes('"message":"generation switched"'))).toBe(true);
      const inPlace = await replay.invoke<{ storyId: string }>(REPLAY.inPlace(AWS_STORY));
      expect(inPlace.storyId).toBe(AWS_STORY);
    }));
});

// ---------------------------------------------------------------------------------------------
// Every public GET of the route table, after the replay (the read bundle serves the generation it
// built; the local server, the views its projector built).

type GetRoute = { [K in RouteId]: (typeof routes)[K]['method'] extends 'get' ? K : never }[RouteId];

/** The requests that exercise each GET route; a GET route added to the table fails the test until it is listed here. */
const GET_REQUESTS: Record<GetRoute, (ctx: { ids: string[]; assets: string[]; recordedAt: string }) => HttpRequest[]> = {
  listStories: () => [{ method: 'GET', path: '/api/stories' }],
  getStory: ({ recordedAt }) => [
    { method: 'GET', path: `/api/stories/${AWS_STORY}` },
    { method: 'GET', path: `/api/stories/${AWS_STORY}?version=3` },
    { method: 'GET', path: `/api/stories/${AWS_STORY}?asOf=${encodeURIComponent(recordedAt)}` },
    { method: 'GET', path: `/api/stories/${AWS_STORY}?version=1&asOf=2010-01-01` },
    { method: 'GET', path: '/api/stories/no-such-story' },
  ],
  listEvents: () => [
    { method: 'GET', path: `/api/stories/${AWS_STORY}/events` },
    { method: 'GET', path: `/api/stories/${LONG_STORY}/events?limit=5` },
    { method: 'GET', path: `/api/stories/${AWS_STORY}/events`, headers: [bearer] },
    { method: 'GET', path: `/api/stories/${AWS_STORY}/events`, headers: [['authorization', 'Bearer not-a-token']] },
  ],
  storyFeed: () =>
    FEED_FORMATS.flatMap((f) => [
      { method: 'GET', path: `/stories/${AWS_STORY}/feed.${f}` },
      { method: 'GET', path: `/stories/${LONG_STORY}/feed.${f}` },
    ]),
  keyEventsFeed: () => FEED_FORMATS.map((f) => ({ method: 'GET', path: `/stories/${AWS_STORY}/key-events.${f}` })),
  storyArchiveFeed: () => [
    ...FEED_FORMATS.map((f) => ({ method: 'GET', path: `/stories/${LONG_STORY}/archive/1-50/feed.${f}` })),
    { method: 'GET', path: `/stories/${LONG_STORY}/archive/51-100/feed.atom` },
  ],
  allFeed: () => FEED_FORMATS.map((f) => ({ method: 'GET', path: `/feed.${f}` })),
  frontPage: () => [{ method: 'GET', path: '/', cookies: ['theme=dark'] }],
  storyPage: () => [
    { method: 'GET', path: `/stories/${AWS_STORY}` },
    { method: 'GET', path: `/stories/${AWS_STORY}?order=oldest` },
    { method: 'GET', path: `/stories/${AWS_STORY}?version=4` },
    { method: 'GET', path: `/stories/${LONG_STORY}` },
    { method: 'GET', path: `/stories/${AWS_STORY}?cursor=forged` },
  ],
  updatePage: ({ ids }) => [
    { method: 'GET', path: `/stories/${AWS_STORY}/updates/${ids[1]}` },
    { method: 'GET', path: `/stories/${AWS_STORY}/updates/${ids[3]}` },
    { method: 'GET', path: `/stories/${AWS_STORY}/updates/01ARZ3NDEKTSV4RRFFQ69G5FAV` },
  ],
  storyChanges: () => [
    { method: 'GET', path: `/api/stories/${AWS_STORY}/changes?since=2` },
    { method: 'GET', path: `/api/stories/${LONG_STORY}/changes?since=0` },
    { method: 'GET', path: `/api/stories/${AWS_STORY}/changes` },
  ],
  asset: ({ assets }) => [...assets.map((path) => ({ method: 'GET', path })), { method: 'GET', path: '/assets/nothing.js' }],
  openApi: () => [{ method: 'GET', path: '/api/openapi.json' }],
  health: () => [{ method: 'GET', path: '/health' }],
  deskHome: () => [{ method: 'GET', path: '/desk' }],
  deskStory: () => [
    { method: 'GET', path: `/desk/stories/${AWS_STORY}` },
    { method: 'GET', path: '/desk/stories/no-such-story' },
  ],
  whoAmI: () => [
    { method: 'GET', path: '/api/editor', headers: [bearer] },
    { method: 'GET', path: '/api/editor' },
  ],
  listScheduled: () => [
    { method: 'GET', path: `/api/stories/${AWS_STORY}/scheduled`, headers: [bearer] },
    { method: 'GET', path: `/api/stories/${AWS_STORY}/scheduled` },
  ],
};

/**
 * Where the local server says more than a function can, on purpose: the local answer as the
 * function's would be, and why. Everything else must be the same bytes.
 */
const LOCAL_ONLY: { path: string; why: string; asLambda: (a: HttpAnswer) => HttpAnswer }[] = [
  {
    path: '/health',
    why: "the local server adds its stream poller's quarantined records (docs/projections.md); on AWS the projector DLQ and its alarm say it",
    asLambda: (a) => {
      const { projection: _, ...rest } = JSON.parse(a.body.toString()) as Record<string, unknown>;
      return { ...a, body: Buffer.from(JSON.stringify(rest)) };
    },
  },
];
const asLambdaWouldAnswer = (req: HttpRequest, a: HttpAnswer) => LOCAL_ONLY.find((l) => l.path === req.path)?.asLambda(a) ?? a;

/** The same request, asked for compressed, and again conditionally with its validator in a repeated If-None-Match. */
const variants = (req: HttpRequest): HttpRequest[] => [
  req,
  { ...req, headers: [...(req.headers ?? []), ['accept-encoding', 'gzip'], ['accept-encoding', 'br;q=0.9']] },
];

describe('every public GET of the route table, through the bundles', () => {
  it('answers the same status, headers and bytes as the local server', () =>
    timed('gets', async () => {
      const page = await viaLocal({ method: 'GET', path: `/stories/${AWS_STORY}` });
      const assets = [...page.body.toString().matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThanOrEqual(2);
      const events = JSON.parse((await viaLocal({ method: 'GET', path: `/api/stories/${AWS_STORY}/events` })).body.toString()) as {
        events: { metadata: { recordedAt: string } }[];
      };
      const ctx = { ids: awsSession.ids, assets, recordedAt: events.events[4]!.metadata.recordedAt };
      const requests = [
        ...Object.values(GET_REQUESTS).flatMap((make) => make(ctx)),
        { method: 'GET', path: '/no/such/path' },
        // CloudFront's read behaviours allow GET, HEAD and OPTIONS only and refuse a DELETE
        // themselves; the app's 405 is compared as if one reached it with the origin header (the
        // request sent directly is the origin lock's, below).
        { method: 'DELETE', path: `/stories/${AWS_STORY}`, headers: cloudFrontOriginHeaders() },
        {
          method: 'OPTIONS',
          path: `/stories/${AWS_STORY}/feed.atom`,
          headers: [
            ['origin', 'https://reader.example'],
            ['access-control-request-method', 'GET'],
          ] as [string, string][],
        },
      ];
      const differences: string[] = [];
      let compared = 0;
      for (const request of requests.flatMap(variants)) {
        const [aws, local] = [await viaLambda(request), asLambdaWouldAnswer(request, await viaLocal(request))];
        const conditional = aws.headers.etag
          ? [
              {
                ...request,
                headers: [...(request.headers ?? []), ['if-none-match', '"nope"'], ['if-none-match', aws.headers.etag]] as [string, string][],
              },
            ]
          : [];
        for (const [req, a, l] of [
          [request, aws, local] as const,
          ...(await Promise.all(conditional.map(async (c) => [c, await viaLambda(c), asLambdaWouldAnswer(c, await viaLocal(c))] as const))),
        ]) {
          compared += 1;
          const what = `${req.method} ${req.path} ${JSON.stringify(req.headers ?? [])}`;
          if (a.status !== l.status) differences.push(`${what}: status ${a.status} ≠ ${l.status}`);
          if (JSON.stringify(mattering(a)) !== JSON.stringify(mattering(l)))
            differences.push(`${what}: headers ${JSON.stringify(mattering(a))} ≠ ${JSON.stringify(mattering(l))}`);
          if (!a.body.equals(l.body))
            differences.push(
              `${what}: body ${a.body.length} bytes ≠ ${l.body.length} bytes: ${a.body.toString('utf8', 0, 300)} ≠ ${l.body.toString('utf8', 0, 300)}`,
            );
        }
      }
      expect(differences).toEqual([]);
      expect(compared).toBeGreaterThan(100);
      timings.comparedAnswers = compared;
    }));
});

describe('the origin lock (docs/deploy.md §11)', () => {
  it('the read bundle answers a request that did not come through CloudFront 403 problem+json, which the local server (no CloudFront) serves; an editor’s token passes', async () => {
    const [[header, secret]] = cloudFrontOriginHeaders() as [[string, string]];
    expect(secret.length).toBeGreaterThan(0);
    // Sent to the API URL itself: no origin header, or a wrong one.
    const direct: [HttpRequest, number][] = [
      [{ method: 'GET', path: `/stories/${AWS_STORY}` }, 200],
      [{ method: 'GET', path: '/feed.atom' }, 200],
      [{ method: 'GET', path: `/api/stories/${AWS_STORY}` }, 200],
      [{ method: 'GET', path: `/stories/${AWS_STORY}/feed.json`, headers: [[header, `${secret}x`]] }, 200],
      [{ method: 'GET', path: `/api/stories/${AWS_STORY}/events`, headers: [['authorization', 'Bearer not-a-token']] }, 401],
      [{ method: 'DELETE', path: `/stories/${AWS_STORY}` }, 405],
    ];
    const answers: string[] = [];
    for (const [req, localStatus] of direct) {
      const [aws, local] = [await viaLambda(req, { throughCloudFront: false }), await viaLocal(req)];
      answers.push(`${req.method} ${req.path}: ${aws.status} ${aws.headers['content-type']} ${aws.headers['cache-control']}, local ${local.status}`);
      expect(local.status, `${req.method} ${req.path} locally`).toBe(localStatus);
      expect(JSON.parse(aws.body.toString()), `${req.method} ${req.path}`).toEqual({
        type: expect.stringMatching(/\/forbidden$/) as unknown,
        title: 'Read through the public URL',
        status: 403,
        detail: 'this origin answers CloudFront only: send the request to the public (CloudFront) URL',
      });
    }
    expect(answers).toEqual(
      direct.map(([req, localStatus]) => `${req.method} ${req.path}: 403 application/problem+json; charset=utf-8 no-store, local ${localStatus}`),
    );
    // An editor reads at the API URL (the full event log, `newsroom export`): the same answer as locally.
    const editor: HttpRequest = { method: 'GET', path: `/api/stories/${AWS_STORY}/events`, headers: [bearer] };
    const [aws, local] = [await viaLambda(editor, { throughCloudFront: false }), await viaLocal(editor)];
    expect(aws.status).toBe(200);
    expect([aws.status, mattering(aws), aws.body.toString()]).toEqual([local.status, mattering(local), local.body.toString()]);
  });
});

// ---------------------------------------------------------------------------------------------

/** The ERROR lines the suite provokes on purpose, by function and message, and why. */
const PROVOKED_ERRORS: { fn: string; message: string; why: string }[] = [
  {
    fn: 'edge',
    message: 'edge invalidation failed: the batch is delivered again',
    why: 'the CloudFront stand-in refuses the first invalidation (the edge bundle test)',
  },
];

describe('the bundles’ own output', () => {
  it('logged nothing at ERROR or CRITICAL (a variable, a parameter or a module a bundle misses shows there first) but what the suite provoked', () => {
    const errors = bundleOutput.filter((line) => /"level":"(ERROR|CRITICAL)"/.test(line));
    const provoked = (line: string) => PROVOKED_ERRORS.some((p) => line.startsWith(`${p.fn}: `) && line.includes(`"message":"${p.message}"`));
    expect(errors.filter((line) => !provoked(line))).toEqual([]);
    expect(errors.filter(provoked)).toHaveLength(PROVOKED_ERRORS.length);
    // They did log: Powertools' JSON lines with the template's service names.
    expect(bundleOutput.some((line) => line.startsWith('write: ') && line.includes('"service":"newsroom-write"'))).toBe(true);
  });
});

describe('IAM, both ways', () => {
  let reports: FunctionIamReport[];
  beforeAll(() => {
    reports = stack.functions.map((fn) => checkFunction(fn, resolveStatements(fn.statements, refs, attributes), calls));
    mkdirSync(new URL('test-results/', root), { recursive: true });
    writeFileSync(new URL('test-results/parity-iam.txt', root), formatReports(reports));
    writeFileSync(new URL('test-results/parity-iam.json', root), JSON.stringify(reports, null, 2));
    writeFileSync(
      new URL('test-results/parity-timings.json', root),
      JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)]))),
    );
  });

  it('every call each function made is allowed by its role', () => {
    expect(calls.filter((c) => c.service === 'unknown')).toEqual([]);
    expect(reports.flatMap((r) => r.denied.map((d) => `${r.fn}: ${d.action} on ${d.resource} (${d.operations.join(', ')})`))).toEqual([]);
    for (const name of ['write', 'read', 'projector', 'replay', 'edge', 'release'])
      expect(reports.find((r) => r.fn === name)!.used.length, name).toBeGreaterThan(0);
  });

  it('every action a role grants is used by a call, or granted for Lambda itself with the reason', () => {
    expect(reports.flatMap((r) => r.unexplained.map((u) => `${r.fn}: ${u.action} on ${u.resource} (${u.sid})`))).toEqual([]);
  });

  it('docs/deploy.md’s IAM table is what this run proves', () => {
    const doc = new URL('docs/deploy.md', root);
    const text = readFileSync(doc, 'utf8');
    const table = iamTable(reports);
    const start = '<!-- iam-table:start (npm run docs:iam) -->';
    const end = '<!-- iam-table:end -->';
    const [before, rest] = text.split(start) as [string, string?];
    expect(rest, `docs/deploy.md has no ${start} … ${end} section`).toBeDefined();
    const after = rest!.slice(rest!.indexOf(end));
    const updated = `${before}${start}\n${table}${after}`;
    // `npm run docs:iam` writes it; every other run holds the file to it.
    if (process.env.NEWSROOM_WRITE_DOCS === '1') writeFileSync(doc, updated);
    else expect(text, 'docs/deploy.md drifted from the template: run `npm run docs:iam`').toBe(updated);
  });
});

/** The resolved ARNs of the suite, in the doc's words. */
function readable(resource: string): string {
  const names: [string, string][] = [
    [store.tables.events, 'events'],
    [store.tables.views, 'views'],
    [store.tables.idempotency, 'idempotency'],
  ];
  let r = resource;
  for (const [local, name] of names) r = r.replaceAll(`table/${local}`, `table/${name}`);
  for (const fn of stack.functions) r = r.replaceAll(`function:${functionName(fn.name)}`, `function:${fn.name}`);
  return r
    .replace(`arn:aws:dynamodb:${PARITY_REGION}:${PARITY_ACCOUNT}:`, '')
    .replace(/^table\/(\w+)\/stream\/.*$/, '$1 stream')
    .replace(/^table\/(\w+)\/index\/(\w+)$/, '$1 index `$2`')
    .replace(/^table\/(\w+)$/, '$1 table')
    .replace(new RegExp(`^arn:aws:ssm:${PARITY_REGION}:${PARITY_ACCOUNT}:parameter/.*$`), 'the token parameter')
    .replace(new RegExp(`^arn:aws:lambda:${PARITY_REGION}:${PARITY_ACCOUNT}:function:(\\w+)$`), 'the $1 function')
    .replace(new RegExp(`^arn:aws:logs:${PARITY_REGION}:${PARITY_ACCOUNT}:log-group:.*$`), 'its log group')
    .replace(new RegExp(`^arn:aws:sqs:${PARITY_REGION}:${PARITY_ACCOUNT}:(\\w+)$`), 'the $1 queue')
    .replace(new RegExp(`^arn:aws:cloudfront::${PARITY_ACCOUNT}:distribution/.*$`), 'the distribution')
    .replace(/^the EdgeRefresherQueue\w+ queue$/, 'the edge queue')
    .replace(/^the ReplayQueue\w+ queue$/, 'the replay queue')
    .replace(new RegExp(`^arn:aws:scheduler:${PARITY_REGION}:${PARITY_ACCOUNT}:schedule/[^/]+/\\*$`), "the release schedule group's schedules")
    .replace(new RegExp(`^arn:aws:iam::${PARITY_ACCOUNT}:role/ReleasesSchedulerRole\\w+$`), 'the scheduler role')
    .replace(/^ProjectorDlq\w+ queue$/, 'its DLQ')
    .replace(/^the (\w+Dlq\w*) queue$/, 'its DLQ');
}

/** docs/deploy.md's table: per function and statement, the actions, what they are on, and what uses them. */
function iamTable(reports: FunctionIamReport[]): string {
  const rows = ['| Function | Statement | Actions | On | Used by (calls recorded by the parity suite) |', '|---|---|---|---|---|'];
  for (const fn of stack.functions) {
    const report = reports.find((r) => r.fn === fn.name)!;
    for (const s of resolveStatements(fn.statements, refs, attributes)) {
      const on = s.resources.map(readable).join(', ');
      const uses = s.actions.map((action) => {
        const short = action.replace(/^\w+:/, '');
        const operations = [
          ...new Set(
            report.used
              .filter((u) => u.matched.includes(s.sid) && new RegExp(`^${action.replace('*', '.*')}$`, 'i').test(u.action))
              .flatMap((u) => u.operations),
          ),
        ];
        if (operations.length > 0) return `${short} ← ${operations.sort().join(', ')}`;
        const lambdaUse = report.explained.find((f) => f.sid === s.sid && f.action === action);
        return `${short}: ${lambdaUse ? lambdaUse.why : 'UNUSED'}`;
      });
      rows.push(
        `| ${fn.name} | ${s.sid.startsWith('#') ? '(CDK)' : s.sid} | ${s.actions.map((a) => `\`${a}\``).join(', ')} | ${on} | ${uses.join('; ')} |`,
      );
    }
  }
  return rows.join('\n') + '\n';
}
