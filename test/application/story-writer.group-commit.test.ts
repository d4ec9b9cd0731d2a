/**
 * Group commit (story-writer.ts commitGroup, event-store.ts appendAll) against DynamoDB Local: the
 * appends that queue in a story's lane while the one before them is written go together in one
 * TransactWriteItems, each with its own update id, version and answer, exactly once, gap-free;
 * If-Match, Idempotency-Key and a refusal of one append stay that append's own.
 *
 * Every writer here has its own DynamoDB client, so that the requests it sends can be counted (and
 * faults injected) without touching another's.
 */
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, documentClient } from '../../shared/adapters/dynamodb/client';
import { EventStore } from '../../shared/adapters/dynamodb/event-store';
import { IdempotencyStore } from '../../shared/adapters/dynamodb/idempotency-store';
import { StoreUnavailableError } from '../../shared/application/errors';
import { StoryWriter, type WriteResult } from '../../shared/application/story-writer';
import { ConcurrencyError, NotFoundError } from '../../shared/domain/errors';
import { CURRENT_SCHEMA_VERSION, type PendingEvent, type StoryEvent } from '../../shared/domain/story/events';
import { createTestStore, type TestStore } from '../support/dynamo';
import { inject, throttledTransaction, transactionConflict } from '../support/faults';
import { until } from '../support/until';

let store: TestStore;
const clients: ReturnType<typeof documentClient>[] = [];

beforeAll(async () => void (store = await createTestStore()));
afterAll(async () => {
  for (const db of clients) db.destroy();
  await store?.drop();
});

/** A process of its own: a writer on its own client, and what that client sent, by operation. */
function processOf(options: { clockAheadMs?: number; events?: (db: ReturnType<typeof documentClient>) => EventStore } = {}) {
  const db = documentClient(clientConfig(store.endpoint));
  clients.push(db);
  const sent = new Map<string, number>();
  db.middlewareStack.add(
    (next) => async (args) => {
      const target = (args.request as { headers?: Record<string, string> }).headers?.['x-amz-target']?.split('.')[1];
      if (target) sent.set(target, (sent.get(target) ?? 0) + 1);
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'high', name: `count-${ulid()}` },
  );
  const events = options.events?.(db) ?? new EventStore(db, store.tables.events);
  const writer = new StoryWriter(events, store.views, new IdempotencyStore(db, store.tables.idempotency), {
    newId: ulid,
    now: () => new Date(Date.now() + (options.clockAheadMs ?? 0)).toISOString(),
  });
  return { db, events, writer, sent, count: (operation: string) => sent.get(operation) ?? 0 };
}

const statement = (quote: string) => ({ type: 'statement' as const, speaker: { name: 'Roza Otunbayeva' }, quote, speech: 'direct' as const });

async function open(id: string) {
  const { writer } = processOf();
  await writer.openStory({ id, headline: 'H', summary: 'S', language: 'en', topics: [] }, { editor: 'anna' });
  return writer;
}

async function logOf(storyId: string): Promise<StoryEvent[]> {
  const events: StoryEvent[] = [];
  for await (const page of store.events.stream(storyId)) events.push(...page);
  return events;
}

