/**
 * Idempotency records, shared by every process (each Lambda container, the local server): one
 * item per (editor, story, Idempotency-Key) in the idempotency table.
 *
 * Life of a record:
 * - `claim` writes it IN_PROGRESS with a short lease held by one request, before anything is
 *   decided. A second request with the key finds it and gets 409 (same body, lease live),
 *   422 (another body) or the first response (COMPLETED).
 * - `completion` is the Update that turns it COMPLETED with the response; it goes in the SAME
 *   TransactWriteItems as the event, conditioned on the lease still being ours, so the event and
 *   the record land together or not at all.
 * - `release` marks it RELEASED when the request was refused (404, 409, 412 …): a refused request
 *   stores nothing and does not bind the key, so the editor may retry with a corrected body.
 * - A lease that expired (the process holding it died between claim and commit) may be taken
 *   over by a retry of the same request; the dead holder's commit can no longer succeed.
 *
 * Deliberately UpdateItem, never DeleteItem: the write function's IAM grants no delete, and TTL
 * (`expiresAt`, epoch seconds) removes old records.
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { TransactUpdate } from './event-store';
import type { ClaimResult, IdempotencyRecord, IdempotencyRecords, StoredResponse } from '../../application/ports';
import { isConditionFailure } from './client';

export interface IdempotencyOptions {
  /**
   * How long a claim holds the key (ms). Longer than the write function's timeout (10 s on AWS),
   * so a lease is only ever taken over from a request that can no longer commit.
   */
  leaseMs?: number;
  /** How long a key is remembered (s). */
  ttlSeconds?: number;
}

export class IdempotencyStore implements IdempotencyRecords<TransactUpdate> {
  readonly leaseMs: number;
  readonly ttlSeconds: number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly table: string,
    options: IdempotencyOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 15_000;
    this.ttlSeconds = options.ttlSeconds ?? 24 * 3600;
  }

  async get(id: string): Promise<IdempotencyRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }));
    return out.Item as IdempotencyRecord | undefined;
  }

  /** Takes the key for this request, or says who has it. */
  async claim(id: string, requestHash: string, owner: string, nowMs: number): Promise<ClaimResult> {
    const record: IdempotencyRecord = {
      id,
      status: 'IN_PROGRESS',
      requestHash,
      leaseOwner: owner,
      leaseExpiresAt: nowMs + this.leaseMs,
      expiresAt: Math.floor(nowMs / 1000) + this.ttlSeconds,
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: record,
          ConditionExpression:
            'attribute_not_exists(id) OR expiresAt < :nowS OR #status = :released ' +
            'OR (#status = :inProgress AND leaseExpiresAt < :nowMs AND requestHash = :hash)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':nowS': Math.floor(nowMs / 1000),
            ':nowMs': nowMs,
            ':released': 'RELEASED',
            ':inProgress': 'IN_PROGRESS',
            ':hash': requestHash,
          },
          // The holder comes back with the failure: no second read on a retry.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const item = (error as Error & { Item?: Record<string, AttributeValue> }).Item;
      const held = item ? (unmarshall(item) as IdempotencyRecord) : await this.get(id);
      // Gone between the write and the read (TTL): try once more.
      if (!held) return this.claim(id, requestHash, owner, nowMs);
      // Our own claim, applied before its answer was lost and the SDK retried it: the key is ours.
      if (held.status === 'IN_PROGRESS' && held.leaseOwner === owner) return { claimed: true };
      return { claimed: false, record: held };
    }
  }

  /** The record's COMPLETED state, to commit in the same transaction as the event. */
  completion(id: string, owner: string, response: StoredResponse): TransactUpdate {
    return {
      TableName: this.table,
      Key: { id },
      UpdateExpression: 'SET #status = :completed, #response = :response',
      ConditionExpression: '#status = :inProgress AND leaseOwner = :owner',
      ExpressionAttributeNames: { '#status': 'status', '#response': 'response' },
      ExpressionAttributeValues: { ':completed': 'COMPLETED', ':inProgress': 'IN_PROGRESS', ':owner': owner, ':response': response },
    };
  }

  /** Lets the key go after a refused request; a no-op if the lease is no longer ours. */
  async release(id: string, owner: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: 'SET #status = :released',
          ConditionExpression: '#status = :inProgress AND leaseOwner = :owner',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':released': 'RELEASED', ':inProgress': 'IN_PROGRESS', ':owner': owner },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
