/**
 * The AWS side of the parity suite, at the wire: a bundle carries no test hook, so what it asks of
 * AWS is seen where it leaves the process. Each function gets a recording endpoint of its own
 * (`AWS_ENDPOINT_URL_DYNAMODB`, `_SSM`, `_LAMBDA`, `_SQS`, `_CLOUDFRONT`, `_SCHEDULER` and the catch-all `AWS_ENDPOINT_URL`
 * all name it: SDK v3 reads these service-specific endpoint variables itself, so the bundle runs
 * unchanged). It logs every request as the IAM authorizations it needs (service, action, resource
 * ARN; one per table for BatchGetItem/BatchWriteItem, one per item for the transactions; the
 * condition keys it knows, for statements conditioned on them) and passes it on:
 *
 * - DynamoDB (`X-Amz-Target: DynamoDB_20120810.*`) to DynamoDB Local, which checks no IAM;
 * - SSM (`AmazonSSM.*`) to {@link SsmStandIn}, a stand-in that speaks SSM's JSON protocol for
 *   GetParameter (a SecureString returned decrypted, as with WithDecryption);
 * - Lambda's Invoke (`POST /2015-03-31/functions/{name}/invocations`) and SQS's SendMessage /
 *   SendMessageBatch (`AmazonSQS.*`) are answered here, the payloads queued for the test to
 *   deliver to the function they were meant for, as Lambda would;
 * - CloudFront's CreateInvalidation and GetInvalidation (REST-XML: `POST` and `GET
 *   /2020-05-31/distribution/{Id}/invalidation[/{Id}]`) by {@link CloudFrontStandIn}, which keeps
 *   the invalidations of the distributions it knows for the test to read;
 * - EventBridge Scheduler's CreateSchedule/UpdateSchedule/DeleteSchedule (REST-JSON: `POST`, `PUT`,
 *   `DELETE /schedules/{Name}`) by {@link SchedulerStandIn}, recorded on the schedule's ARN, Create
 *   and Update also as the iam:PassRole of the target's role (with `iam:PassedToService`).
 *
 * Anything else is recorded as `unknown:<what>` and refused with a 400, which the IAM check then
 * reports: a call the suite does not model is never silently allowed.
 */
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The account and region the suite resolves every ARN in (the template's AWS::AccountId, AWS::Region). */
export const PARITY_ACCOUNT = '123456789012';
export const PARITY_REGION = 'us-east-1';

/** One IAM authorization a request needs: `dynamodb:GetItem` on `arn:aws:dynamodb:…:table/x`. */
export interface Authorization {
  action: string;
  resource: string;
  /** The request's condition keys IAM evaluates (`iam:PassedToService`, `dynamodb:LeadingKeys`), where the wire knows them. */
  context?: Record<string, string[]>;
}

export interface RecordedCall {
  /** The function whose endpoint it came in on. */
  fn: string;
  /** `dynamodb`, `ssm`, `lambda`, `sqs`, `cloudfront`, `scheduler`, or `unknown`. */
  service: string;
  /** The API operation, e.g. `TransactWriteItems`. */
  operation: string;
  authorizations: Authorization[];
  status: number;
}

/** A message a function sent for another invocation: Lambda's Event invoke, or an SQS message. */
export interface Dispatched {
  fn: string;
  service: 'lambda' | 'sqs';
  /** The function name (Lambda) or the queue URL (SQS) it went to. */
  target: string;
  payload: unknown;
  /** SQS's DelaySeconds of the message (0: none given). */
  delaySeconds?: number;
}

const arn = (service: string, resource: string) => `arn:aws:${service}:${PARITY_REGION}:${PARITY_ACCOUNT}:${resource}`;
export const tableArn = (table: string) => arn('dynamodb', `table/${table}`);

/** The IAM authorizations of one DynamoDB request (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html). */
export function dynamoAuthorizations(operation: string, body: Record<string, unknown>, hashKeys: Record<string, string> = {}): Authorization[] {
  const table = (name: unknown, index?: unknown) => tableArn(String(name)) + (index ? `/index/${String(index)}` : '');
  switch (operation) {
    case 'GetItem':
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem': {
      // dynamodb:LeadingKeys, the item's partition key value, for a statement conditioned on it
      // (the release function's ForgetHandledReleases); known for the tables given their hash key.
      const hashKey = hashKeys[String(body.TableName)];
      const item = (body.Key ?? body.Item ?? {}) as Record<string, { S?: string; N?: string }>;
      const leading = hashKey ? (item[hashKey]?.S ?? item[hashKey]?.N) : undefined;
      return [
        {
          action: `dynamodb:${operation}`,
          resource: table(body.TableName),
          ...(leading === undefined ? {} : { context: { 'dynamodb:LeadingKeys': [leading] } }),
        },
      ];
    }
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys((body.RequestItems ?? {}) as object).map((name) => ({ action: `dynamodb:${operation}`, resource: table(name) }));
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      // No IAM action of their own: each item is authorized as the single-item action it performs.
      const actions: Record<string, string> = {
        Put: 'PutItem',
        Update: 'UpdateItem',
        Delete: 'DeleteItem',
        ConditionCheck: 'ConditionCheckItem',
        Get: 'GetItem',
      };
      return ((body.TransactItems ?? []) as Record<string, { TableName: string }>[]).map((item) => {
        const [kind, detail] = Object.entries(item)[0]!;
        return { action: `dynamodb:${actions[kind] ?? `unknown-${kind}`}`, resource: table(detail.TableName) };
      });
    }
    case 'ExecuteStatement':
    case 'BatchExecuteStatement':
    case 'ExecuteTransaction':
      return [{ action: `dynamodb:${operation}`, resource: 'unmodelled:PartiQL' }];
    default:
      return [{ action: `dynamodb:${operation}`, resource: table(body.TableName, body.IndexName) }];
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, body: unknown, contentType = 'application/x-amz-json-1.1'): number {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': 'parity' });
  res.end(text);
  return status;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/**
 * The SSM stand-in: a small HTTP server that speaks SSM's JSON 1.1 protocol (`POST /`,
 * `X-Amz-Target: AmazonSSM.GetParameter`, body `{"Name", "WithDecryption"}`) for the one call the
 * functions make, answering the parameters it was given as decrypted SecureStrings, and
 * `ParameterNotFound` for any other name, as SSM does.
 */
export class SsmStandIn {
  private server?: Server;
  url = '';
  constructor(private readonly parameters: Record<string, string>) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void readBody(req).then((raw) => {
        const target = String(req.headers['x-amz-target'] ?? '');
        if (target !== 'AmazonSSM.GetParameter') return json(res, 400, { __type: 'UnknownOperationException', message: target });
        const { Name } = JSON.parse(raw.toString('utf8')) as { Name: string };
        const value = this.parameters[Name];
        if (value === undefined) return json(res, 400, { __type: 'ParameterNotFound', message: `Parameter ${Name} not found.` });
        return json(res, 200, {
          Parameter: {
            Name,
            Type: 'SecureString',
            Value: value,
            Version: 1,
            LastModifiedDate: 1_764_633_600,
            ARN: arn('ssm', `parameter/${Name.replace(/^\//, '')}`),
            DataType: 'text',
          },
        });
      });
    });
    this.url = await listen(this.server);
    return this;
  }

  stop = async () => {
    if (this.server) await close(this.server);
  };
}

