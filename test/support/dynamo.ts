/** Fresh tables on the shared DynamoDB Local for one test file. */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { clientConfig, documentClient, type Tables } from '../../shared/adapters/dynamodb/client';
import { ensureTables, STORY_CATALOG, tableDefinitions } from '../../shared/adapters/dynamodb/tables';
import { EventStore } from '../../shared/adapters/dynamodb/event-store';
import { ViewStore } from '../../shared/adapters/dynamodb/views/writes';

export interface TestStore {
  endpoint: string;
  tables: Tables;
  db: ReturnType<typeof documentClient>;
  events: EventStore;
  views: ViewStore;
  /** Points the handlers' environment (EVENTS_TABLE, …) at these tables. */
  applyEnv(): void;
  drop(): Promise<void>;
}

/**
 * `legacyEvents`: an events table as made before the story catalog index existed (ensureTables
 * leaves an existing events table as it is), like a store from an older build.
 */
export async function createTestStore(options: { legacyEvents?: boolean } = {}): Promise<TestStore> {
  const endpoint = inject('dynamoEndpoint');
  const suffix = randomUUID().slice(0, 8);
  const tables: Tables = { events: `events-${suffix}`, views: `views-${suffix}`, idempotency: `idem-${suffix}` };
  const admin = new DynamoDBClient(clientConfig(endpoint));
  if (options.legacyEvents) {
    const { GlobalSecondaryIndexes: _, AttributeDefinitions, ...events } = tableDefinitions(tables)[0]!;
    await admin.send(
      new CreateTableCommand({
        ...events,
        AttributeDefinitions: AttributeDefinitions!.filter((a) => a.AttributeName !== STORY_CATALOG.partitionKey),
      }),
    );
  }
  await ensureTables(admin, tables);
  const db = documentClient(clientConfig(endpoint));
  return {
    endpoint,
    tables,
    db,
    events: new EventStore(db, tables.events),
    views: new ViewStore(db, tables.views),
    applyEnv() {
      process.env.DYNAMODB_ENDPOINT = endpoint;
      process.env.EVENTS_TABLE = tables.events;
      process.env.VIEWS_TABLE = tables.views;
      process.env.IDEMPOTENCY_TABLE = tables.idempotency;
    },
    async drop() {
      for (const name of Object.values(tables)) await admin.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
      admin.destroy();
      db.destroy();
    },
  };
}