/** Versions 1..n each once, every acknowledged answer the event stored at its version, and the quotes each once. */
async function expectExactlyOnce(storyId: string, results: WriteResult[], quotes: string[]) {
  const events = await logOf(storyId);
  expect(events.map((e) => e.metadata.version)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
  for (const r of results) {
    const stored = events[r.body.version - 1]!;
    expect([stored.metadata.updateId, stored.metadata.recordedAt]).toEqual([r.body.updateId, r.body.recordedAt]);
  }
  const stored = events.flatMap((e) => ('quote' in e.data ? [(e.data as { quote: string }).quote] : []));
  for (const quote of quotes) expect(stored.filter((q) => q === quote)).toHaveLength(1);
  return events;
}

describe('group commit', () => {
  it('50 appends at once from one process: one PutItem, then the 49 that queued in one transaction, gap-free, each its own answer', async () => {
    await open('group-50');
    const p = processOf();
    const quotes = Array.from({ length: 50 }, (_, i) => `quote ${i}`);
    const results = await Promise.all(quotes.map((q) => p.writer.recordUpdate('group-50', statement(q), { editor: 'anna' })));
    // In the order they came: the first alone at version 2, the others after it.
    expect(results.map((r) => r.body.version)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    expect(results.every((r) => r.status === 201 && !r.replayed)).toBe(true);
    expect(new Set(results.map((r) => r.body.updateId)).size).toBe(50);
    await expectExactlyOnce('group-50', results, quotes);
    expect([p.count('PutItem'), p.count('TransactWriteItems')]).toEqual([1, 1]);
    // The head is known after the group: the next append is one PutItem at the next version, nothing read.
    const next = await p.writer.recordUpdate('group-50', statement('after'), { editor: 'anna' });
    expect(next.body.version).toBe(52);
    expect([p.count('PutItem'), p.count('Query')]).toEqual([2, 1]);
  });

  it('more appends than one transaction holds: written in several, in order, gap-free', async () => {
    await open('group-250');
    const p = processOf();
    const quotes = Array.from({ length: 250 }, (_, i) => `many ${i}`);
    const results = await Promise.all(quotes.map((q) => p.writer.recordUpdate('group-250', statement(q), { editor: 'anna' })));
    expect(results.map((r) => r.body.version)).toEqual(Array.from({ length: 250 }, (_, i) => i + 2));
    await expectExactlyOnce('group-250', results, quotes);
    // 1 alone, then 100, 100 and 49: no transaction over DynamoDB's 100 items.
    expect(p.count('TransactWriteItems')).toBe(3);
  });

  it('the event store takes only what fits in 4 MB, and says how many it wrote', async () => {
    await open('group-big');
    const p = processOf();
    const big = (i: number): PendingEvent => ({
      type: 'StatementRecorded',
      data: { speaker: { name: 'S' }, quote: `${i} ${'x'.repeat(60_000)}`, speech: 'direct' },
      metadata: {
        storyId: 'group-big',
        updateId: ulid(),
        schemaVersion: CURRENT_SCHEMA_VERSION,
        recordedAt: new Date().toISOString(),
        recordedBy: 'anna',
      },
    });
    const appends = Array.from({ length: 90 }, (_, i) => ({ pending: [big(i)] }));
    const first = await p.events.appendAll('group-big', 1, appends);
    expect(first.length).toBeGreaterThan(1);
    expect(first.length).toBeLessThan(90);
    const rest = await p.events.appendAll('group-big', 1 + first.length, appends.slice(first.length));
    const events = await logOf('group-big');
    expect(events.map((e) => e.metadata.version)).toEqual(Array.from({ length: 91 }, (_, i) => i + 1));
    expect([...first, ...rest].flat().map((e) => e.metadata.updateId)).toEqual(appends.map((a) => a.pending[0]!.metadata.updateId));
  });

  it('If-Match in a group: the version its place follows is written there; a stale one is refused alone (412), and the others are written', async () => {
    await open('group-if-match');
    const p = processOf();
    const w = p.writer;
    const results = await Promise.allSettled([
      w.recordUpdate('group-if-match', statement('a'), { editor: 'anna' }), // alone, version 2
      w.recordUpdate('group-if-match', statement('b'), { editor: 'anna' }), // version 3
      w.recordUpdate('group-if-match', statement('c'), { editor: 'anna', expectedVersion: 3 }), // after b: version 4
      w.recordUpdate('group-if-match', statement('stale'), { editor: 'anna', expectedVersion: 2 }),
      w.recordUpdate('group-if-match', statement('e'), { editor: 'anna' }),
      w.recordUpdate('group-if-match', statement('f'), { editor: 'anna' }),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.body.version : r.reason.constructor.name))).toEqual([
      2,
      3,
      4,
      ConcurrencyError.name,
      5,
      6,
    ]);
    const done = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const events = await expectExactlyOnce('group-if-match', done, ['a', 'b', 'c', 'e', 'f']);
    expect(events.some((e) => (e.data as { quote?: string }).quote === 'stale')).toBe(false);
    expect(p.count('TransactWriteItems')).toBe(2);
  });

  it('an update that needs the story (a correction) waits its turn between groups, decided on what they wrote', async () => {
    const w = await open('group-mixed');
    const target = await w.recordUpdate('group-mixed', statement('to correct'), { editor: 'anna' });
    const results = await Promise.all([
      w.recordUpdate('group-mixed', statement('one'), { editor: 'anna' }),
      w.recordUpdate('group-mixed', statement('two'), { editor: 'anna' }),
      w.recordUpdate('group-mixed', statement('three'), { editor: 'anna' }),
      w.recordUpdate(
        'group-mixed',
        { type: 'correction', target: target.body.updateId, changes: { quote: 'corrected' }, note: 'misquoted' },
        { editor: 'anna' },
      ),
      w.recordUpdate('group-mixed', statement('four'), { editor: 'anna' }),
      w.recordUpdate('group-mixed', statement('five'), { editor: 'anna' }),
    ]);
    expect(results.map((r) => r.body.version)).toEqual([3, 4, 5, 6, 7, 8]);
    const events = await expectExactlyOnce('group-mixed', [target, ...results], ['one', 'two', 'three', 'four', 'five']);
    expect(events[5]!.type).toBe('UpdateCorrected');
  });

  it('appends to a story that does not exist: each refused with its own 404, nothing written', async () => {
    const p = processOf();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => p.writer.recordUpdate('group-nowhere', statement(`${i}`), { editor: 'anna' })),
    );
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof NotFoundError)).toBe(true);
    expect(await logOf('group-nowhere')).toEqual([]);
    expect(p.count('TransactWriteItems') + p.count('PutItem')).toBe(0);
  });

  it('another process wrote to the story meanwhile: the group is refused, the head read again, each append written alone', async () => {
    await open('group-raced');
    const p = processOf();
    const other = processOf();
    await p.writer.recordUpdate('group-raced', statement('known head'), { editor: 'anna' }); // p's head in memory: 2
    // Just before p's transaction leaves, another process appends: p's head is stale.
    let raced = false;
    p.db.middlewareStack.add(
      (next) => async (args) => {
        const target = (args.request as { headers?: Record<string, string> }).headers?.['x-amz-target'];
        if (!raced && target?.endsWith('TransactWriteItems')) {
          raced = true;
          await other.writer.recordUpdate('group-raced', statement('from elsewhere'), { editor: 'ben' });
        }
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'race-group' },
    );
    // The first of these is alone (a PutItem); the race hits the group behind it.
    const quotes = Array.from({ length: 10 }, (_, i) => `raced ${i}`);
    const results = await Promise.all(quotes.map((q) => p.writer.recordUpdate('group-raced', statement(q), { editor: 'anna' })));
    expect(raced).toBe(true);
    expect(p.count('TransactWriteItems')).toBe(1);
    const events = await expectExactlyOnce('group-raced', results, [...quotes, 'from elsewhere']);
    expect(events).toHaveLength(13);
    expect(new Set(results.map((r) => r.body.version)).size).toBe(10);
  });

  it('a transaction refused for a conflict (injected: DynamoDB Local raises none) is retried append by append', async () => {
    await open('group-conflict');
    const p = processOf();
    const fault = inject(p.db, 'TransactWriteItems', transactionConflict);
    const quotes = Array.from({ length: 8 }, (_, i) => `conflict ${i}`);
    const results = await Promise.all(quotes.map((q) => p.writer.recordUpdate('group-conflict', statement(q), { editor: 'anna' })));
    fault.remove();
    expect(fault.seen.faulted).toBe(1);
    await expectExactlyOnce('group-conflict', results, quotes);
    expect(results.map((r) => r.body.version)).toEqual(Array.from({ length: 8 }, (_, i) => i + 2));
  });

  it('a group whose answer was lost after DynamoDB applied it is acknowledged once: the SDK retry carries the same token', async () => {
    await open('group-lost');
    const p = processOf();
    const fault = inject(p.db, 'TransactWriteItems', 'lose-answer');
    const quotes = Array.from({ length: 6 }, (_, i) => `lost ${i}`);
    const results = await Promise.all(quotes.map((q) => p.writer.recordUpdate('group-lost', statement(q), { editor: 'anna' })));
    fault.remove();
    expect(fault.seen).toEqual({ sent: 2, faulted: 1 });
    const events = await expectExactlyOnce('group-lost', results, quotes);
    expect(events).toHaveLength(7);
  });

  it('a store that throttles the group past the SDK retries: every append of it gets the 503 failure, nothing of it is stored', async () => {
    await open('group-throttled');
    const p = processOf();
    const fault = inject(p.db, 'TransactWriteItems', throttledTransaction, 100);
    const quotes = Array.from({ length: 5 }, (_, i) => `throttled ${i}`);
    const results = await Promise.allSettled(quotes.map((q) => p.writer.recordUpdate('group-throttled', statement(q), { editor: 'anna' })));
    fault.remove();
    expect(results[0]!.status).toBe('fulfilled');
    expect(results.slice(1).every((r) => r.status === 'rejected' && r.reason instanceof StoreUnavailableError)).toBe(true);
    expect((await logOf('group-throttled')).map((e) => e.metadata.version)).toEqual([1, 2]);
    // The store is back: the lane goes on, from the head read again.
    const next = await p.writer.recordUpdate('group-throttled', statement('back'), { editor: 'anna' });
    expect(next.body.version).toBe(3);
  });
});

