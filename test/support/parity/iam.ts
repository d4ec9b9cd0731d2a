/**
 * IAM proven both ways: each recorded call (./aws-wire.ts) against its function's role policies in
 * the synthesized template (ARNs resolved to the suite's tables, functions and parameter), and each
 * granted action against the calls: used by one, or named in GRANTED_FOR_LAMBDA_ITSELF below with
 * why no handler call uses it.
 */
import type { Authorization, RecordedCall } from './aws-wire';
import { resolveIntrinsics, type PolicyStatement, type StackFunction } from './stack';

/**
 * Granted actions that no handler code calls, and why. Each is keyed by action and applies to
 * every function whose role has it; anything granted, unused and not listed here fails the suite.
 */
export const GRANTED_FOR_LAMBDA_ITSELF: Record<string, string> = {
  // The Lambda service writes a function's stdout to its log group with the function's role.
  'logs:CreateLogStream': 'Lambda creates the log stream of each execution environment with the role',
  'logs:PutLogEvents': "Lambda sends the function's output (its log lines, Powertools EMF metrics) with the role",
  // Active tracing: the X-Ray daemon Lambda runs beside the function sends the segments with the role.
  'xray:PutTraceSegments': "Lambda's X-Ray daemon sends the tracer's segments (the bundle sends them over UDP to it)",
  'xray:PutTelemetryRecords': "Lambda's X-Ray daemon reports its telemetry",
  // The projector's event source mapping reads the stream and sends what it gives up on to the DLQ
  // with the function's role; the handler is given the records and calls neither.
  'dynamodb:DescribeStream': "the event source mapping reads the events table's stream (the suite reads it the same way to build the batch)",
  'dynamodb:GetShardIterator': "the event source mapping reads the events table's stream",
  'dynamodb:GetRecords': "the event source mapping reads the events table's stream",
  'dynamodb:ListStreams': 'the event source mapping lists the stream (no resource-level form)',
  // The event source mappings with the function's role: the projector's sends a batch it gave up
  // on to its DLQ; the edge refresher's polls the edge queue, hands the function each batch, then
  // deletes what it did not report as failed and returns the rest (the suite delivers the batch
  // and checks the function's batchItemFailures answer).
  // The replay function's mapping polls the replay queue as the edge's does (and the replay
  // function's own SendMessageBatch to it is a recorded call: its statement counts as used); the
  // release function's on-failure destination (an asynchronous invocation that failed its retries)
  // is sent by Lambda with the function's role.
  'sqs:SendMessage':
    "Lambda with the role: the projector's event source mapping sends a batch it gave up on to its DLQ; the release function's on-failure destination, a release that failed its retries",
  'sqs:GetQueueAttributes': 'the event source mapping checks the queue it reads (edge, replay) or Lambda the DLQ it was given (projector, release)',
  'sqs:GetQueueUrl': 'the event source mapping resolves the queue it reads (edge, replay) or Lambda the DLQ it was given (projector, release)',
  'sqs:ReceiveMessage': "the event source mapping polls the queue it reads (edge, replay) for the function's batches",
  'sqs:DeleteMessage': 'the event source mapping deletes the messages of a batch the function did not report as failed',
  'sqs:ChangeMessageVisibility': 'the event source mapping returns the messages the function reported as failed (batchItemFailures) to the queue',
};

/**
 * Granted actions of one function's statement (`<function> <Sid> <action>`) that no call of this
 * run used, and why. Keep it short: a path the suite can run should be run instead.
 */
export const NOT_EXERCISED: Record<string, string> = {
  'write IdempotencyRecords dynamodb:GetItem':
    'reads the record back when a slower attempt lost its lease to a retry (CompanionConditionError, shared/application/story-writer.ts): a race the suite does not stage',
  'write ReadViews dynamodb:Query':
    "the write function reads heads and entries by GetItem only; it has the read function's ReadViews grant (Views.grantRead in infra/constructs/http-api.ts): a candidate to narrow",
  'write ReadViews dynamodb:BatchGetItem': 'as Query: in the shared ReadViews grant, unused by the write function',
  'projector WriteViews dynamodb:Query':
    'the time-travel snapshot at every 1,000th version (SNAPSHOT_INTERVAL) reads the story-wide items; the suite’s stories are shorter',
  'projector WriteViews dynamodb:BatchWriteItem': 'the time-travel snapshot at every 1,000th version writes its items',
  'projector WriteViews dynamodb:BatchGetItem':
    'in Views.grantReadWrite with the other reads; the projector reads views by GetItem (and Query): a candidate to narrow',
  'replay WriteViews dynamodb:BatchGetItem':
    'in Views.grantReadWrite with the other reads; replay reads views by GetItem and Query: a candidate to narrow',
  'release ReadViews dynamodb:BatchGetItem':
    "in Views.grantRead with the other reads; the release function reads views by GetItem and Query (the writer's decision, the release index): a candidate to narrow",
};

