/**
 * Drives the projector locally from the real DynamoDB Local stream, the way Lambda's event source
 * mapping does on AWS: DescribeStream → GetShardIterator → GetRecords, batches handed to the same
 * Lambda handler as stream events, partial batch failures retried from the failed record,
 * checkpoints kept per shard, children of a split shard read after their parent, a batch whose
 * invocation throws bisected (like `bisectBatchOnError`) to isolate the bad record, and a record
 * that keeps failing quarantined after `maxAttempts` (the local stand-in for the on-failure
 * destination, an SQS queue on AWS) so the other stories keep flowing.
 *
 * A failure is a record's own only while the store answers: when it does not (DynamoDB Local is
 * restarting), the poller pauses, logs that once, retries with backoff and counts no attempt
 * against any record; when it answers again it resumes from its checkpoint. A record that fails
 * on its own is retried with exponential backoff (0.2 s doubling, at most 30 s apart) for about
 * a minute (9 attempts by default) before it is set aside, so that a hiccup does not quarantine a
 * good one. Meanwhile later records of its shard wait, as they do on AWS (a shard is read in order).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { clientConfig } from '../../shared/adapters/dynamodb/client';

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;

export interface PollerOptions {
  endpoint: string;
  table: string;
  handler: StreamHandler;
  /** Where checkpoints are kept between runs (JSON); none keeps them in memory. */
  checkpointFile?: string;
  quarantineFile?: string;
  batchSize?: number;
  /** Attempts of one batch, while the store answers, before its first failing record is quarantined (default 9). */
  maxAttempts?: number;
  /** The delay after a batch's first failed attempt; it doubles with each attempt (default 200 ms). */
  retryBaseMs?: number;
  /** The longest delay between two attempts of a failing batch (default 30 s). */
  maxRetryDelayMs?: number;
  /** The longest pause between two polls while the store does not answer (default 5 s). */
  maxOutageDelayMs?: number;
  idleMs?: number;
  /**
   * After a batch that was not full, wait this long before reading again, so that records arriving
   * under load are projected many to a batch (Lambda's MaximumBatchingWindowInSeconds). A burst of
   * appends then costs the store one projection write per window instead of one per append.
   */
  batchWindowMs?: number;
  /** Called after a batch was handed to the handler, with the story ids it held. */
  onBatch?: (storyIds: Set<string>, failed: number) => void;
  log?: (message: string, extra?: Record<string, unknown>) => void;
}

interface ShardState {
  iterator?: string;
  /** Last sequence number fully processed. */
  checkpoint?: string;
  closed: boolean;
  attempts: number;
  /** A failed batch is not retried before this time (ms since the epoch). */
  retryAt?: number;
}

/** The store did not answer (as opposed to a record failing on its own). */
class StoreUnreachable extends Error {
  override name = 'StoreUnreachable';
}

export interface QuarantinedRecord {
  shardId: string;
  sequenceNumber: string;
  keys: unknown;
  at: string;
}

/**
 * Shards that may be read now: a child of a split is read only once its parent is exhausted
 * (closed), so each story's records stay in order across the split. A parent no longer listed
 * (trimmed after 24 h) does not hold its children back.
 */
export function readableShards(shards: Pick<Shard, 'ShardId' | 'ParentShardId'>[], closed: ReadonlySet<string>): string[] {
  const listed = new Set(shards.map((s) => s.ShardId));
  return shards
    .filter((s) => s.ShardId && !closed.has(s.ShardId))
    .filter((s) => !s.ParentShardId || !listed.has(s.ParentShardId) || closed.has(s.ParentShardId))
    .map((s) => s.ShardId!);
}

/**
 * The streams client (3.11xx) deserialises an empty map attribute `{"M":{}}` as `{}`, which
 * unmarshall rejects; Lambda's event source mapping delivers `{"M":{}}`. Put it back (empty lists
 * survive, so `{}` can only have been a map).
 */
function restoreEmptyMaps(image: Record<string, unknown>): Record<string, unknown> {
  const fix = (value: unknown): unknown => {
    if (!value || typeof value !== 'object') return value;
    const av = value as { M?: Record<string, unknown>; L?: unknown[] };
    if (Object.keys(av).length === 0) return { M: {} };
    if (av.M) return { M: restoreEmptyMaps(av.M) };
    if (av.L) return { L: av.L.map(fix) };
    return value;
  };
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, fix(v)]));
}

