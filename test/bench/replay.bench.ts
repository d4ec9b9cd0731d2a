/**
 * Replay bar (DESIGN.md §6): rebuilding a 100,000-event story vs just reading its 100,000 events
 * from the same table, side by side on one DynamoDB Local (in memory). The story is written
 * straight into the events table by the fixture generator (story-generator.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoLocal } from '../../functions/local/dynamodb-local';
import { replayAll } from '../../functions/replay/replay';
import { clientConfig, documentClient } from '../../shared/store/dynamo';
import { EventStore } from '../../shared/store/event-store';
import { StoryReader } from '../../shared/store/story-reader';
import { ensureTables } from '../../shared/store/tables';
import type { Bench } from './harness';
import { writeGeneratedStory } from './story-generator';

const EVENTS = Number(process.env.REPLAY_BENCH_EVENTS ?? 100_000);
const STORY = 'bench-long-story';

export const bench: Bench = {
  name: `replay of ${EVENTS.toLocaleString('en')} events`,
  async run() {
    const dynamo = await startDynamoLocal();
    try {
      const tables = { events: 'bench-events', views: 'bench-views', idempotency: 'bench-idem' };
      const admin = new DynamoDBClient(clientConfig(dynamo.endpoint));
      await ensureTables(admin, tables);
      admin.destroy();
      const db = documentClient(clientConfig(dynamo.endpoint));
      const events = new EventStore(db, tables.events);
      let t = performance.now();
      await writeGeneratedStory(db, tables.events, STORY, EVENTS);
      console.log(`  generated ${EVENTS} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);

      // Baseline: read every event the way replay reads them (paged, strongly consistent Query).
      t = performance.now();
      let read = 0;
      for await (const page of events.stream(STORY)) read += page.length;
      const readSeconds = (performance.now() - t) / 1000;

      const summary = await replayAll({ db, tables, events }, { cleanupDelayMs: 0 });
      const replaySeconds = summary.seconds;

      // It serves: the feed and a time-travel view of the rebuilt story.
      const reader = new StoryReader(db, tables, { feed: { baseUrl: 'https://news.example', tagPrefix: 'tag:news.example,2026:' } });
      t = performance.now();
      const feed = await reader.feed(STORY, 'atom');
      const past = await reader.viewAt(STORY, { version: EVENTS - 1_000 });
      const serveMs = performance.now() - t;
      if (!feed || !past || past.head.version !== EVENTS - 1_000 || read !== EVENTS || summary.events !== EVENTS) {
        throw new Error('the rebuilt story does not serve as expected');
      }
      console.log(`  read ${read} events in ${readSeconds.toFixed(1)} s; replay ${summary.events} events → ${summary.items} items in ${replaySeconds.toFixed(1)} s; feed + time travel after replay ${serveMs.toFixed(0)} ms`);
      db.destroy();
      const ratio = replaySeconds / readSeconds;
      return [
        {
          bar: 'Replay 100k events',
          method: `replayAll of one generated ${EVENTS}-event story (fold in memory, ${summary.items} items written once with parallel BatchWriteItem) vs paged Query of the same events, one in-memory DynamoDB Local`,
          measured: `${replaySeconds.toFixed(1)} s (${summary.eventsPerSecond.toFixed(0)} events/s)`,
          baseline: `${readSeconds.toFixed(1)} s read (${(EVENTS / readSeconds).toFixed(0)} events/s)`,
          ratio,
          target: '≤ 2',
          pass: ratio <= 2,
        },
      ];
    } finally {
      await dynamo.stop();
    }
  },
};
