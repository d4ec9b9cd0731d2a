/**
 * Append bar (docs/benchmarks.md): `POST /api/stories/{id}/updates` through the real local HTTP server
 * against a raw SDK conditional PutItem of the same event item to the same DynamoDB Local table,
 * interleaved one by one so both see the same machine load (including the projector, which the
 * stream feeds from both). Also the wall time of 1,000 sequential appends, against 1,000 raw puts.
 */
import http from 'node:http';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startNewsroom } from '../../functions/local/server';
import { clientConfig, documentClient, tablesFromEnv } from '../../shared/adapters/dynamodb/client';
import { newUpdateId } from '../../shared/adapters/update-ids';
import { toItem } from '../../shared/adapters/dynamodb/event-store';
import { CURRENT_SCHEMA_VERSION, type StoryEvent } from '../../shared/domain/story/events';
import { BARS, ms, percentile, postJson, type Bench, type BenchResult } from './harness';

const TOKEN = 'bench-token-0123456789abcdef';
const SAMPLES = 500;
/**
 * Pairs before measuring. DynamoDB Local's JVM takes about 2,000 requests to warm up: a fresh one
 * answered a conditional PutItem in 5.7 ms (p50) over its first 1,000 and in 1.7 ms after 2,000
 * more (docs/benchmarks.md), so figures taken sooner drift while they are measured.
 */
const WARMUP = 1_500;
const SEQUENTIAL = 1_000;
/** The sequential runs in blocks of this many, API and raw in ABBA order, so that any drift of the store weighs on both alike. */
const BLOCK = 250;

const statement = (i: number) => ({
  type: 'statement' as const,
  speaker: { name: 'Roza Otunbayeva', role: 'interim leader' },
  quote: `Elections will be held on 10 October (${i})`,
  saidAt: '2010-04-24',
});

export const bench: Bench = {
  name: 'append: POST …/updates vs raw conditional PutItem',
  async run(): Promise<BenchResult[]> {
    // The limit guards editors, not this measurement; the bucket is still consulted on every write.
    process.env.NEWSROOM_WRITE_RATE = '1000000';
    process.env.NEWSROOM_WRITE_BURST = '1000000';
    const newsroom = await startNewsroom({ inMemory: true, port: 0, seed: false, editorTokens: `bench:${TOKEN}`, quiet: true, log: () => {} });
    const db = documentClient(clientConfig(newsroom.endpoint));
    const table = tablesFromEnv().events;
    const cleanup: (() => void)[] = [];
    try {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const post = async (path: string, body: unknown) => void (await postJson(agent, newsroom.url + path, TOKEN, body));
      cleanup.push(() => agent.destroy());
      for (const id of ['bench-api', 'bench-raw']) await post('/api/stories', { id, headline: 'Bench', summary: 'Append benchmark' });

      let rawVersion = 1;
      // The same item the write side stores (a StatementRecorded), with the same condition.
      const rawPut = async (i: number) => {
        rawVersion += 1;
        const event = {
          type: 'StatementRecorded',
          data: { speaker: statement(i).speaker, quote: statement(i).quote, saidAt: statement(i).saidAt },
          metadata: {
            storyId: 'bench-raw',
            version: rawVersion,
            // Made as the write side makes it (functions/writer.ts).
            updateId: newUpdateId(),
            schemaVersion: CURRENT_SCHEMA_VERSION,
            recordedAt: new Date().toISOString(),
            recordedBy: 'bench',
            occurredAt: '2010-04-24',
            correlationId: crypto.randomUUID(),
          },
        } as StoryEvent;
        await db.send(new PutCommand({ TableName: table, Item: toItem(event), ConditionExpression: 'attribute_not_exists(version)' }));
      };
      const apiAppend = (i: number) => post('/api/stories/bench-api/updates', statement(i));

      for (let i = 0; i < WARMUP; i++) {
        await apiAppend(i);
        await rawPut(i);
      }
      const interleaved = async () => {
        const api: number[] = [];
        const raw: number[] = [];
        for (let i = 0; i < SAMPLES; i++) {
          // Alternate which goes first so neither always follows the other's stream work.
          const order = i % 2 === 0 ? ([apiAppend, rawPut] as const) : ([rawPut, apiAppend] as const);
          for (const fn of order) {
            const t0 = performance.now();
            await fn(i);
            (fn === apiAppend ? api : raw).push(performance.now() - t0);
          }
        }
        return { api, raw };
      };
      const { api, raw } = await interleaved();
      const apiP50 = percentile(api, 50);
      const rawP50 = percentile(raw, 50);

      // Sequential: blocks of BLOCK appends, then as many raw puts, in ABBA order (api, raw, raw, api, …).
      let apiTotal = 0;
      let rawTotal = 0;
      for (let block = 0; block < (2 * SEQUENTIAL) / BLOCK; block++) {
        const api = block % 4 === 0 || block % 4 === 3;
        const t0 = performance.now();
        for (let i = 0; i < BLOCK; i++) await (api ? apiAppend(i) : rawPut(i));
        if (api) apiTotal += performance.now() - t0;
        else rawTotal += performance.now() - t0;
      }

      // The same pairs with the projector paused: the append path alone, without the local
      // stack's projector competing for this process and for DynamoDB Local (on AWS it runs elsewhere).
      await newsroom.poller.stop();
      const quiet = await interleaved();
      const quietRatio = percentile(quiet.api, 50) / percentile(quiet.raw, 50);

      return [
        {
          bar: 'Append p50',
          method: `after ${WARMUP} warm-up pairs, ${SAMPLES} POST …/updates (statement, through the local HTTP server with a keep-alive node:http client: auth, rate limit, zod, one conditional PutItem) interleaved with ${SAMPLES} raw SDK conditional PutItems of the same item to the same table; p95 ${ms(percentile(api, 95))} vs ${ms(percentile(raw, 95))}`,
          measured: ms(apiP50),
          baseline: ms(rawP50),
          ratio: apiP50 / rawP50,
          target: `≤ ${BARS.appendP50}`,
          pass: apiP50 / rawP50 <= BARS.appendP50,
          record: {
            section: 'append',
            values: {
              p50_ms: apiP50,
              p95_ms: percentile(api, 95),
              raw_p50_ms: rawP50,
              ratio: apiP50 / rawP50,
              sequential_ratio: apiTotal / rawTotal,
            },
          },
        },
        {
          bar: 'Append p50 (projector paused)',
          method: `as above, with the local stream poller stopped; p95 ${ms(percentile(quiet.api, 95))} vs ${ms(percentile(quiet.raw, 95))}`,
          measured: ms(percentile(quiet.api, 50)),
          baseline: ms(percentile(quiet.raw, 50)),
          ratio: quietRatio,
          // Not a bar (DESIGN.md §6 sets it with the projector running): where the append path alone stands.
          target: 'reference',
          pass: true,
        },
        {
          bar: '1,000 sequential appends',
          method: `${SEQUENTIAL} POST …/updates one after another vs ${SEQUENTIAL} raw conditional PutItems one after another, in blocks of ${BLOCK} in ABBA order (${((SEQUENTIAL / apiTotal) * 1000).toFixed(0)} appends/s)`,
          measured: ms(apiTotal),
          baseline: ms(rawTotal),
          ratio: apiTotal / rawTotal,
          target: `≤ ${BARS.appendSequential}`,
          pass: apiTotal / rawTotal <= BARS.appendSequential,
        },
      ];
    } finally {
      for (const fn of cleanup) fn();
      db.destroy();
      await newsroom.stop();
    }
  },
};
