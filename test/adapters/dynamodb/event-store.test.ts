/** The event store and the write side against a real DynamoDB Local. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import { ConcurrencyError, ConflictError, NotFoundError } from '../../../shared/domain/errors';
import { StoryWriter } from '../../../shared/application/story-writer';
import { IdempotencyStore } from '../../../shared/adapters/dynamodb/idempotency-store';
import { CURRENT_SCHEMA_VERSION, type PendingEvent } from '../../../shared/domain/story/events';
import { EventStore, STREAM_PAGE_EVENTS } from '../../../shared/adapters/dynamodb/event-store';
import { writeEvents } from '../../bench/story-generator';
import { generatedStory } from '../../support/feeds';
import { createTestStore, type TestStore } from '../../support/dynamo';
import { inject, putConflict, transactionConflict } from '../../support/faults';
import { TransactionConflictError } from '../../../shared/application/errors';
import { clientConfig, documentClient } from '../../../shared/adapters/dynamodb/client';

let store: TestStore;
let writer: StoryWriter;

const newWriter = () => new StoryWriter(store.events, store.views, new IdempotencyStore(store.db, store.tables.idempotency), { newId: ulid });

beforeAll(async () => {
  store = await createTestStore();
  writer = newWriter();
});
afterAll(() => store.drop());

const statement = (quote: string) => ({ type: 'statement' as const, speaker: { name: 'Kurmanbek Bakiyev' }, quote, speech: 'direct' as const });
const open = (id: string) => writer.openStory({ id, headline: 'H', summary: 'S', language: 'en', topics: [] }, { editor: 'anna' });

describe('event store', () => {
  it('50 concurrent writers on one story: every acknowledged append stored once, versions 1..N', async () => {
    await open('concurrent');
    // Separate writers, as separate Lambda containers would be: none shares a head cache.
    const writers = Array.from({ length: 50 }, newWriter);
    const results = await Promise.all(writers.map((w, i) => w.recordUpdate('concurrent', statement(`quote ${i}`), { editor: `e${i}` })));
    const events = [];
    for await (const page of store.events.stream('concurrent')) events.push(...page);
    expect(events.map((e) => e.metadata.version)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    const quotes = events
      .slice(1)
      .map((e) => (e.data as { quote: string }).quote)
      .sort();
    expect(quotes).toEqual(Array.from({ length: 50 }, (_, i) => `quote ${i}`).sort());
    expect(new Set(results.map((r) => r.body.version)).size).toBe(50);
    for (const r of results) {
      const stored = events.find((e) => e.metadata.version === r.body.version)!;
      expect(stored.metadata.updateId).toBe(r.body.updateId);
    }
  });

  it('a stale expected version is rejected and nothing is written', async () => {
    await open('stale');
    await writer.recordUpdate('stale', statement('one'), { editor: 'anna' });
    await expect(writer.recordUpdate('stale', statement('two'), { editor: 'anna', expectedVersion: 1 })).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await store.events.headVersion('stale')).toBe(2);
    // The raw store refuses an append on top of a version that is not the head.
    const pending: PendingEvent = {
      type: 'StatusChanged',
      data: { status: 'concluded' },
      metadata: { storyId: 'stale', updateId: ulid(), schemaVersion: CURRENT_SCHEMA_VERSION, recordedAt: new Date().toISOString(), recordedBy: 'x' },
    };
    await expect(store.events.append('stale', 1, [pending])).rejects.toBeInstanceOf(ConcurrencyError);
    const result = await writer.recordUpdate('stale', statement('three'), { editor: 'anna', expectedVersion: 2 });
    expect(result.body.version).toBe(3);
  });

  it('If-Match on a version the story never reached is refused, not written as a gap', async () => {
    await open('gapless');
    await expect(writer.recordUpdate('gapless', statement('x'), { editor: 'anna', expectedVersion: 7 })).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await store.events.headVersion('gapless')).toBe(1);
  });

  it('an unknown story is not found; opening a story twice conflicts', async () => {
    await expect(writer.recordUpdate('no-such-story', statement('x'), { editor: 'anna' })).rejects.toBeInstanceOf(NotFoundError);
    await open('twice');
    await expect(open('twice')).rejects.toBeInstanceOf(ConflictError);
  });

  it('reads a stream across pages, oldest first', async () => {
    await open('paged');
    for (let i = 0; i < 24; i++) await writer.recordUpdate('paged', statement(`q${i}`), { editor: 'anna' });
    const seen: number[] = [];
    let after: number | undefined = 0;
    let pages = 0;
    while (after !== undefined) {
      const page = await store.events.read('paged', { after, limit: 10 });
      seen.push(...page.events.map((e) => e.metadata.version));
      after = page.nextAfter;
      pages++;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(pages).toBeGreaterThanOrEqual(3);
    const middle = await store.events.read('paged', { after: 10, upTo: 12 });
    expect(middle.events.map((e) => e.metadata.version)).toEqual([11, 12]);
    expect(await store.events.listStoryIds()).toContain('paged');
  });

  it('streams a long story in bounded pages, every event once and in order', async () => {
    const events = generatedStory('long-paged', 2 * STREAM_PAGE_EVENTS + 500).events;
    await writeEvents(store.db, store.tables.events, events.length, (i) => events[i]!);
    const pages: number[][] = [];
    for await (const page of store.events.stream('long-paged')) pages.push(page.map((e) => e.metadata.version));
    const full = Math.floor(events.length / STREAM_PAGE_EVENTS);
    expect(full).toBeGreaterThanOrEqual(2);
    expect(pages.map((p) => p.length)).toEqual([...Array.from({ length: full }, () => STREAM_PAGE_EVENTS), events.length % STREAM_PAGE_EVENTS]);
    expect(pages.flat()).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    // Told a page size, it keeps to it; after and upTo bound it as before.
    const bounded: number[] = [];
    for await (const page of store.events.stream('long-paged', { after: 100, upTo: 350, pageSize: 100 })) {
      expect(page.length).toBeLessThanOrEqual(100);
      bounded.push(...page.map((e) => e.metadata.version));
    }
    expect(bounded).toEqual(Array.from({ length: 250 }, (_, i) => i + 101));
  });

  it('an Idempotency-Key retry returns the first response and records nothing new', async () => {
    await open('idem');
    const first = await writer.recordUpdate('idem', statement('once'), { editor: 'anna', idempotencyKey: 'k-1' });
    const again = await newWriter().recordUpdate('idem', statement('once'), { editor: 'anna', idempotencyKey: 'k-1' });
    expect(again).toEqual({ ...first, replayed: true });
    expect(await store.events.headVersion('idem')).toBe(2);
  });
});

describe('event store under faults of the store', () => {
  const pendingOf = (storyId: string, recordedBy = 'anna'): PendingEvent => ({
    type: 'StatusChanged',
    data: { status: 'concluded' },
    metadata: { storyId, updateId: ulid(), schemaVersion: CURRENT_SCHEMA_VERSION, recordedAt: new Date().toISOString(), recordedBy },
  });

  it('an append whose answer was lost (the SDK retried it) is its own: it answers as stored, and is stored once', async () => {
    await open('lost-answer');
    const db = documentClient(clientConfig(store.endpoint));
    const events = new EventStore(db, store.tables.events);
    const pending = pendingOf('lost-answer');
    const fault = inject(db, 'PutItem', 'lose-answer');
    const stored = await events.append('lost-answer', 1, [pending]);
    fault.remove();
    expect(fault.seen).toEqual({ sent: 2, faulted: 1 });
    expect(stored.map((e) => [e.metadata.version, e.metadata.updateId])).toEqual([[2, pending.metadata.updateId]]);
    expect((await events.read('lost-answer')).events.map((e) => e.metadata.version)).toEqual([1, 2]);
    // Another event at that version is a lost race, whoever wrote it (another update id, or another editor).
    await expect(events.append('lost-answer', 1, [pendingOf('lost-answer')])).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(events.append('lost-answer', 1, [{ ...pending, metadata: { ...pending.metadata, recordedBy: 'ben' } }])).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
    db.destroy();
  });

  it('a TransactionConflict is a TransactionConflictError, on a PutItem and in a transaction, and nothing is written', async () => {
    await open('conflicted');
    const db = documentClient(clientConfig(store.endpoint));
    const events = new EventStore(db, store.tables.events);
    const put = inject(db, 'PutItem', putConflict);
    await expect(events.append('conflicted', 1, [pendingOf('conflicted')])).rejects.toBeInstanceOf(TransactionConflictError);
    put.remove();
    const transaction = inject(db, 'TransactWriteItems', transactionConflict);
    await expect(events.append('conflicted', 1, [pendingOf('conflicted'), pendingOf('conflicted')])).rejects.toBeInstanceOf(TransactionConflictError);
    transaction.remove();
    expect(await events.headVersion('conflicted')).toBe(1);
    db.destroy();
  });
});

describe('tables', () => {
  it('a views table with outdated indexes is recreated; the events table is left alone', async () => {
    const { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { clientConfig } = await import('../../../shared/adapters/dynamodb/client');
    const { ensureTables, tableDefinitions } = await import('../../../shared/adapters/dynamodb/tables');
    const admin = new DynamoDBClient(clientConfig(store.endpoint));
    const suffix = ulid().toLowerCase().slice(-8);
    const tables = { events: `old-events-${suffix}`, views: `old-views-${suffix}`, idempotency: `old-idem-${suffix}` };
    const [events, views] = tableDefinitions(tables);
    // Projection version 2's views table: three indexes.
    const oldIndexes = ['changeKey', 'timelineKey', 'versionKey'];
    await admin.send(new CreateTableCommand(events!));
    // Nor the activity index (global) that came later.
    const { GlobalSecondaryIndexes: _activity, ...oldViews } = views!;
    await admin.send(
      new CreateTableCommand({
        ...oldViews,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          ...oldIndexes.map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
        ],
        LocalSecondaryIndexes: ['byChange', 'byTimeline', 'byVersion'].map((IndexName, i) => ({
          IndexName,
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' as const },
            { AttributeName: oldIndexes[i]!, KeyType: 'RANGE' as const },
          ],
          Projection: { ProjectionType: 'ALL' as const },
        })),
      }),
    );
    expect(await ensureTables(admin, tables)).toEqual([tables.views, tables.idempotency]);
    const described = await admin.send(new DescribeTableCommand({ TableName: tables.views }));
    expect(described.Table?.LocalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byTimeline']);
    expect(described.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byActivity']);
    expect(await ensureTables(admin, tables)).toEqual([]);
    // A views table of the previous build (byTimeline, no activity index) is recreated too.
    await admin.send(new DeleteTableCommand({ TableName: tables.views }));
    await admin.send(
      new CreateTableCommand({
        ...oldViews,
        AttributeDefinitions: views!.AttributeDefinitions!.filter((a) => !a.AttributeName!.startsWith('activity')),
      }),
    );
    expect(await ensureTables(admin, tables)).toEqual([tables.views]);
    expect((await admin.send(new DescribeTableCommand({ TableName: tables.views }))).Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual([
      'byActivity',
    ]);
    // Startup seeds only an empty store, and asks without scanning the table.
    expect(await new EventStore(store.db, tables.events).isEmpty()).toBe(true);
    expect(await store.events.isEmpty()).toBe(false);
    admin.destroy();
  });

  it('lists stories from the catalog index, one entry per story; a table made before the catalog is scanned instead', async () => {
    const { CreateTableCommand, DescribeTableCommand, DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { GetCommand, PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const { clientConfig } = await import('../../../shared/adapters/dynamodb/client');
    const { ensureTables, tableDefinitions, STORY_CATALOG } = await import('../../../shared/adapters/dynamodb/tables');
    const admin = new DynamoDBClient(clientConfig(store.endpoint));
    const suffix = ulid().toLowerCase().slice(-8);

    // Only a story's first event carries the catalog attribute.
    const id = `catalogued-${suffix}`;
    await open(id);
    await writer.recordUpdate(id, statement('one'), { editor: 'anna' });
    const first = await store.db.send(new GetCommand({ TableName: store.tables.events, Key: { storyId: id, version: 1 } }));
    const second = await store.db.send(new GetCommand({ TableName: store.tables.events, Key: { storyId: id, version: 2 } }));
    expect(first.Item?.[STORY_CATALOG.partitionKey]).toBe(STORY_CATALOG.value);
    expect(second.Item).not.toHaveProperty(STORY_CATALOG.partitionKey);
    const ids = await store.events.listStoryIds();
    expect(ids.filter((x) => x === id)).toHaveLength(1);
    expect(ids).toEqual([...ids].sort());

    // An events table from before the catalog (no index, items without the attribute).
    const tables = { events: `legacy-events-${suffix}`, views: `legacy-views-${suffix}`, idempotency: `legacy-idem-${suffix}` };
    const [events] = tableDefinitions(tables);
    const { GlobalSecondaryIndexes: _, ...withoutCatalog } = events!;
    await admin.send(
      new CreateTableCommand({
        ...withoutCatalog,
        AttributeDefinitions: events!.AttributeDefinitions!.filter((a) => a.AttributeName !== STORY_CATALOG.partitionKey),
      }),
    );
    for (const storyId of ['b-story', 'a-story']) {
      for (const version of [1, 2]) {
        await store.db.send(
          new PutCommand({ TableName: tables.events, Item: { storyId, version, type: version === 1 ? 'StoryOpened' : 'StatementRecorded' } }),
        );
      }
    }
    await ensureTables(admin, tables);
    const described = await admin.send(new DescribeTableCommand({ TableName: tables.events }));
    expect(described.Table?.GlobalSecondaryIndexes).toBeUndefined();
    expect(await new EventStore(store.db, tables.events).listStoryIds()).toEqual(['a-story', 'b-story']);
    admin.destroy();
  });
});
