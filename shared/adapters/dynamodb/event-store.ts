/**
 * The event store: one stream per story in the events table (partition key `storyId`, sort key
 * `version`). Appends are conditional writes on the next version, so versions are gap-free and an
 * event is never overwritten. No code path updates or deletes an event.
 */
import {
  PutCommand,
  QueryCommand,
  ScanCommand,
  paginateQuery,
  paginateScan,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConcurrencyError } from '../../domain/errors';
import type { PendingEvent, StoryEvent } from '../../domain/story/events';
import { upcast } from '../../domain/story/upcast';
import { CompanionConditionError, TransactionConflictError } from '../../application/errors';
import type { Append, EventLog, EventPage, EventReader, ReadOptions } from '../../application/ports';
import { cancellationCodes, isConditionFailure } from './client';

type Item = Record<string, NativeAttributeValue>;

/** An extra item that must land in the same transaction as the events (e.g. an idempotency record). */
export interface TransactPut {
  TableName: string;
  Item: Item;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

/** An extra item's update that must commit with the events (e.g. an idempotency record turning COMPLETED). */
export interface TransactUpdate {
  TableName: string;
  Key: Item;
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

/**
 * The story catalog: a sparse, keys-only global secondary index over the events table holding one
 * entry per story. Only a story's first event (version 1) carries the `catalog` attribute, so the
 * index has exactly one item per story and listing stories costs O(stories), not a scan of every
 * event. Its single partition key value takes one write per story opened, never per update.
 */
export const STORY_CATALOG = { indexName: 'storyCatalog', partitionKey: 'catalog', sortKey: 'storyId', value: 'story' } as const;

export function toItem(event: StoryEvent): Item {
  const { storyId, version, updateId, schemaVersion, recordedAt, recordedBy, occurredAt, ...meta } = event.metadata;
  return {
    storyId,
    version,
    ...(version === 1 ? { [STORY_CATALOG.partitionKey]: STORY_CATALOG.value } : {}),
    type: event.type,
    schemaVersion,
    updateId,
    recordedAt,
    recordedBy,
    ...(occurredAt === undefined ? {} : { occurredAt }),
    data: event.data,
    metadata: meta,
  };
}

export function fromItem(item: Item): StoryEvent {
  const { storyId, version, type, schemaVersion, updateId, recordedAt, recordedBy, occurredAt, data, metadata } = item;
  return upcast({
    type,
    data,
    metadata: {
      ...(metadata ?? {}),
      storyId,
      version: Number(version),
      schemaVersion: Number(schemaVersion),
      updateId,
      recordedAt,
      recordedBy,
      ...(occurredAt === undefined ? {} : { occurredAt }),
    },
  });
}

/**
 * The events of a page when a story is read through (replay, time travel, a fold). Without a
 * `Limit`, DynamoDB Local answers a Query page (1 MB, some 3,000 events) at a cost in proportion
 * to what is left of the partition, which makes reading a story of N events O(N²) on it (a page
 * from the start of a 100,000-event story: 1.2 s; with a Limit of 300: 11–37 ms wherever it starts;
 * docs/benchmarks.md). DynamoDB pages by the same 1 MB either way, so a bounded page costs it nothing.
 */
export const STREAM_PAGE_EVENTS = 1_000;

/** Reading the events table: all the read function needs (its bundle carries no append). */
export class EventLogReader implements EventReader {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    readonly table: string,
  ) {}
  /** The story's latest version, 0 when it has no events. One strongly consistent read. */
  async headVersion(storyId: string): Promise<number> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'storyId = :s',
        ExpressionAttributeValues: { ':s': storyId },
        ProjectionExpression: 'version',
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return Number(out.Items?.[0]?.version ?? 0);
  }