/** IAM's wildcards in an action or a resource: `*` any run of characters, `?` one. Actions compare case-insensitively. */
function matcher(pattern: string, ignoreCase: boolean): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, ignoreCase ? 'i' : '');
}

export interface ResolvedStatement {
  policy: string;
  sid: string;
  actions: string[];
  resources: string[];
  conditions?: Record<string, Record<string, string[]>>;
}

export function resolveStatements(
  statements: PolicyStatement[],
  refs: Record<string, string>,
  attributes: Record<string, string>,
): ResolvedStatement[] {
  return statements.map((s) => ({ ...s, resources: s.resources.map((r) => resolveIntrinsics(r, refs, attributes)) }));
}

/**
 * A statement's conditions against an authorization's request context: `StringEquals`, the key
 * present with one of the values; `ForAllValues:StringEquals`, every value of the key among them.
 * A key the context lacks fails both (stricter than IAM, where ForAllValues of an absent key holds:
 * the wire gives the keys of the calls it models, so an absent one is a call the suite cannot vouch for).
 */
function conditionsHold(s: ResolvedStatement, a: Authorization): boolean {
  return Object.entries(s.conditions ?? {}).every(([op, keys]) =>
    Object.entries(keys).every(([key, allowed]) => {
      const values = a.context?.[key];
      if (values === undefined || values.length === 0) return false;
      return op === 'StringEquals' ? values.length === 1 && allowed.includes(values[0]!) : values.every((v) => allowed.includes(v));
    }),
  );
}

export const allows = (s: ResolvedStatement, a: Authorization) =>
  s.actions.some((p) => matcher(p, true).test(a.action)) && s.resources.some((p) => matcher(p, false).test(a.resource)) && conditionsHold(s, a);

export interface FunctionIamReport {
  fn: string;
  /** Each distinct authorization the function's calls needed, the operations that needed it, and the statements that allow it (none: denied). */
  used: { action: string; resource: string; operations: string[]; calls: number; matched: string[] }[];
  denied: { action: string; resource: string; operations: string[] }[];
  /** Granted action (as written) on resource (resolved) that no call used and no entry of GRANTED_FOR_LAMBDA_ITSELF explains. */
  unexplained: { sid: string; action: string; resource: string }[];
  /** Granted and unused here, for the reason given in GRANTED_FOR_LAMBDA_ITSELF or NOT_EXERCISED. */
  explained: { sid: string; action: string; resource: string; why: string }[];
}

export function checkFunction(fn: StackFunction, statements: ResolvedStatement[], calls: RecordedCall[]): FunctionIamReport {
  const byKey = new Map<string, FunctionIamReport['used'][number]>();
  for (const call of calls.filter((c) => c.fn === fn.name)) {
    for (const a of call.authorizations) {
      const key = `${a.action} ${a.resource} ${JSON.stringify(a.context ?? {})}`;
      const entry = byKey.get(key) ?? { ...a, operations: [], calls: 0, matched: statements.filter((s) => allows(s, a)).map((s) => s.sid) };
      entry.calls += 1;
      if (!entry.operations.includes(call.operation)) entry.operations.push(call.operation);
      byKey.set(key, entry);
    }
  }
  const used = [...byKey.values()].sort((x, y) => `${x.action} ${x.resource}`.localeCompare(`${y.action} ${y.resource}`));
  const report: FunctionIamReport = { fn: fn.name, used, denied: used.filter((u) => u.matched.length === 0), unexplained: [], explained: [] };
  // Per statement and action: used when a call that the statement allows needed it (GetItem on a
  // table and not on its index is GetItem used: a statement lists a table with its indexes).
  for (const s of statements) {
    for (const action of s.actions) {
      const pattern = matcher(action, true);
      if (used.some((u) => u.matched.includes(s.sid) && pattern.test(u.action))) continue;
      const resource = s.resources.join(', ');
      const why = GRANTED_FOR_LAMBDA_ITSELF[action] ?? NOT_EXERCISED[`${fn.name} ${s.sid} ${action}`];
      if (why) report.explained.push({ sid: s.sid, action, resource, why });
      else report.unexplained.push({ sid: s.sid, action, resource });
    }
  }
  return report;
}

/** The report as text, for test-results/ (one block per function). */
export function formatReports(reports: FunctionIamReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(`## ${r.fn}`, '', 'calls recorded (IAM action on resource: API operations, calls → statements that allow it):');
    for (const u of r.used)
      lines.push(`  ${u.action} on ${u.resource}: ${u.operations.join(', ')} ×${u.calls} → ${u.matched.join(', ') || 'DENIED'}`);
    lines.push('granted, used by no call of the handler here (why):');
    for (const f of r.explained) lines.push(`  ${f.action} on ${f.resource} (${f.sid}): ${f.why}`);
    if (r.unexplained.length > 0) {
      lines.push('granted, unused and unexplained:');
      for (const u of r.unexplained) lines.push(`  ${u.action} on ${u.resource} (${u.sid})`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
