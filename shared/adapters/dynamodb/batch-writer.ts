/**
 * BatchWriteItem fed as items come: 25 requests a call, at most `concurrency` calls in flight,
 * unprocessed items retried with backoff. `put` and `delete` resolve once their items are handed
 * to calls (they wait while every call slot is busy), so a producer that reads while it writes, like replay,
 * is held back instead of queueing without bound. `flush` sends the rest and waits for all. With a
 * WriteBudget, each call first takes the write units its items cost (retries of unprocessed items too).
 * With `pauses` (long jobs: replay, bulk loads), a call that found the store unavailable after the
 * SDK's own attempts (every one timed out, say, on a DynamoDB Local stalled on a loaded machine) is
 * sent again after each pause (`patiently`; UNAVAILABLE_PAUSES_MS, about 30 s in all) instead of
 * failing the whole job. Without (the live projector, within its Lambda's timeout), it fails.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient, type NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import { patiently } from '../../application/async';
import { writeUnits, type WriteBudget } from './write-budget';

type Item = Record<string, NativeAttributeValue>;
export type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

const BATCH = 25;
/** Attempts at a call's unprocessed items (backoff 20 ms doubling to 1 s: about 10 s in all). */
const MAX_ATTEMPTS = 16;

export class BatchWriter {
  private queue: WriteRequest[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly concurrency = 4,
    /** Called with the number of requests of each call once DynamoDB has processed all of them. */
    private readonly onWritten?: (n: number) => void,
    private readonly budget?: WriteBudget,
    /** Pauses before sending again a call that found the store unavailable (none: it fails). */
    private readonly pauses: readonly number[] = [],
  ) {}

  put(items: Iterable<Item>): Promise<void> {
    for (const Item of items) this.queue.push({ PutRequest: { Item } });
    return this.pump(false);
  }

  delete(keys: Iterable<Item>): Promise<void> {
    for (const Key of keys) this.queue.push({ DeleteRequest: { Key } });
    return this.pump(false);
  }

  /** Sends what is queued and waits until every call has finished; throws the first failure. */
  async flush(): Promise<void> {
    await this.pump(true);
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  private async pump(all: boolean): Promise<void> {
    while (this.queue.length >= BATCH || (all && this.queue.length > 0)) {
      this.throwIfFailed();
      if (this.inFlight.size >= this.concurrency) {
        await Promise.race(this.inFlight);
        continue;
      }
      const call: Promise<void> = this.send(this.queue.splice(0, BATCH))
        .catch((error: unknown) => {
          this.failure ??= { error };
        })
        .finally(() => this.inFlight.delete(call));
      this.inFlight.add(call);
    }
    this.throwIfFailed();
  }

  private throwIfFailed() {
    if (this.failure) throw this.failure.error;
  }

  private async send(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS)
        throw new Error(`BatchWriteItem on ${this.table} left ${pending.length} items unprocessed after ${MAX_ATTEMPTS} attempts`);
      if (this.budget) await this.budget.take(pending.reduce((units, r) => units + ('PutRequest' in r ? writeUnits(r.PutRequest.Item) : 1), 0));
      // A call the store did not answer in time is sent again as it is: puts and deletes of whole items are idempotent.
      const out = await patiently(() => this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } })), this.pauses);
      pending = (out.UnprocessedItems?.[this.table] ?? []) as WriteRequest[];
      if (pending.length > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
    }
    this.onWritten?.(requests.length);
  }
}