  /** One page of a story's events, oldest first. */
  async read(storyId: string, options: ReadOptions = {}): Promise<EventPage> {
    const after = options.after ?? 0;
    const hasUpper = options.upTo !== undefined;
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: hasUpper ? 'storyId = :s AND version BETWEEN :a AND :b' : 'storyId = :s AND version > :a',
        ExpressionAttributeValues: {
          ':s': storyId,
          ':a': hasUpper ? after + 1 : after,
          ...(hasUpper ? { ':b': options.upTo } : {}),
        },
        ConsistentRead: true,
        ...(options.limit === undefined ? {} : { Limit: options.limit }),
      }),
    );
    const events = (out.Items ?? []).map(fromItem);
    const last = events.at(-1)?.metadata.version;
    return { events, ...(out.LastEvaluatedKey && last !== undefined ? { nextAfter: last } : {}) };
  }

  /**
   * Every event of a story after `after` (and up to `upTo`), page by page: STREAM_PAGE_EVENTS a
   * page unless told otherwise.
   */
  async *stream(storyId: string, options: Omit<ReadOptions, 'limit'> & { pageSize?: number } = {}): AsyncGenerator<StoryEvent[]> {
    let after: number | undefined = options.after ?? 0;
    while (after !== undefined) {
      const page: EventPage = await this.read(storyId, {
        after,
        ...(options.upTo === undefined ? {} : { upTo: options.upTo }),
        limit: options.pageSize ?? STREAM_PAGE_EVENTS,
      });
      if (page.events.length > 0) yield page.events;
      after = page.nextAfter;
    }
  }

  /** A story's events newest first, from `upTo` down, page by page: feeds walk back from the head. */
  async *streamNewestFirst(storyId: string, options: { upTo: number; pageSize?: number; consistent?: boolean }): AsyncGenerator<StoryEvent[]> {
    let below = options.upTo + 1;
    for (;;) {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'storyId = :s AND version < :b',
          ExpressionAttributeValues: { ':s': storyId, ':b': below },
          ScanIndexForward: false,
          ConsistentRead: options.consistent ?? true,
          ...(options.pageSize === undefined ? {} : { Limit: options.pageSize }),
        }),
      );
      const events = (out.Items ?? []).map(fromItem);
      if (events.length > 0) yield events;
      const last = events.at(-1)?.metadata.version;
      if (!out.LastEvaluatedKey || last === undefined) return;
      below = last;
    }
  }

  /** True when the table holds no event at all: one item read, not a scan of the table. */
  async isEmpty(): Promise<boolean> {
    const out = await this.db.send(new ScanCommand({ TableName: this.table, Limit: 1, ProjectionExpression: 'storyId' }));
    return (out.Items ?? []).length === 0 && !out.LastEvaluatedKey;
  }

  /**
   * Ids of every story, from the story catalog index: O(stories). A local events table created
   * before the index existed has no catalog (an index added later would miss the stories opened
   * before it, so none is added in place): for it this falls back to a scan of every event.
   */
  async listStoryIds(): Promise<string[]> {
    const ids: string[] = [];
    try {
      const pages = paginateQuery(
        { client: this.db },
        {
          TableName: this.table,
          IndexName: STORY_CATALOG.indexName,
          KeyConditionExpression: '#c = :c',
          ExpressionAttributeNames: { '#c': STORY_CATALOG.partitionKey },
          ExpressionAttributeValues: { ':c': STORY_CATALOG.value },
        },
      );
      for await (const page of pages) for (const item of page.Items ?? []) ids.push(String(item.storyId));
      return ids;
    } catch (error) {
      if (!isMissingIndex(error)) throw error;
    }
    const pages = paginateScan(
      { client: this.db },
      { TableName: this.table, FilterExpression: 'version = :one', ExpressionAttributeValues: { ':one': 1 }, ProjectionExpression: 'storyId' },
    );
    for await (const page of pages) for (const item of page.Items ?? []) ids.push(String(item.storyId));
    return ids.sort();
  }
}

export class EventStore extends EventLogReader implements EventLog<TransactPut | TransactUpdate> {
  /**
   * Appends events after `expectedVersion`. One event with no companion is a single conditional
   * PutItem (the common, cheap path); several events or a companion item go in one transaction.
   * Throws ConcurrencyError when the stream is no longer at `expectedVersion`, TransactionConflictError
   * when DynamoDB refused it for another transaction on the same items (nothing written, try again).
   *
   * A PutItem whose answer was lost is recognised: DynamoDB applied it, the SDK retried it, and the
   * retry failed its own condition against the item it had just written. The failure brings back
   * the item in the way (`ReturnValuesOnConditionCheckFailure`); when that is our event (its
   * `updateId`, fresh for every attempt, and its editor), the append succeeded, and answers so,
   * instead of a lost race that would record the same update again under a new id. A transaction
   * needs no such check: the SDK sends its retries with the same ClientRequestToken, and DynamoDB
   * answers a retry of an applied transaction with its success (test/reliability/store-faults.test.ts).
   */
  async append(storyId: string, expectedVersion: number, pending: PendingEvent[], companion?: TransactPut | TransactUpdate): Promise<StoryEvent[]> {
    const events = numbered(storyId, expectedVersion, pending);
    const puts = events.map((event) => this.put(event));
    try {
      if (puts.length === 1 && !companion) {
        await this.db.send(new PutCommand({ ...puts[0]!, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }));
      } else {
        await this.db.send(new TransactWriteCommand({ TransactItems: [...puts.map((Put) => ({ Put })), ...transactItems(companion)] }));
      }
    } catch (error) {
      if (isConditionFailure(error)) {
        if (isOurs(puts[0]!.Item, (error as { Item?: Record<string, AttributeValue> }).Item)) return events;
        throw new ConcurrencyError(storyId, expectedVersion);
      }
      throw refusal(error, storyId, expectedVersion, (i) => (i < puts.length ? 'event' : 'companion'));
    }
    return events;
  }

