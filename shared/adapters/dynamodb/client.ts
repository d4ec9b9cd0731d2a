/**
 * DynamoDB clients and table names, created once per process (module scope on Lambda).
 * Locally, DYNAMODB_ENDPOINT points at DynamoDB Local.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, type NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../../application/errors';

export interface Tables {
  events: string;
  views: string;
  idempotency: string;
}

export function tablesFromEnv(env: NodeJS.ProcessEnv = process.env): Tables {
  return {
    events: env.EVENTS_TABLE ?? 'newsroom-events',
    views: env.VIEWS_TABLE ?? 'newsroom-views',
    idempotency: env.IDEMPOTENCY_TABLE ?? 'newsroom-idempotency',
  };
}

/**
 * Where the views table is, when not beside the events: the local runtime keeps it in a database
 * of its own (functions/local/stores.ts). On AWS both are unset.
 */
export function viewsEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.DYNAMODB_VIEWS_ENDPOINT ?? env.DYNAMODB_ENDPOINT;
}

export const LOCAL_REGION = 'us-east-1';

/**
 * A DynamoDB Local endpoint. DynamoDB Local (run without -sharedDb, as functions/local runs it)
 * keeps one database per access key and region, so the region is fixed (whatever AWS_REGION a
 * shell has, every process finds the same data) and the endpoint URL's user part, if any, is the
 * access key: `http://views@127.0.0.1:8000` is the views' database on that instance; without
 * one it is `local`.
 */
export function clientConfig(endpoint = process.env.DYNAMODB_ENDPOINT): DynamoDBClientConfig {
  if (!endpoint) return { ...sdkTimeouts(AWS_TIMEOUTS) };
  const url = new URL(endpoint);
  const accessKeyId = decodeURIComponent(url.username) || 'local';
  url.username = '';
  url.password = '';
  return {
    endpoint: url.origin + url.pathname.replace(/\/$/, ''),
    region: LOCAL_REGION,
    credentials: { accessKeyId, secretAccessKey: 'local' },
    ...sdkTimeouts(LOCAL_TIMEOUTS),
  };
}

/** How long an AWS SDK call may take: per attempt, and how many attempts (the first included). */
export interface SdkTimeouts {
  /** Milliseconds to open the TCP (and TLS) connection. */
  connectMs: number;
  /** Milliseconds one attempt may take in all, connecting included, before it is cut and retried. */
  requestMs: number;
  maxAttempts: number;
}

/**
 * On AWS, well within the API functions' 10 s timeout (infra/constructs/newsroom-function.ts): a
 * call to a store that hangs gives up after 3 attempts of at most 1.5 s each plus the SDK's
 * backoff between them (at most 0.1 + 0.2 s), under 5 s, so the handler answers 503 itself
 * instead of Lambda cutting it off at 10 s. DynamoDB answers in milliseconds, a 1 MB page in a
 * fraction of a second, and a connection to the regional endpoint opens in tens of milliseconds:
 * these bounds only cut what is already failing. The SSM client of the editors' tokens uses the
 * same (functions/api/tokens.ts).
 */
export const AWS_TIMEOUTS: SdkTimeouts = { connectMs: 500, requestMs: 1_500, maxAttempts: 3 };

/**
 * DynamoDB Local: a connection on loopback opens at once or never; the JVM on a busy 2-core
 * machine (a bench, a replay) may pause in a collection, and the local server has no Lambda
 * timeout to fit under, so an attempt may take longer; 5 attempts ride out a brief hiccup, and a
 * store that refuses connections is given up on within 1.5 s of backoff.
 */
export const LOCAL_TIMEOUTS: SdkTimeouts = { connectMs: 500, requestMs: 3_000, maxAttempts: 5 };

/**
 * The SDK client options for these bounds (any AWS SDK v3 client: DynamoDB, its Streams, SSM).
 * `requestTimeout` alone only logs a warning in @smithy/node-http-handler 4: `throwOnRequestTimeout`
 * makes it cut the attempt (a retryable TimeoutError).
 */
export function sdkTimeouts(t: SdkTimeouts) {
  return {
    maxAttempts: t.maxAttempts,
    requestHandler: { connectionTimeout: t.connectMs, requestTimeout: t.requestMs, throwOnRequestTimeout: true },
  };
}

