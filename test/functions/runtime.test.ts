/**
 * The runtime's clients (functions/runtime.ts) on DynamoDB Local read a key of no item after every
 * transaction, so that a transaction is answered only once it is written (durableTransactions,
 * shared/adapters/dynamodb/client.ts; test/reliability/durable-transactions.test.ts kills DynamoDB
 * Local to show why). Here: where it is wired, what it sends, and that a probe that fails is the
 * store's unavailability (503), not a 500 after a write that went through.
 */
import { PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewsDatabase } from '../../functions/local/stores';
import { createRuntime, DURABILITY_PROBE } from '../../functions/runtime';
import { StoreUnavailableError } from '../../shared/application/errors';
import { createTestStore, type TestStore } from '../support/dynamo';

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(() => store?.drop());

const env = (extra: Record<string, string> = {}) => ({
  EVENTS_TABLE: store.tables.events,
  VIEWS_TABLE: store.tables.views,
  IDEMPOTENCY_TABLE: store.tables.idempotency,
  ...extra,
});
const probed = (db: DynamoDBDocumentClient) => db.middlewareStack.identify().some((name) => name.startsWith('durableTransactions'));

/** The commands a client sends, with the table and key of each GetItem. */
function record(db: DynamoDBDocumentClient) {
  const sent: { command: string; table?: string; key?: unknown }[] = [];
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TableName?: string; Key?: unknown };
      sent.push({ command: context.commandName!, ...(context.commandName === 'GetItemCommand' ? { table: input.TableName, key: input.Key } : {}) });
      return next(args);
    },
    { step: 'initialize', priority: 'low', name: 'recordCommands' },
  );
  return sent;
}

describe('durable transactions on DynamoDB Local', () => {
  it('reads the probe key of the events table once after a transaction, and nothing after a put', async () => {
    const rt = createRuntime(env({ DYNAMODB_ENDPOINT: store.endpoint }));
    const sent = record(rt.db);
    await rt.db.send(
      new TransactWriteCommand({ TransactItems: [{ Put: { TableName: store.tables.idempotency, Item: { id: 'durable-wiring-1' } } }] }),
    );
    await rt.db.send(new PutCommand({ TableName: store.tables.idempotency, Item: { id: 'durable-wiring-2' } }));
    expect(sent).toEqual([
      { command: 'TransactWriteItemsCommand' },
      { command: 'GetItemCommand', table: store.tables.events, key: DURABILITY_PROBE.events },
      { command: 'PutItemCommand' },
    ]);
    rt.db.destroy();
  });

  it('probes each database: the views too when they have a DynamoDB Local of their own, one client when they share it', () => {
    const apart = createRuntime(env({ DYNAMODB_ENDPOINT: store.endpoint, DYNAMODB_VIEWS_ENDPOINT: viewsDatabase(store.endpoint) }));
    expect(apart.viewsDb).not.toBe(apart.db);
    expect([probed(apart.db), probed(apart.viewsDb)]).toEqual([true, true]);
    const together = createRuntime(env({ DYNAMODB_ENDPOINT: store.endpoint }));
    expect(together.viewsDb).toBe(together.db);
    expect(together.db.middlewareStack.identify().filter((name) => name.startsWith('durableTransactions'))).toHaveLength(1);
  });

  it('adds nothing on AWS, whose transactions are durable when answered', () => {
    const aws = createRuntime(env({ AWS_REGION: 'eu-west-1' }));
    expect([probed(aws.db), probed(aws.viewsDb)]).toEqual([false, false]);
  });

  it('answers a probe that fails as the store unavailable, not as the transaction’s success or a 500', async () => {
    // An events table that is not there: the transaction (to the idempotency table) goes through, its probe cannot.
    const rt = createRuntime(env({ DYNAMODB_ENDPOINT: store.endpoint, EVENTS_TABLE: 'no-such-events-table' }));
    const failure = await rt.db
      .send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: store.tables.idempotency, Item: { id: 'durable-wiring-3' } } }] }))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect((failure as Error & { cause?: Error }).cause?.name).toBe('ResourceNotFoundException');
    rt.db.destroy();
  });
});