describe('group commit with Idempotency-Key', () => {
  it('keyed appends in one group: each record completed with its own answer, and a retry from any process gets it back', async () => {
    await open('group-keys');
    const { p, atGate, release } = gatedProcess();
    const first = p.writer.recordUpdate('group-keys', statement('first'), { editor: 'anna' });
    await atGate;
    const quotes = Array.from({ length: 12 }, (_, i) => `keyed ${i}`);
    const keyed = (i: number) => i % 2 === 1;
    const pending = quotes.map((q, i) =>
      p.writer.recordUpdate('group-keys', statement(q), { editor: 'anna', ...(keyed(i) ? { idempotencyKey: `gk-${i}` } : {}) }),
    );
    // Every key claimed (claims come before the lane), so that all twelve wait behind the first.
    const records = new IdempotencyStore(store.db, store.tables.idempotency);
    for (const i of quotes.keys()) if (keyed(i)) await until(() => records.get(`anna#group-keys#gk-${i}`));
    release();
    const results = await Promise.all([first, ...pending]);
    // The keyed ones queued after their claims, behind the others.
    expect(results.map((r) => r.body.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, i) => i + 2));
    // Six events with their records and six without, in one transaction.
    expect(p.count('TransactWriteItems')).toBe(1);
    await expectExactlyOnce('group-keys', results, ['first', ...quotes]);
    const elsewhere = processOf().writer;
    for (const [i, q] of quotes.entries()) {
      if (!keyed(i)) continue;
      expect((await records.get(`anna#group-keys#gk-${i}`))?.status).toBe('COMPLETED');
      const again = await elsewhere.recordUpdate('group-keys', statement(q), { editor: 'anna', idempotencyKey: `gk-${i}` });
      expect(again).toEqual({ ...results[i + 1]!, replayed: true });
    }
    expect(await store.events.headVersion('group-keys')).toBe(14);
  });

  it('a key whose lease was taken over while it queued: its companion fails the group, the others are written, it answers with the taker-over', async () => {
    await open('group-lease');
    const { p, atGate, release } = gatedProcess();
    const first = p.writer.recordUpdate('group-lease', statement('first'), { editor: 'anna' });
    await atGate;
    const keyed = p.writer.recordUpdate('group-lease', statement('keyed'), { editor: 'anna', idempotencyKey: 'lease-1' });
    const others = ['x', 'y', 'z'].map((q) => p.writer.recordUpdate('group-lease', statement(q), { editor: 'anna' }));
    // Let the keyed one claim its key (it claims before it queues).
    await until(() => new IdempotencyStore(store.db, store.tables.idempotency).get('anna#group-lease#lease-1'));
    // Another process, its clock past the lease, takes the key over and commits the same request.
    const taker = processOf({ clockAheadMs: 60_000 });
    const taken = await taker.writer.recordUpdate('group-lease', statement('keyed'), { editor: 'anna', idempotencyKey: 'lease-1' });
    release();
    const [firstResult, keyedResult, ...rest] = await Promise.all([first, keyed, ...others]);
    expect(keyedResult).toEqual({ ...taken, replayed: true });
    const events = await expectExactlyOnce('group-lease', [firstResult!, taken, ...rest], ['first', 'keyed', 'x', 'y', 'z']);
    expect(events).toHaveLength(6);
    // The group was tried (and refused for the companion), then each alone.
    expect(p.count('TransactWriteItems')).toBeGreaterThanOrEqual(2);
  });
});

/** A process whose first append waits at a gate (until `release`), so that the writes after it queue in its lane. */
function gatedProcess() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let gated = false;
  let entered!: () => void;
  const atGate = new Promise<void>((resolve) => (entered = resolve));
  class Gated extends EventStore {
    override async append(...args: Parameters<EventStore['append']>) {
      if (!gated) {
        gated = true;
        entered();
        await gate;
      }
      return super.append(...args);
    }
  }
  const p = processOf({ events: (db) => new Gated(db, store.tables.events) });
  return { p, atGate, release };
}