  /**
   * Group commit: the leading appends that fit in one TransactWriteItems (100 items, 4 MB; an
   * append is its events and its companion), written at consecutive versions after
   * `expectedVersion`, all or none. One append alone is `append` (a single PutItem without a
   * companion). A retry of the transaction by the SDK carries the same ClientRequestToken, so an
   * answer lost after DynamoDB applied it comes back as its success, not as a lost race.
   */
  async appendAll(storyId: string, expectedVersion: number, appends: readonly Append<TransactPut | TransactUpdate>[]): Promise<StoryEvent[][]> {
    const stored: StoryEvent[][] = [];
    const items: TransactItem[] = [];
    const kinds: ('event' | 'companion')[] = [];
    let bytes = 0;
    let version = expectedVersion;
    for (const { pending, companion } of appends) {
      const events = numbered(storyId, version, pending);
      const mine: TransactItem[] = [...events.map((event) => ({ Put: this.put(event) })), ...transactItems(companion)];
      const size = mine.reduce((sum, item) => sum + Buffer.byteLength(JSON.stringify(item)), 0);
      if (stored.length > 0 && (items.length + mine.length > MAX_TRANSACTION_ITEMS || bytes + size > MAX_TRANSACTION_BYTES)) break;
      stored.push(events);
      items.push(...mine);
      kinds.push(...events.map(() => 'event' as const), ...(companion ? ['companion' as const] : []));
      bytes += size;
      version += events.length;
    }
    if (stored.length === 1) return [await this.append(storyId, expectedVersion, appends[0]!.pending, appends[0]!.companion)];
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      throw refusal(error, storyId, expectedVersion, (i) => kinds[i] ?? 'event');
    }
    return stored;
  }

  private put(event: StoryEvent): TransactPut {
    return { TableName: this.table, Item: toItem(event), ConditionExpression: 'attribute_not_exists(version)' };
  }
}

/** DynamoDB's limits on one TransactWriteItems: 100 items, 4 MB (sizes here are of the JSON, a little above DynamoDB's count). */
const MAX_TRANSACTION_ITEMS = 100;
const MAX_TRANSACTION_BYTES = 3.5 * 1024 * 1024;

type TransactItem = { Put: TransactPut } | { Update: TransactUpdate };

/** The events of `pending` at the versions after `expectedVersion`. */
function numbered(storyId: string, expectedVersion: number, pending: PendingEvent[]): StoryEvent[] {
  return pending.map((event, i) => ({ ...event, metadata: { ...event.metadata, storyId, version: expectedVersion + i + 1 } }) as StoryEvent);
}

function transactItems(companion: TransactPut | TransactUpdate | undefined): TransactItem[] {
  if (!companion) return [];
  return ['UpdateExpression' in companion ? { Update: companion } : { Put: companion }];
}

/**
 * A refused write as the application's errors (nothing of it was written): a failed condition on an
 * event is a lost race, on a companion the companion's; another transaction in the way is a conflict.
 * Any other error is thrown as it is. `kind(i)` says what the transaction's i-th item was.
 */
function refusal(error: unknown, storyId: string, expectedVersion: number, kind: (i: number) => 'event' | 'companion'): unknown {
  if (error instanceof Error && error.name === 'TransactionConflictException') return new TransactionConflictError(storyId);
  const codes = cancellationCodes(error);
  if (!codes) return error;
  const failed = codes.flatMap((code, i) => (code === 'ConditionalCheckFailed' ? [kind(i)] : []));
  if (failed.includes('event')) return new ConcurrencyError(storyId, expectedVersion);
  if (failed.includes('companion')) return new CompanionConditionError();
  if (codes.includes('TransactionConflict')) return new TransactionConflictError(storyId);
  return error;
}

/**
 * True when the item a failed condition returned is the event we tried to write (same update id,
 * same editor, same version). The document client leaves the error's item as DynamoDB sent it.
 */
function isOurs(written: Item, found: Record<string, AttributeValue> | undefined): boolean {
  if (!found) return false;
  const item = unmarshall(found);
  return item.updateId === written.updateId && item.recordedBy === written.recordedBy && Number(item.version) === written.version;
}

/** DynamoDB's answer to a query on an index the table does not have. */
function isMissingIndex(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationException' && /specified index/i.test(error.message);
}