/**
 * A record as GetRecords returns it, shaped as Lambda's event source mapping delivers it (the
 * parity suite builds the projector bundle's batches with it too).
 */
export function lambdaStreamRecord(record: _Record, streamArn: string | undefined): DynamoDBRecord {
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(record.dynamodb as DynamoDBRecord['dynamodb']),
      ...(record.dynamodb?.NewImage ? { NewImage: restoreEmptyMaps(record.dynamodb.NewImage) as never } : {}),
      ...(record.dynamodb?.OldImage ? { OldImage: restoreEmptyMaps(record.dynamodb.OldImage) as never } : {}),
      ApproximateCreationDateTime: record.dynamodb?.ApproximateCreationDateTime
        ? Math.floor(new Date(record.dynamodb.ApproximateCreationDateTime).getTime() / 1000)
        : undefined,
    },
  };
}

export class StreamPoller {
  private readonly streams: DynamoDBStreamsClient;
  private readonly shards = new Map<string, ShardState>();
  private parents = new Map<string, string | undefined>();
  private streamArn?: string;
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  readonly quarantined: QuarantinedRecord[] = [];
  private lastDescribe = 0;
  /** Polls failed in a row (the store down, most often); 0 while polls succeed. */
  private failedPolls = 0;
  private failingSince = 0;

  constructor(private readonly options: PollerOptions) {
    this.streams = new DynamoDBStreamsClient(clientConfig(options.endpoint));
  }

  async start(): Promise<void> {
    const ddb = new DynamoDBClient(clientConfig(this.options.endpoint));
    const table = await ddb.send(new DescribeTableCommand({ TableName: this.options.table }));
    ddb.destroy();
    this.streamArn = table.Table?.LatestStreamArn;
    if (!this.streamArn) throw new Error(`table ${this.options.table} has no stream`);
    this.loadCheckpoints();
    this.loadQuarantine();
    this.running = true;
    this.loop = this.run();
  }