/** A recording endpoint for one function (see the file's comment). */
export class RecordingEndpoint {
  private server?: Server;
  url = '';
  constructor(
    private readonly fn: string,
    private readonly targets: { dynamodb: string; ssm: string },
    private readonly calls: RecordedCall[],
    private readonly dispatched: Dispatched[],
    private readonly cloudFront?: CloudFrontStandIn,
    private readonly scheduler?: SchedulerStandIn,
    /** Each table's partition key attribute, for dynamodb:LeadingKeys. */
    private readonly hashKeys: Record<string, string> = {},
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void readBody(req).then(
        (raw) => this.handle(req, res, raw),
        () => res.destroy(),
      );
    });
    this.url = await listen(this.server);
    return this;
  }

  stop = async () => {
    if (this.server) await close(this.server);
  };

  private record(service: string, operation: string, authorizations: Authorization[], status: number) {
    this.calls.push({ fn: this.fn, service, operation, authorizations, status });
  }

  private async handle(req: IncomingMessage, res: ServerResponse, raw: Buffer) {
    const target = String(req.headers['x-amz-target'] ?? '');
    const body = raw.length > 0 && target ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    const [prefix, operation = ''] = target.split('.');
    if (prefix === 'DynamoDB_20120810') {
      const status = await forward(req, res, raw, this.targets.dynamodb);
      return this.record('dynamodb', operation, dynamoAuthorizations(operation, body, this.hashKeys), status);
    }
    if (prefix === 'AmazonSSM') {
      const status = await forward(req, res, raw, this.targets.ssm);
      const name = String(body.Name ?? '');
      return this.record('ssm', operation, [{ action: `ssm:${operation}`, resource: arn('ssm', `parameter/${name.replace(/^\//, '')}`) }], status);
    }
    if (prefix === 'AmazonSQS' && (operation === 'SendMessage' || operation === 'SendMessageBatch')) {
      const url = String(body.QueueUrl);
      const queue = arn('sqs', url.slice(url.lastIndexOf('/') + 1));
      const entries =
        operation === 'SendMessage'
          ? [body as { MessageBody: string; Id?: string; DelaySeconds?: number }]
          : (body.Entries as { MessageBody: string; Id: string; DelaySeconds?: number }[]);
      for (const entry of entries)
        this.dispatched.push({
          fn: this.fn,
          service: 'sqs',
          target: url,
          payload: JSON.parse(entry.MessageBody),
          delaySeconds: entry.DelaySeconds ?? 0,
        });
      // The MD5 of each body, as SQS answers it: the SQS client checks it (middleware-sdk-sqs).
      const md5 = (text: string) => createHash('md5').update(text).digest('hex');
      const answer =
        operation === 'SendMessage'
          ? { MessageId: `m-${this.dispatched.length}`, MD5OfMessageBody: md5(entries[0]!.MessageBody) }
          : {
              Successful: entries.map((e, i) => ({ Id: e.Id, MessageId: `m-${this.dispatched.length}-${i}`, MD5OfMessageBody: md5(e.MessageBody) })),
              Failed: [],
            };
      // SendMessageBatch is authorized as sqs:SendMessage.
      return this.record('sqs', operation, [{ action: 'sqs:SendMessage', resource: queue }], json(res, 200, answer, 'application/x-amz-json-1.0'));
    }
    const invalidation = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation(?:\/([^/]+))?$/.exec(req.url?.split('?')[0] ?? '');
    if (invalidation && this.cloudFront && ((req.method === 'POST' && !invalidation[2]) || (req.method === 'GET' && invalidation[2]))) {
      const distributionId = decodeURIComponent(invalidation[1]!);
      const operation = req.method === 'POST' ? 'CreateInvalidation' : 'GetInvalidation';
      const status =
        operation === 'CreateInvalidation'
          ? this.cloudFront.create(this.fn, distributionId, raw.toString('utf8'), res)
          : this.cloudFront.get(distributionId, decodeURIComponent(invalidation[2]!), res);
      // IAM authorizes both on the distribution (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudfront.html).
      return this.record('cloudfront', operation, [{ action: `cloudfront:${operation}`, resource: distributionArn(distributionId) }], status);
    }
    const schedule = /^\/schedules\/([^/?]+)$/.exec(req.url?.split('?')[0] ?? '');
    const scheduleOperation = { POST: 'CreateSchedule', PUT: 'UpdateSchedule', DELETE: 'DeleteSchedule' }[req.method ?? ''];
    if (schedule && scheduleOperation && this.scheduler) {
      const name = decodeURIComponent(schedule[1]!);
      const input = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as ScheduleRequest) : ({} as ScheduleRequest);
      const group =
        scheduleOperation === 'DeleteSchedule'
          ? (new URL(req.url!, 'http://x').searchParams.get('groupName') ?? 'default')
          : (input.GroupName ?? 'default');
      const status = this.scheduler.handle(this.fn, scheduleOperation, name, group, input, res);
      // IAM authorizes each on the schedule (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html);
      // creating or updating one also passes its target's role to Scheduler (iam:PassRole, with
      // iam:PassedToService), authorized as part of the call.
      const authorizations: Authorization[] = [{ action: `scheduler:${scheduleOperation}`, resource: scheduleArn(group, name) }];
      if (scheduleOperation !== 'DeleteSchedule' && input.Target?.RoleArn)
        authorizations.push({
          action: 'iam:PassRole',
          resource: input.Target.RoleArn,
          context: { 'iam:PassedToService': ['scheduler.amazonaws.com'] },
        });
      return this.record('scheduler', scheduleOperation, authorizations, status);
    }
    const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url?.split('?')[0] ?? '');
    if (req.method === 'POST' && invoke) {
      const name = decodeURIComponent(invoke[1]!);
      const resource = name.startsWith('arn:') ? name : arn('lambda', `function:${name}`);
      let status: number;
      if (req.headers['x-amz-invocation-type'] !== 'Event') {
        status = json(res, 400, { Type: 'User', message: 'the parity suite models asynchronous (Event) invocations only' }, 'application/json');
      } else {
        this.dispatched.push({ fn: this.fn, service: 'lambda', target: name, payload: JSON.parse(raw.toString('utf8') || 'null') });
        res.writeHead(202, { 'content-length': 0, 'x-amzn-requestid': 'parity' });
        res.end();
        status = 202;
      }
      return this.record('lambda', 'Invoke', [{ action: 'lambda:InvokeFunction', resource }], status);
    }
    const what = target || `${req.method} ${req.url}`;
    this.record(
      'unknown',
      what,
      [{ action: `unknown:${what}`, resource: 'unknown' }],
      json(res, 400, { __type: 'UnknownOperationException', message: what }),
    );
  }
}

