/**
 * A budget of DynamoDB write units per second, shared by the BatchWriteItem calls of one writer:
 * a call takes the units its items cost before it is sent, and waits while the budget is spent.
 * Replay paces each story's writes with it, so that a full replay leaves the views table's
 * throughput (and each partition's 1,000 WRU/s) to the live projector.
 */
import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = { now: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export class WriteBudget {
  private available: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  /** Starts with one second's worth of units; a call larger than that runs the budget into debt that later calls wait out. */
  constructor(
    readonly unitsPerSecond: number,
    private readonly clock: Clock = realClock,
  ) {
    if (!(unitsPerSecond > 0)) throw new Error(`a write budget needs a positive rate, got ${unitsPerSecond}`);
    this.available = unitsPerSecond;
    this.last = clock.now();
  }

  /** Resolves once `units` may be spent (callers are served in order). */
  take(units: number): Promise<void> {
    const turn = this.queue.then(async () => {
      this.refill();
      if (this.available < 0) {
        await this.clock.sleep((-this.available / this.unitsPerSecond) * 1000);
        this.refill();
      }
      this.available -= units;
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private refill() {
    const now = this.clock.now();
    this.available = Math.min(this.unitsPerSecond, this.available + ((now - this.last) / 1000) * this.unitsPerSecond);
    this.last = now;
  }
}

type Item = Record<string, NativeAttributeValue>;

/**
 * The write units a put of `item` costs, by DynamoDB's rules (1 WRU per started KB of the item,
 * names included), plus as much again for the one local index if the item has its key
 * (`timelineKey`). An estimate from the item's JSON (strings and binary by their bytes).
 */
export function writeUnits(item: Item, indexKey = 'timelineKey'): number {
  const bytes = Buffer.byteLength(JSON.stringify(item, (_k, v: unknown) => (v instanceof Uint8Array ? 'x'.repeat(v.length) : v)));
  const units = Math.max(1, Math.ceil(bytes / 1024));
  return item[indexKey] === undefined ? units : 2 * units;
}
