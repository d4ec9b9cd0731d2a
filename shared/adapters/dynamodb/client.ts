/**
 * DynamoDB clients and table names, created once per process (module scope on Lambda).
 * Locally, DYNAMODB_ENDPOINT points at DynamoDB Local.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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
  if (!endpoint) return {};
  const url = new URL(endpoint);
  const accessKeyId = decodeURIComponent(url.username) || 'local';
  url.username = '';
  url.password = '';
  return {
    endpoint: url.origin + url.pathname.replace(/\/$/, ''),
    region: LOCAL_REGION,
    credentials: { accessKeyId, secretAccessKey: 'local' },
    maxAttempts: 5,
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
  return DynamoDBDocumentClient.from(new DynamoDBClient({ logger: SDK_LOGGER, ...config }), {
    marshallOptions: { removeUndefinedValues: true },
  });
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