/** CloudFront's ARNs name no region: `arn:aws:cloudfront::<account>:distribution/<id>`. */
export const distributionArn = (id: string) => `arn:aws:cloudfront::${PARITY_ACCOUNT}:distribution/${id}`;

export interface Invalidation {
  /** The function that created it. */
  fn: string;
  distributionId: string;
  id: string;
  callerReference: string;
  paths: string[];
  /** `InProgress` when created; `Completed` once a GetInvalidation asked for it. */
  status: 'InProgress' | 'Completed';
}

const CLOUDFRONT_XMLNS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';
const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const xmlUnescape = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');
const element = (text: string, name: string) => new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(text)?.[1];

function xml(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): number {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(text), 'x-amz-request-id': 'parity', ...headers });
  res.end(text);
  return status;
}

/**
 * The CloudFront stand-in, for the two calls the edge refresher makes (REST-XML, API 2020-05-31):
 * CreateInvalidation answers 201 with the new invalidation `InProgress` and its Location, or the
 * same invalidation again, as it now stands, for a CallerReference it has seen with the same paths
 * (as CloudFront does; other paths: 409 InvalidationBatchAlreadyExists); GetInvalidation answers
 * it `Completed`. `refuseNext` makes the next CreateInvalidation fail as CloudFront's limits do.
 * A distribution it was not given is 404 NoSuchDistribution; a batch whose Quantity is not its
 * number of paths, 400 InconsistentQuantities. The request body is read with a few patterns, enough
 * for the flat InvalidationBatch the SDK writes.
 */
