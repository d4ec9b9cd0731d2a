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

export function clientConfig(endpoint = process.env.DYNAMODB_ENDPOINT): DynamoDBClientConfig {
  if (!endpoint) return {};
  // DynamoDB Local accepts any credentials and region; fixed ones keep every process on one database.
  return {
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 5,
  };
}

export function documentClient(config: DynamoDBClientConfig = clientConfig()): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
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
