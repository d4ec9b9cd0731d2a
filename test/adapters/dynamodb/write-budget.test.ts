/**
 * Replay's pacing: a budget of write units per second (shared/adapters/dynamodb/write-budget.ts)
 * that BatchWriteItem calls take from before they are sent. The clock is a fake one that moves
 * when the budget sleeps, so what is checked is how long it would wait, not how long it took.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { BatchWriter } from '../../../shared/adapters/dynamodb/batch-writer';
import { WriteBudget, writeUnits, type Clock } from '../../../shared/adapters/dynamodb/write-budget';
import { createTestStore, type TestStore } from '../../support/dynamo';

function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  return {
    clock,
    sleeps,
    advance: (ms: number) => (now += ms),
    get now() {
      return now;
    },
  };
}

describe('write budget', () => {
  it('lets one second of units through at once, then paces the rest at the rate', async () => {
    const time = fakeClock();
    const budget = new WriteBudget(100, time.clock);
    for (let i = 0; i < 5; i++) await budget.take(50);
    // 250 units at 100/s with 100 to start: 150 over, of which the last call's 50 are a debt the next call waits out.
    expect(time.sleeps).toEqual([500, 500]);
    time.advance(10_000);
    // Unused time refills at most one second's worth: 100, then 100 more into debt, then a wait of 1 s.
    await budget.take(100);
    await budget.take(100);
    expect(time.sleeps).toEqual([500, 500]);
    await budget.take(1);
    expect(time.sleeps).toEqual([500, 500, 1_000]);
  });

  it('serves concurrent callers in order, each waiting out the debt of those before it', async () => {
    const time = fakeClock();
    const budget = new WriteBudget(10, time.clock);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((n) => budget.take(10).then(() => order.push(n))));
    expect(order).toEqual([0, 1, 2, 3]);
    expect(time.now).toBeCloseTo(2_000, 5);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new WriteBudget(0)).toThrow(/positive/);
  });

  it('counts a put by its kilobytes, twice when the item is in the timeline index', () => {
    expect(writeUnits({ pk: 'p', sk: 's', n: 1 })).toBe(1);
    expect(writeUnits({ pk: 'p', sk: 'u#1', entry: 'x'.repeat(1_500) })).toBe(2);
    expect(writeUnits({ pk: 'p', sk: 'u#1', timelineKey: 't', entry: 'x'.repeat(1_500) })).toBe(4);
    expect(writeUnits({ pk: 'p', sk: 'c#1', data: new Uint8Array(300_000) })).toBe(293);
  });
});

describe('a BatchWriter with a budget (DynamoDB Local)', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore();
  });
  afterAll(() => store.drop());

  it('takes every item’s units before its call: 400 indexed entries of 2 KB (1,600 WRU) at 400 WRU/s wait 2.75 s (the last call’s 100 are left as debt)', async () => {
    const time = fakeClock();
    const budget = new WriteBudget(400, time.clock);
    const items = Array.from({ length: 200 }, (_, n) => ({ pk: 'budget#story', sk: `u#${n}`, timelineKey: `k${n}`, entry: 'e'.repeat(1_900) }));
    expect(items.reduce((units, item) => units + writeUnits(item), 0)).toBe(800);
    const writer = new BatchWriter(store.db, store.tables.views, 4, undefined, budget);
    await writer.put(items);
    await writer.put(items.map((item) => ({ ...item, sk: `${item.sk}b` })));
    await writer.flush();
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBeCloseTo(2_750, 5);
    const count = await store.db.send(
      new QueryCommand({
        TableName: store.tables.views,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'budget#story' },
        Select: 'COUNT',
      }),
    );
    expect(count.Count).toBe(400);
  });
});