export class CloudFrontStandIn {
  readonly invalidations: Invalidation[] = [];
  private refusal?: string;
  constructor(private readonly distributions: string[]) {}

  private error(res: ServerResponse, status: number, code: string, message: string): number {
    return xml(
      res,
      status,
      `<ErrorResponse xmlns="${CLOUDFRONT_XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>parity</RequestId></ErrorResponse>`,
    );
  }

  private answer(res: ServerResponse, status: number, i: Invalidation, headers: Record<string, string> = {}) {
    const paths = i.paths.map((p) => `<Path>${xmlEscape(p)}</Path>`).join('');
    return xml(
      res,
      status,
      `<Invalidation xmlns="${CLOUDFRONT_XMLNS}"><Id>${i.id}</Id><Status>${i.status}</Status><CreateTime>2026-12-02T00:00:00.000Z</CreateTime>` +
        `<InvalidationBatch><Paths><Quantity>${i.paths.length}</Quantity><Items>${paths}</Items></Paths>` +
        `<CallerReference>${xmlEscape(i.callerReference)}</CallerReference></InvalidationBatch></Invalidation>`,
      headers,
    );
  }

  /** Refuses the next CreateInvalidation with this error code (400), as CloudFront does past its in-flight limits. */
  refuseNext(code: 'TooManyInvalidationsInProgress' | 'BatchTooLarge'): void {
    this.refusal = code;
  }

