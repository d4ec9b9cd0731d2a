/**
 * Replay bar (docs/benchmarks.md): rebuilding a 100,000-event story vs just reading its 100,000 events
 * from the same table, side by side on the local stores `npm start` and `npm run replay` use
 * (events and views each in their own DynamoDB Local, in memory here: functions/local/stores.ts).
 * The story is written straight into the events table by the fixture generator (story-generator.ts).
 */
import { prepareTables, startLocalStores } from '../../functions/local/stores';
import { replayAll } from '../../shared/application/replay';
import { DEFAULT_WRITE_CONCURRENCY } from '../../shared/adapters/dynamodb/views/replay-store';
import { clientConfig, documentClient } from '../../shared/adapters/dynamodb/client';
import { EventStore } from '../../shared/adapters/dynamodb/event-store';
import { StoryReader } from '../../shared/application/story-reader';
import { replayStores } from '../../shared/adapters/dynamodb/views/replay-store';
import { activeViews } from '../../shared/adapters/dynamodb/views/writes';
import type { Bench } from './harness';
import { writeGeneratedStory } from './story-generator';

const EVENTS = Number(process.env.REPLAY_BENCH_EVENTS ?? 100_000);
const STORY = 'bench-long-story';

export const bench: Bench = {
  name: `replay of ${EVENTS.toLocaleString('en')} events`,
  async run() {
    const stores = await startLocalStores(undefined);
    try {
      const tables = { events: 'bench-events', views: 'bench-views', idempotency: 'bench-idem' };
      await prepareTables(stores, tables);
      const db = documentClient(clientConfig(stores.viewsEndpoint));
      const eventsDb = documentClient(clientConfig(stores.endpoint));
      const events = new EventStore(eventsDb, tables.events);
      let t = performance.now();
      await writeGeneratedStory(eventsDb, tables.events, STORY, EVENTS);
      console.log(`  generated ${EVENTS} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);

      // Baseline: read every event the way replay reads them (paged, strongly consistent Query,
      // upcast). DynamoDB Local's JVM reads the same pages 2-3x faster once warm, so both sides
      // are measured warm, and the baseline is the faster of a read just before and just after.
      const readAll = async () => {
        const t0 = performance.now();
        let read = 0;
        for await (const page of events.stream(STORY)) read += page.length;
        if (read !== EVENTS) throw new Error(`read ${read} events, expected ${EVENTS}`);
        return (performance.now() - t0) / 1000;
      };
      // The live projection a real replay replaces (and deletes after the switch); its build also warms up the JVM.
      const ctx = { events, ...replayStores(db, tables.views) };
      const live = await replayAll(ctx, { cleanupDelayMs: 0 });
      console.log(`  live generation: ${live.items} items in ${live.seconds.toFixed(1)} s`);
      for (let i = 0; i < 2; i++) await readAll();

      const before = await readAll();
      const summary = await replayAll(ctx, { cleanupDelayMs: 0 });
      const after = await readAll();
      const readSeconds = Math.min(before, after);
      const replaySeconds = summary.seconds;

      // It serves: the feed and a time-travel view of the rebuilt story.
      const reader = new StoryReader(activeViews(db, tables.views), events, {
        feed: { baseUrl: 'https://news.example', tagPrefix: 'tag:news.example,2026:' },
      });
      t = performance.now();
      const feed = await reader.feed(STORY, 'atom');
      const past = await reader.viewAt(STORY, { version: EVENTS - 1_000 });
      const serveMs = performance.now() - t;
      if (!feed || !past || past.head.version !== EVENTS - 1_000) throw new Error('the rebuilt story does not serve as expected');
      if (summary.events !== EVENTS || summary.items !== live.items || summary.deleted !== live.items) {
        throw new Error(
          `replayed ${summary.events} events into ${summary.items} items and deleted ${summary.deleted}; the live generation had ${live.items}`,
        );
      }
      console.log(
        `  read ${EVENTS} events in ${before.toFixed(1)} s before, ${after.toFixed(1)} s after; replay ${summary.events} events → ${summary.items} items in ${replaySeconds.toFixed(1)} s, ` +
          `then ${summary.deleted} items of the old generation deleted in ${summary.cleanupSeconds.toFixed(1)} s; feed + time travel after replay ${serveMs.toFixed(0)} ms`,
      );
      db.destroy();
      eventsDb.destroy();
      const ratio = replaySeconds / readSeconds;
      return [
        {
          bar: 'Replay 100k events',
          method:
            `replayAll of one generated ${EVENTS}-event story over a live generation of ${live.items} items, from start to readers switched and caught up ` +
            `(read, fold and write ${summary.items} items at once: BatchWriteItem, ${DEFAULT_WRITE_CONCURRENCY} in flight, while the next page is fetched) ` +
            `vs the faster of two paged reads of the same events just before and after; events and views in their own databases of one warm in-memory DynamoDB Local, as npm start runs them; ` +
            `deleting the old generation afterwards took ${summary.cleanupSeconds.toFixed(1)} s more (not in the ratio)`,
          measured: `${replaySeconds.toFixed(1)} s (${summary.eventsPerSecond.toFixed(0)} events/s)`,
          baseline: `${readSeconds.toFixed(1)} s read (${(EVENTS / readSeconds).toFixed(0)} events/s; ${before.toFixed(1)} s / ${after.toFixed(1)} s)`,
          ratio,
          target: '≤ 2',
          pass: ratio <= 2,
          record: {
            section: 'replay',
            values: { events: EVENTS, stories: 1, seconds: replaySeconds, read_seconds: readSeconds, ratio, events_per_s: summary.eventsPerSecond },
          },
        },
      ];
    } finally {
      await stores.stop();
    }
  },
};
