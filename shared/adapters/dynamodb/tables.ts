/**
 * Table definitions for local runs (DynamoDB Local). infra/ declares the same keys for AWS;
 * test/infra checks the two agree.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  waitUntilTableNotExists,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Tables } from './client';
import { STORY_CATALOG } from './event-store';

export { STORY_CATALOG };

/**
 * The views table's local secondary indexes (all project ALL). infra/ builds the same ones from
 * this list, so local and AWS tables cannot drift apart. Each index is one more write per entry
 * (a third of an entry's write cost on DynamoDB Local, a WRU per KB on AWS), so there is only
 * the one that the events table cannot stand in for; see views/layout.ts.
 */
export const VIEW_INDEXES = [
  /** Entries by when they happened: the timeline. */
  { name: 'byTimeline', sortKey: 'timelineKey' },
] as const;

/**
 * The views table's one global secondary index, KEYS_ONLY: what changed last across stories, newest
 * first. Two kinds of item carry its keys (views/layout.ts): a story's line in the story list
 * (`<gen>#stories#<shard>`, `<lastEventAt>#<storyId>`) and a timeline entry (`<gen>#changes#<shard>`,
 * `<updatedAt>#<updateId>`). The story list pages and the all-stories feeds read it with bounded
 * Queries, one per shard, instead of reading every story. Sharded by story (ACTIVITY_SHARDS) so that
 * no one index partition takes every story's writes (1,000 WCU/s a partition).
 */
export const ACTIVITY_INDEX = { name: 'byActivity', partitionKey: 'activityPk', sortKey: 'activityKey' } as const;

export function tableDefinitions(tables: Tables): CreateTableCommandInput[] {
  return [
    {
      TableName: tables.events,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'storyId', AttributeType: 'S' },
        { AttributeName: 'version', AttributeType: 'N' },
        { AttributeName: STORY_CATALOG.partitionKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'storyId', KeyType: 'HASH' },
        { AttributeName: 'version', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: STORY_CATALOG.indexName,
          KeySchema: [
            { AttributeName: STORY_CATALOG.partitionKey, KeyType: 'HASH' },
            { AttributeName: STORY_CATALOG.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    },
    {
      TableName: tables.views,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        ...VIEW_INDEXES.map(({ sortKey }) => ({ AttributeName: sortKey, AttributeType: 'S' as const })),
        { AttributeName: ACTIVITY_INDEX.partitionKey, AttributeType: 'S' },
        { AttributeName: ACTIVITY_INDEX.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      LocalSecondaryIndexes: VIEW_INDEXES.map(({ name, sortKey }) => ({
        IndexName: name,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
      GlobalSecondaryIndexes: [
        {
          IndexName: ACTIVITY_INDEX.name,
          KeySchema: [
            { AttributeName: ACTIVITY_INDEX.partitionKey, KeyType: 'HASH' },
            { AttributeName: ACTIVITY_INDEX.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    },
    {
      TableName: tables.idempotency,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    },
  ];
}

/**
 * Creates any missing table; safe to run on every start. A views table whose indexes differ from
 * the definition (made by an older version) is dropped and created anew: views are projections,
 * rebuilt from the events table, and a DynamoDB table cannot gain a local index in place (nor
 * fill a new global one with what it was never written with: the activity keys come from the
 * projector, so a replay writes them). The
 * events table is never touched, not even to add the story catalog index to one made before it
 * existed (EventStore.listStoryIds scans such a table instead). `only` limits it to some of the
 * tables (locally the views live in a DynamoDB of their own). Returns the names of tables created.
 */
export async function ensureTables(
  client: DynamoDBClient,
  tables: Tables,
  only: (keyof Tables)[] = ['events', 'views', 'idempotency'],
): Promise<string[]> {
  const created: string[] = [];
  const wanted = new Set(only.map((key) => tables[key]));
  for (const definition of tableDefinitions(tables)) {
    const name = definition.TableName!;
    if (!wanted.has(name)) continue;
    let existing = await describeTable(client, name);
    if (
      existing &&
      name === tables.views &&
      (!sameIndexes(existing.LocalSecondaryIndexes, definition.LocalSecondaryIndexes) ||
        !sameIndexes(existing.GlobalSecondaryIndexes, definition.GlobalSecondaryIndexes))
    ) {
      await client.send(new DeleteTableCommand({ TableName: name }));
      await waitUntilTableNotExists({ client, maxWaitTime: 60 }, { TableName: name });
      existing = undefined;
    }
    if (existing) continue;
    try {
      await client.send(new CreateTableCommand(definition));
    } catch (error) {
      // A first attempt that DynamoDB Local applied but answered after the SDK's per-attempt
      // timeout (a busy machine) is retried, and the retry finds the table it made.
      if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
    }
    created.push(name);
    if (name === tables.idempotency) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tables.idempotency,
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        }),
      );
    }
  }
  return created;
}

/** The table's description, or undefined when there is no such table. */
export async function describeTable(client: DynamoDBClient, name: string) {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

function sameIndexes(a: { IndexName?: string }[] | undefined, b: { IndexName?: string }[] | undefined): boolean {
  const names = (list: { IndexName?: string }[] | undefined) =>
    (list ?? [])
      .map((i) => i.IndexName)
      .sort()
      .join(',');
  return names(a) === names(b);
}
