/**
 * What a read costs in DynamoDB requests, read units and time, against DynamoDB Local with
 * ReturnConsumedCapacity (docs/scale.md's figures come from here): the all-stories feed built as
 * before the activity index (every story listed, the latest changes of the most recently active
 * merged) against the index's render, a story-list page against the whole list, and a story feed's
 * render with the walk read eventually against strongly consistently.
 *
 *   npx tsx test/bench/listings-cost.ts [stories] [updates per story]
 *
 * Not part of `npm run bench`: it measures a request pattern, not a bar.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clientConfig, documentClient } from '../../shared/adapters/dynamodb/client';
import { ensureTables } from '../../shared/adapters/dynamodb/tables';
import { EventStore } from '../../shared/adapters/dynamodb/event-store';
import { activeViews } from '../../shared/adapters/dynamodb/views/writes';
import { latestChanges } from '../../shared/application/feed-entries';
import { StoryReader } from '../../shared/application/story-reader';
import type { StoryEvent } from '../../shared/domain/story/events';
import { processStreamBatch } from '../../functions/projector/process';
import { startDynamoLocal } from '../../functions/local/dynamodb-local';
import { generatedStory } from '../support/feeds';
import { streamRecord } from '../support/stream-records';
import { writeEvents } from './story-generator';
import { mergedFromEveryStory } from '../support/all-stories';

const STORIES = Number(process.argv[2] ?? 500);
const UPDATES = Number(process.argv[3] ?? 6);
const FEED = { baseUrl: 'https://news.example', tagPrefix: 'tag:news.example,2026:' };
const tables = { events: 'events', views: 'views', idempotency: 'idempotency' };

const dynamo = await startDynamoLocal({});
const admin = new DynamoDBClient(clientConfig(dynamo.endpoint));
await ensureTables(admin, tables);
const db = documentClient(clientConfig(dynamo.endpoint));
const events = new EventStore(db, tables.events);

// Every request counted, read units summed from ConsumedCapacity.
const tally = { requests: 0, units: 0 };
db.middlewareStack.add(
  (next) => async (args) => {
    tally.requests++;
    (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
    const out = await next(args);
    const consumed = (out.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] }).ConsumedCapacity;
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) tally.units += c.CapacityUnits ?? 0;
    return out;
  },
  { step: 'initialize', name: 'tally' },
);

const all: StoryEvent[] = [];
for (let i = 0; i < STORIES; i++)
  all.push(...generatedStory(`cost-${i}`, i === 0 ? 70 : UPDATES, { base: Date.parse('2026-03-01T00:00:00Z') + i * 1237 }).events);
await writeEvents(db, tables.events, all.length, (i) => all[i]!);
const views = activeViews(db, tables.views);
for (let i = 0; i < all.length; i += 100) {
  await processStreamBatch(all.slice(i, i + 100).map(streamRecord), { views, events, log: { error() {} } });
}

async function measure<T>(label: string, fn: () => Promise<T>): Promise<T> {
  tally.requests = 0;
  tally.units = 0;
  const started = performance.now();
  const result = await fn();
  const ms = performance.now() - started;
  console.log(
    `${label.padEnd(64)} ${String(tally.requests).padStart(5)} requests ${tally.units.toFixed(1).padStart(8)} RCU ${ms.toFixed(1).padStart(8)} ms`,
  );
  return result;
}

const text = (body: string | Uint8Array) => (typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
const v = await views();
console.log(`${STORIES} stories, ${all.length} events`);
for (let round = 0; round < 2; round++) {
  const old = await measure('all-stories feed, before (every story listed, merged)', () => mergedFromEveryStory(v, events, FEED, 'atom'));
  const now = await measure('all-stories feed, activity index (render, cold reader)', async () =>
    text((await new StoryReader(views, events, { feed: FEED }).allStoriesFeed('atom')).body),
  );
  if (old !== now) throw new Error('the two all-stories feeds differ');
  await measure('story list, before: every story (one Query, paged)', () => v.listStories());
  await measure('story list, a page of 50 (index + BatchGetItem)', async () => {
    const page = await v.activity('stories', 50);
    return v.summaries(page.keys.map((k) => k.storyId));
  });
  const head = (await v.head('cost-0'))!;
  const strongly = Object.create(events) as EventStore;
  strongly.streamNewestFirst = (storyId, options) => events.streamNewestFirst(storyId, { ...options, consistent: true });
  await measure('story feed render, walk strongly consistent (before)', () => latestChanges(v, strongly, 'cost-0', head.version, 50));
  await measure('story feed render, walk eventually consistent', () => latestChanges(v, events, 'cost-0', head.version, 50));
}
db.destroy();
admin.destroy();
await dynamo.stop();
