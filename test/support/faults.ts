/**
 * Faults injected into a real DynamoDB client (the SDK's middleware stack), for what DynamoDB Local
 * cannot be made to do: lose an answer after applying a write, throttle, raise a TransactionConflict.
 */
import {
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';

type Fault = 'lose-answer' | (() => Error);

/**
 * Injects `fault` into the first `times` requests of one DynamoDB operation (`PutItem`,
 * `TransactWriteItems`, …) made by `db`. The middleware sits inside the SDK's retry loop
 * (finalizeRequest, after the retry middleware), so what it throws is what a failed attempt
 * throws: the SDK retries it if it would retry the real thing.
 */
export function inject(db: DynamoDBDocumentClient, operation: string, fault: Fault, times = 1) {
  const name = `fault-${operation}-${ulid()}`;
  const seen = { sent: 0, faulted: 0 };
  db.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      if (headers['x-amz-target']?.split('.')[1] !== operation) return next(args);
      seen.sent++;
      if (seen.faulted >= times) return next(args);
      seen.faulted++;
      if (fault !== 'lose-answer') throw fault();
      await next(args);
      // DynamoDB applied it; the answer never arrives.
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    },
    { step: 'finalizeRequest', priority: 'low', name },
  );
  return { seen, remove: () => db.middlewareStack.remove(name) };
}

export const transactionConflict = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]',
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: [{ Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }, { Code: 'None' }],
  });

export const putConflict = () =>
  new TransactionConflictException({ message: 'Transaction is ongoing for the item', $metadata: { httpStatusCode: 400 } });

export const throttled = () => new ThrottlingException({ message: 'rate exceeded', $metadata: { httpStatusCode: 400 } });

export const overProvisioned = () => new ProvisionedThroughputExceededException({ message: 'rate exceeded', $metadata: { httpStatusCode: 400 } });

/** A transaction DynamoDB cancelled because it throttled one of its items. */
export const throttledTransaction = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ThrottlingError]',
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: [
      { Code: 'None' },
      { Code: 'ThrottlingError', Message: 'Throughput exceeds the current capacity for one or more global secondary indexes.' },
    ],
  });