  create(fn: string, distributionId: string, body: string, res: ServerResponse): number {
    if (this.refusal) {
      const code = this.refusal;
      this.refusal = undefined;
      return this.error(res, 400, code, 'refused by the test');
    }
    if (!this.distributions.includes(distributionId)) return this.error(res, 404, 'NoSuchDistribution', 'The specified distribution does not exist.');
    const batch = element(body, 'InvalidationBatch');
    const callerReference = batch === undefined ? undefined : element(batch, 'CallerReference');
    const quantity = batch === undefined ? undefined : element(batch, 'Quantity');
    const paths = [...(element(batch ?? '', 'Items') ?? '').matchAll(/<Path>([\s\S]*?)<\/Path>/g)].map((m) => xmlUnescape(m[1]!));
    if (callerReference === undefined || quantity === undefined) return this.error(res, 400, 'MalformedXML', 'not an InvalidationBatch');
    if (Number(quantity) !== paths.length) return this.error(res, 400, 'InconsistentQuantities', 'Quantity is not the number of Items');
    const reference = xmlUnescape(callerReference);
    const seen = this.invalidations.find((i) => i.distributionId === distributionId && i.callerReference === reference);
    if (seen && JSON.stringify(seen.paths) !== JSON.stringify(paths))
      return this.error(res, 409, 'InvalidationBatchAlreadyExists', 'CallerReference reused with other paths');
    const invalidation = seen ?? {
      fn,
      distributionId,
      id: `I${String(this.invalidations.length + 1).padStart(13, '0')}`,
      callerReference: reference,
      paths,
      status: 'InProgress' as const,
    };
    if (!seen) this.invalidations.push(invalidation);
    return this.answer(res, 201, invalidation, {
      location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${distributionId}/invalidation/${invalidation.id}`,
    });
  }

  get(distributionId: string, id: string, res: ServerResponse): number {
    const found = this.invalidations.find((i) => i.distributionId === distributionId && i.id === id);
    if (!found) return this.error(res, 404, 'NoSuchInvalidation', 'The specified invalidation does not exist.');
    found.status = 'Completed';
    return this.answer(res, 200, found);
  }
}

/** A schedule's ARN: `arn:aws:scheduler:<region>:<account>:schedule/<group>/<name>`. */
export const scheduleArn = (group: string, name: string) => arn('scheduler', `schedule/${group}/${name}`);

/** The body of a CreateSchedule or UpdateSchedule request (REST-JSON; the name is in the path), as far as the suite reads it. */
export interface ScheduleRequest {
  GroupName?: string;
  ScheduleExpression?: string;
  ScheduleExpressionTimezone?: string;
  ActionAfterCompletion?: string;
  FlexibleTimeWindow?: { Mode: string };
  Target?: { Arn: string; RoleArn: string; Input?: string };
}

export interface Schedule extends ScheduleRequest {
  /** The function that created (or last updated) it. */
  fn: string;
  name: string;
  group: string;
  arn: string;
}

/**
 * The EventBridge Scheduler stand-in, for the three calls the projector makes (REST-JSON): POST
 * /schedules/{Name} (CreateSchedule: 409 ConflictException if the group has one of that name),
 * PUT /schedules/{Name} (UpdateSchedule: 404 ResourceNotFoundException if it has none) and DELETE
 * /schedules/{Name}?groupName= (DeleteSchedule: 404 ResourceNotFoundException if none), each
 * answering `{ScheduleArn}` (Delete: `{}`) as Scheduler does; errors carry `x-amzn-errortype` and
 * a `Message`. It keeps the schedules for the test to read; it runs none.
 */
export class SchedulerStandIn {
  readonly schedules = new Map<string, Schedule>();
  /** Every request it answered, in order: operation, schedule name, status, and the expression asked for (Create, Update). */
  readonly log: { op: string; name: string; status: number; expression?: string }[] = [];

  private error(res: ServerResponse, status: number, type: string, message: string): number {
    const text = JSON.stringify({ Message: message });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-amzn-errortype': type });
    res.end(text);
    return status;
  }

  handle(fn: string, op: string, name: string, group: string, input: ScheduleRequest, res: ServerResponse): number {
    const key = `${group}/${name}`;
    const existing = this.schedules.get(key);
    let status: number;
    if (op === 'CreateSchedule' && existing) status = this.error(res, 409, 'ConflictException', `Schedule ${name} already exists.`);
    else if (op !== 'CreateSchedule' && !existing) status = this.error(res, 404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    else if (op === 'DeleteSchedule') {
      this.schedules.delete(key);
      status = json(res, 200, {}, 'application/json');
    } else {
      const { GroupName: _, ...rest } = input;
      this.schedules.set(key, { ...rest, fn, name, group, arn: scheduleArn(group, name) });
      status = json(res, 200, { ScheduleArn: scheduleArn(group, name) }, 'application/json');
    }
    this.log.push({ op, name, status, ...(input.ScheduleExpression === undefined ? {} : { expression: input.ScheduleExpression }) });
    return status;
  }
}

/** Passes a request on to `to` as it came, and its answer back; resolves to the status. */
function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, to: string): Promise<number> {
  const target = new URL(to);
  return new Promise((resolve, reject) => {
    const out = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(res);
        answer.on('end', () => resolve(answer.statusCode ?? 500));
        answer.on('error', reject);
      },
    );
    out.on('error', (error) => {
      res.destroy(error);
      reject(error);
    });
    out.end(body);
  });
}
