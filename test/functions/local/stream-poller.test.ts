/**
 * The local stream poller against real DynamoDB Local streams: batches, checkpoints that survive
 * a restart, a poison record bisected, quarantined and reported while other stories flow, and the
 * parent-before-child shard rule. DynamoDB Local cannot be made to split a shard, so the split is
 * checked on the real DescribeStream output plus a child shard added to it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { processStreamBatch } from '../../../functions/projector/process';
import { readableShards, StreamPoller } from '../../../functions/local/stream-poller';
import { clientConfig } from '../../../shared/adapters/dynamodb/client';
import type { StoryEvent } from '../../../shared/domain/story/events';
import { createTestStore, type TestStore } from '../../support/dynamo';
import { article, opened, statement, stored } from '../../support/events';

let store: TestStore;
let dir: string;
beforeAll(async () => {
  store = await createTestStore();
  dir = mkdtempSync(join(tmpdir(), 'poller-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await store.drop();
});

async function append(events: StoryEvent[]) {
  for (const e of events) await store.events.append(e.metadata.storyId, e.metadata.version - 1, [e as never]);
}

async function until(condition: () => Promise<boolean> | boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const project = (event: DynamoDBStreamEvent) =>
  processStreamBatch(event.Records, { views: async () => store.views, events: store.events, log: { error() {} } });

describe('stream poller', () => {
  it('projects in batches, quarantines a poison record after bisecting, and keeps other stories flowing', async () => {
    const poison = [
      opened('poison'),
      stored('UpdateCorrected', { target: '01HZ0000000000000000000000', changes: { quote: 'x' }, note: 'n' }, { storyId: 'poison', version: 2 }),
    ];
    const good = [opened('good'), article(2, 'a', 'good'), statement(3, 'Roza Otunbayeva', 'q', 'good')];
    await append([...poison, ...good]);
    const batches: number[] = [];
    const checkpointFile = join(dir, 'checkpoints.json');
    const quarantineFile = join(dir, 'quarantine.ndjson');
    const poller = new StreamPoller({
      endpoint: store.endpoint,
      table: store.tables.events,
      checkpointFile,
      quarantineFile,
      maxAttempts: 2,
      idleMs: 20,
      // A Lambda that throws on the poison record (not a partial failure): the poller must bisect.
      handler: async (event) => {
        batches.push(event.Records.length);
        const out = await project(event);
        if (out.batchItemFailures.length > 0) throw new Error('poison');
        return out;
      },
    });
    await poller.start();
    try {
      await until(async () => (await store.views.head('good', true))?.version === 3 && poller.quarantined.length === 1);
      expect(poller.quarantined[0]!.keys).toEqual({ storyId: { S: 'poison' }, version: { N: '2' } });
      expect(batches[0]).toBe(5);
      // Bisection narrowed the failure to single records.
      expect(batches).toContain(1);
      expect((await store.views.head('poison', true))?.version).toBe(1);
    } finally {
      await poller.stop();
    }
    expect(readFileSync(quarantineFile, 'utf8').trim().split('\n')).toHaveLength(1);

    // A restart resumes after the checkpoint (nothing redelivered) and still reports the quarantine.
    const later = [statement(4, 'Kurmanbek Bakiyev', 'later', 'good')];
    await append(later);
    const seen: string[] = [];
    const again = new StreamPoller({
      endpoint: store.endpoint,
      table: store.tables.events,
      checkpointFile,
      quarantineFile,
      idleMs: 20,
      handler: async (event) => {
        seen.push(...event.Records.map((r) => `${r.dynamodb?.Keys?.storyId?.S}@${r.dynamodb?.Keys?.version?.N}`));
        return project(event);
      },
    });
    await again.start();
    try {
      expect(again.quarantined).toHaveLength(1);
      await until(async () => (await store.views.head('good', true))?.version === 4);
      expect(seen).toEqual(['good@4']);
    } finally {
      await again.stop();
    }
  });

  it('reads a split shard’s children only after the parent is exhausted', async () => {
    const ddb = new DynamoDBClient(clientConfig(store.endpoint));
    const streams = new DynamoDBStreamsClient(clientConfig(store.endpoint));
    const arn = (await ddb.send(new DescribeTableCommand({ TableName: store.tables.events }))).Table!.LatestStreamArn!;
    const real = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription!.Shards!;
    ddb.destroy();
    streams.destroy();
    expect(real.length).toBeGreaterThan(0);
    const parent = real[0]!.ShardId!;
    const shards = [...real, { ShardId: 'shardId-child-a', ParentShardId: parent }, { ShardId: 'shardId-child-b', ParentShardId: parent }];
    expect(readableShards(shards, new Set())).not.toContain('shardId-child-a');
    expect(readableShards(shards, new Set())).toContain(parent);
    expect(readableShards(shards, new Set([parent]))).toEqual(expect.arrayContaining(['shardId-child-a', 'shardId-child-b']));
    // A trimmed parent (no longer listed) does not hold its children back.
    expect(readableShards([{ ShardId: 'orphan', ParentShardId: 'gone' }], new Set())).toEqual(['orphan']);
  });
});
