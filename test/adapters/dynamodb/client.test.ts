/**
 * The one place DynamoDB clients are built (shared/adapters/dynamodb/client.ts): the SDK's bounds,
 * and which failures mean "the store is unavailable" (StoreUnavailableError, answered 503) and
 * which are answers of the store that the adapters read themselves.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_TIMEOUTS, clientConfig, documentClient, isStoreUnavailable, LOCAL_TIMEOUTS } from '../../../shared/adapters/dynamodb/client';
import { StoreUnavailableError } from '../../../shared/application/errors';
import { createTestStore, type TestStore } from '../../support/dynamo';
import { inject, overProvisioned, putConflict, throttled, throttledTransaction, transactionConflict } from '../../support/faults';

let store: TestStore;
beforeAll(async () => void (store = await createTestStore()));
afterAll(() => store?.drop());

const withCode = (code: string) => Object.assign(new Error(code), { code });
const named = (name: string, status = 400) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('what counts as a store that is unavailable', () => {
  it.each([
    ['connection refused', withCode('ECONNREFUSED')],
    ['connection reset', withCode('ECONNRESET')],
    ['a socket timeout', withCode('ETIMEDOUT')],
    ['an unknown host', withCode('ENOTFOUND')],
    ['the SDK cutting an attempt', named('TimeoutError', 0)],
    ['ProvisionedThroughputExceeded', overProvisioned()],
    ['ThrottlingException', throttled()],
    ['RequestLimitExceeded', named('RequestLimitExceeded')],
    ['InternalServerError', named('InternalServerError', 500)],
    ['ServiceUnavailable', named('ServiceUnavailable', 503)],
    ['any 5xx', named('SomethingNew', 502)],
    ['a transaction cancelled for a throttled item', throttledTransaction()],
    ['every address of a host refusing', Object.assign(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), {})],
  ])('%s is', (_, error) => expect(isStoreUnavailable(error)).toBe(true));

  it.each([
    ['a failed condition', named('ConditionalCheckFailedException')],
    ['a cancelled transaction (its reasons are read by the store)', transactionConflict()],
    ['a TransactionConflict on a PutItem (a lost race)', putConflict()],
    [
      'a transaction cancelled for a failed condition, another item throttled (the condition is the answer)',
      Object.assign(throttledTransaction(), { CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'ThrottlingError' }] }),
    ],
    ['a validation error (a bug)', named('ValidationException')],
    ['a missing table (a bug or a deployment fault)', named('ResourceNotFoundException')],
    ['a plain error', new Error('boom')],
    ['not an error', 'ECONNREFUSED'],
  ])('%s is not', (_, error) => expect(isStoreUnavailable(error)).toBe(false));
});

describe('clients', { timeout: 20_000 }, () => {
  it('are bounded well under the 10 s Lambda timeout on AWS, and more loosely for DynamoDB Local', async () => {
    const aws = clientConfig(undefined);
    expect(aws).toMatchObject({ maxAttempts: 3, requestHandler: { connectionTimeout: 500, requestTimeout: 1500, throwOnRequestTimeout: true } });
    // Every attempt cut, plus the SDK's backoff between them (at most 100 and 200 ms): under half the Lambda timeout.
    expect(AWS_TIMEOUTS.maxAttempts * AWS_TIMEOUTS.requestMs + 300).toBeLessThan(5_000);
    expect(clientConfig(store.endpoint)).toMatchObject({
      maxAttempts: LOCAL_TIMEOUTS.maxAttempts,
      requestHandler: { requestTimeout: LOCAL_TIMEOUTS.requestMs },
    });
    const db = documentClient(clientConfig(store.endpoint));
    expect(await db.config.maxAttempts()).toBe(LOCAL_TIMEOUTS.maxAttempts);
    db.destroy();
  });

  it('turn a store that refuses connections into StoreUnavailableError, with the cause kept', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const db = documentClient(clientConfig(`http://127.0.0.1:${port}`));
    const error = await db.send(new GetCommand({ TableName: 't', Key: { id: 'x' } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(((error as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
    // For the logs and the CLI: what the store said, in a word.
    expect((error as Error).message).toMatch(/^DynamoDB is unavailable \(.*ECONNREFUSED\)$/);
    db.destroy();
  });

  it('leave the store’s own answers as they are: a failed condition stays a ConditionalCheckFailedException', async () => {
    const db = documentClient(clientConfig(store.endpoint));
    const put = () =>
      db.send(
        new PutCommand({
          TableName: store.tables.idempotency,
          Item: { id: 'client-test', status: 'x' },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    await put();
    await expect(put()).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    db.destroy();
    // Throttled past the SDK's attempts (two here: its throttling backoff is long): unavailable.
    const throttledDb = documentClient({ ...clientConfig(store.endpoint), maxAttempts: 2 });
    const fault = inject(throttledDb, 'GetItem', throttled, Infinity);
    const error = await throttledDb
      .send(new GetCommand({ TableName: store.tables.idempotency, Key: { id: 'client-test' } }))
      .catch((e: unknown) => e);
    fault.remove();
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(fault.seen.sent).toBe(2);
    throttledDb.destroy();
  });
});