  /** Poll now instead of waiting for the idle interval (after a write). */
  nudge(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    await this.loop;
    this.streams.destroy();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let handled = 0;
      let full = false;
      try {
        if (Date.now() - this.lastDescribe > 1_000) await this.describe();
        for (const [shardId, state] of this.shards) {
          if (!this.running) break;
          if (state.closed || !this.ready(shardId) || (state.retryAt ?? 0) > Date.now()) continue;
          const n = await this.pollShard(shardId, state);
          handled += n;
          full ||= n >= (this.options.batchSize ?? 100);
        }
        if (this.failedPolls > 0) {
          this.options.log?.('stream poll recovered', { failedPolls: this.failedPolls, seconds: (Date.now() - this.failingSince) / 1000 });
          this.failedPolls = 0;
        }
      } catch (error) {
        // DynamoDB Local refuses an iterator taken while a shard was empty; the next poll takes a
        // fresh one (see pollShard), so that one is expected and not worth a warning.
        const expected = error instanceof Error && error.name === 'TrimmedDataAccessException';
        if (this.running && !expected) {
          // Said once per streak, not on every poll: while DynamoDB Local restarts, polls fail in a row.
          if (this.failedPolls === 0) {
            this.failingSince = Date.now();
            this.options.log?.('stream poll failed; retrying with backoff until it succeeds', { error: String(error) });
          }
          this.failedPolls += 1;
          const delay = Math.min(this.options.maxOutageDelayMs ?? 5_000, 100 * 2 ** (this.failedPolls - 1));
          await this.sleep(delay, false);
          continue;
        }
      }
      if (full || !this.running) continue;
      if (handled > 0) {
        // More may be arriving: let it gather for a window rather than reading it one by one.
        await new Promise((r) => setTimeout(r, this.options.batchWindowMs ?? 0));
        continue;
      }
      if (this.running) await this.sleep(this.options.idleMs ?? 100, true);
    }
  }

  /** Waits `ms`, or less if the poller stops (or, when `nudgeable`, is nudged after a write). */
  private async sleep(ms: number, nudgeable: boolean): Promise<void> {
    if (!this.running) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        if (nudgeable || !this.running) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    this.wake = undefined;
  }

  /** Whether the store answers now (a failed batch is then the record's own doing). */
  private async storeAnswers(): Promise<boolean> {
    try {
      await this.streams.send(new DescribeStreamCommand({ StreamArn: this.streamArn, Limit: 1 }));
      return true;
    } catch {
      return false;
    }
  }

  /** A child shard is read only once its parent is exhausted, preserving per-story order. */
  private ready(shardId: string): boolean {
    const closed = new Set([...this.shards].filter(([, s]) => s.closed).map(([id]) => id));
    const listed = [...this.shards.keys()].map((id) => ({ ShardId: id, ParentShardId: this.parents.get(id) }));
    return readableShards(listed, closed).includes(shardId);
  }

  private async describe(): Promise<void> {
    this.lastDescribe = Date.now();
    let start: string | undefined;
    const found: Shard[] = [];
    do {
      const out = await this.streams.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }),
      );
      found.push(...(out.StreamDescription?.Shards ?? []));
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    for (const shard of found) {
      if (!shard.ShardId) continue;
      this.parents.set(shard.ShardId, shard.ParentShardId);
      if (!this.shards.has(shard.ShardId)) this.shards.set(shard.ShardId, { closed: false, attempts: 0 });
    }
  }

  private async iterator(shardId: string, state: ShardState): Promise<string | undefined> {
    if (state.iterator) return state.iterator;
    const out = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shardId,
        ...(state.checkpoint
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: state.checkpoint }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    state.iterator = out.ShardIterator;
    return state.iterator;
  }

  /** Returns how many records were handed to the handler (0: nothing new or a retry is pending). */
  private async pollShard(shardId: string, state: ShardState): Promise<number> {
    const iterator = await this.iterator(shardId, state);
    if (!iterator) {
      state.closed = true;
      return 0;
    }
    let out;
    try {
      out = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.options.batchSize ?? 100 }));
    } catch (error) {
      // A refused iterator is not retried as is: DynamoDB Local refuses (TrimmedDataAccess) a
      // TRIM_HORIZON iterator taken while the shard was still empty, and iterators expire. The
      // next poll takes a fresh one from the checkpoint.
      state.iterator = undefined;
      throw error;
    }
    const records = out.Records ?? [];
    if (records.length === 0) {
      state.iterator = out.NextShardIterator;
      if (!out.NextShardIterator) state.closed = true;
      return 0;
    }
    let response;
    try {
      response = await this.invoke(records);
    } catch (error) {
      state.iterator = undefined; // read again from the checkpoint once the store answers
      throw error;
    }
    const storyIds = new Set(records.map((r) => String(r.dynamodb?.Keys?.storyId?.S ?? '')));
    const failures = response?.batchItemFailures ?? [];
    if (failures.length === 0) {
      state.attempts = 0;
      state.retryAt = undefined;
      this.advance(state, records.at(-1)!.dynamodb!.SequenceNumber!, out.NextShardIterator);
      this.options.onBatch?.(storyIds, 0);
      return records.length;
    }
    // Like the event source mapping: the checkpoint moves to just before the earliest failure.
    const failed = new Set(failures.map((f) => f.itemIdentifier));
    const index = records.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
    const firstFailed = records[Math.max(0, index)]!;
    this.options.onBatch?.(storyIds, failures.length);
    const before = index > 0 ? records[index - 1]!.dynamodb!.SequenceNumber! : state.checkpoint;
    if (!(await this.storeAnswers())) {
      // Not the record's fault: pause the poller (the caller backs off), count nothing against it.
      state.iterator = undefined;
      if (before) this.advance(state, before, undefined);
      throw new StoreUnreachable('the store does not answer; the failed batch is retried once it does');
    }
    state.attempts += 1;
    if (state.attempts >= (this.options.maxAttempts ?? 9)) {
      this.quarantine(shardId, firstFailed);
      state.attempts = 0;
      state.retryAt = undefined;
      this.advance(state, firstFailed.dynamodb!.SequenceNumber!, undefined);
      return records.length;
    }
    state.iterator = undefined;
    if (before) this.advance(state, before, undefined);
    // This shard waits; the others keep flowing, and stop() is not held up by the delay.
    state.retryAt = Date.now() + Math.min(this.options.maxRetryDelayMs ?? 30_000, (this.options.retryBaseMs ?? 200) * 2 ** (state.attempts - 1));
    return 0;
  }

  /**
   * Hands records to the handler. If the invocation throws, the batch is split in two and each
   * half retried on its own, down to single records, as `bisectBatchOnError` does: the failure is
   * narrowed to the record that causes it, and the records before it get through. Records after a
   * failed half are not handed over (they would be retried from the failure anyway).
   */
  private async invoke(records: _Record[]): Promise<DynamoDBBatchResponse> {
    try {
      return (await this.options.handler({ Records: records.map((r) => this.toLambdaRecord(r)) })) ?? { batchItemFailures: [] };
    } catch (error) {
      // A store that does not answer fails every half alike: no bisecting, no failure to count.
      if (!(await this.storeAnswers())) throw new StoreUnreachable(`the store does not answer: ${String(error)}`);
      this.options.log?.('projector invocation failed', { records: records.length, error: String(error) });
      if (records.length === 1) return { batchItemFailures: [{ itemIdentifier: records[0]!.dynamodb!.SequenceNumber! }] };
      const half = Math.ceil(records.length / 2);
      const first = await this.invoke(records.slice(0, half));
      if (first.batchItemFailures.length > 0) return first;
      return this.invoke(records.slice(half));
    }
  }

  private advance(state: ShardState, sequenceNumber: string, next: string | undefined): void {
    state.checkpoint = sequenceNumber;
    state.iterator = next;
    this.saveCheckpoints();
  }

  private quarantine(shardId: string, record: _Record): void {
    const entry: QuarantinedRecord = {
      shardId,
      sequenceNumber: record.dynamodb?.SequenceNumber ?? '',
      keys: record.dynamodb?.Keys,
      at: new Date().toISOString(),
    };
    this.quarantined.push(entry);
    this.options.log?.('stream record quarantined after repeated failures', { ...entry });
    if (this.options.quarantineFile) {
      mkdirSync(dirname(this.options.quarantineFile), { recursive: true });
      appendFileSync(this.options.quarantineFile, JSON.stringify({ ...entry, record: record.dynamodb }) + '\n');
    }
  }

  private toLambdaRecord(record: _Record): DynamoDBRecord {
    return lambdaStreamRecord(record, this.streamArn);
  }

  /** Records set aside by earlier runs, so that the startup output and operators still see them. */
  private loadQuarantine(): void {
    const file = this.options.quarantineFile;
    if (!file || !existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const { record: _, ...entry } = JSON.parse(line) as QuarantinedRecord & { record?: unknown };
        this.quarantined.push(entry);
      } catch {
        // A torn last line from a crash: the rest are still reported.
      }
    }
  }

  private loadCheckpoints(): void {
    if (!this.options.checkpointFile) return;
    try {
      const saved = JSON.parse(readFileSync(this.options.checkpointFile, 'utf8')) as {
        streamArn: string;
        shards: Record<string, string>;
      };
      // A new stream (tables recreated) starts from the beginning.
      if (saved.streamArn !== this.streamArn) return;
      for (const [shardId, checkpoint] of Object.entries(saved.shards)) {
        this.shards.set(shardId, { checkpoint, closed: false, attempts: 0 });
      }
    } catch {
      // No checkpoint yet: read every shard from its start (the projector is idempotent).
    }
  }

  private saveCheckpoints(): void {
    if (!this.options.checkpointFile) return;
    const shards: Record<string, string> = {};
    for (const [id, state] of this.shards) if (state.checkpoint) shards[id] = state.checkpoint;
    const tmp = `${this.options.checkpointFile}.tmp`;
    mkdirSync(dirname(tmp), { recursive: true });
    writeFileSync(tmp, JSON.stringify({ streamArn: this.streamArn, shards }));
    renameSync(tmp, this.options.checkpointFile);
  }
}