/**
 * The SDK's default logger is a no-op with `info` and `error` methods, so its logger middleware
 * still runs the schema-driven sensitive-data filter over every request and response (and every
 * failed request) to build a log line it then drops: a third of the Node CPU of reading events
 * (0.55 -> 0.36 s per 30,000, --cpu-prof). The middleware calls `logger?.info?.(…)` and
 * `logger?.error?.(…)`, so a logger without them skips that work; the SDK calls `debug` and
 * `warn` unguarded, and they stay no-ops, as in the default.
 */
const SDK_LOGGER = { debug() {}, warn() {} } as unknown as NonNullable<DynamoDBClientConfig['logger']>;

export function documentClient(config: DynamoDBClientConfig = clientConfig()): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ logger: SDK_LOGGER, ...config });
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw isStoreUnavailable(error) ? new StoreUnavailableError('DynamoDB', { cause: error }) : error;
      }
    },
    // Outermost: what escapes the SDK's own retries.
    { step: 'initialize', priority: 'high', name: 'storeUnavailable' },
  );
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * DynamoDB Local answers a TransactWriteItems before it is on disk, and writes it a moment later:
 * killed in between (SIGKILL), it comes back without it, whole. A keyed append (its event and
 * idempotency record), a group commit and the projector's view writes are transactions. Measured
 * (docs/benchmarks.md, 2026-12-02): a transaction of 100 items of 30 KB, DynamoDB Local killed as
 * soon as it answered, was gone after the restart 5 times in 5; two-item transactions under load
 * lost the last one answered in 5 of 16 kills. (Its PutItem and BatchWriteItem were there after
 * every kill: a 750 KB batch 4 times in 4.) A request it answers after the transaction is answered
 * only once the transaction is written (one SQLite connection serves a database's requests in
 * turn): with a read after each transaction, and the transaction answered only then, none was lost
 * (8 kills of the large one, and test/reliability/durable-transactions.test.ts). So a client of
 * DynamoDB Local reads `probe`, a key of no item in a table of the same database, after every
 * transaction: nothing is written, and no stream or scan sees it. Only a process kill was tested:
 * what DynamoDB Local syncs to disk before a power cut is its own. DynamoDB's transactions are
 * durable when answered: on AWS this is not used.
 */
export function durableTransactions(db: DynamoDBDocumentClient, probe: { TableName: string; Key: Record<string, NativeAttributeValue> }): void {
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const output = await next(args);
      if (context.commandName === 'TransactWriteItemsCommand') {
        try {
          await db.send(new GetCommand({ ...probe, ConsistentRead: true }));
        } catch (error) {
          // The transaction went through, but whether it is on disk is not known: not an acknowledgement.
          throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError('DynamoDB', { cause: error });
        }
      }
      return output;
    },
    // Inside storeUnavailable (its priority is high): the probe's failure is this call's.
    { step: 'initialize', name: 'durableTransactions' },
  );
}

/** DynamoDB's answers that mean "not now": throttling, or a failure on its side. */
const UNAVAILABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  // A transaction with this ClientRequestToken is still in progress: its retry may answer later.
  'TransactionInProgressException',
  // The SDK's own: an attempt cut at requestTimeout, or a connection that did not open in time.
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** A cancelled transaction's reasons: an item throttled, or an answer about an item that its caller reads. */
const THROTTLED_ITEM = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded']);
const ITEM_ANSWERS = new Set(['ConditionalCheckFailed', 'TransactionConflict']);

/** Node's socket errors for a store that is down, unreachable or cut off mid-request. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * True for an error that says the store is unavailable, throttled or timed out (as left after the
 * SDK's retries), not that the request was wrong: a retry later may succeed.
 */
export function isStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & { code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean }; errors?: unknown[] };
  if (UNAVAILABLE_NAMES.has(e.name) || (e.code !== undefined && NETWORK_CODES.has(e.code))) return true;
  if (e.$retryable?.throttling) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  // A transaction cancelled because DynamoDB throttled one of its items (and for nothing the adapters read themselves).
  const codes = cancellationCodes(error);
  if (codes) return codes.some((code) => THROTTLED_ITEM.has(code)) && !codes.some((code) => ITEM_ANSWERS.has(code));
  // Connecting to a name with several addresses fails with all of their errors at once.
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isStoreUnavailable);
}

export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** For a cancelled transaction, the codes of each item's failure in request order ('None' for items that passed). */
export function cancellationCodes(error: unknown): string[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as Error & { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return reasons?.map((reason) => reason.Code ?? 'None');
}
