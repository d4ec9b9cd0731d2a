/**
 * Append bar (docs/benchmarks.md): `POST /api/stories/{id}/updates` through the real local HTTP server
 * against a raw SDK conditional PutItem of the same event item to the same DynamoDB Local table,
 * interleaved one by one so both see the same machine load (including the projector, which the
 * stream feeds from both). Also the wall time of 1,000 sequential appends, against 1,000 raw puts.
 *
 * Two floors are measured beside it, for reference: servers that do nothing but the raw put behind
 * HTTP (the body parsed, the same event item and condition, a 201 with the API's headers and body),
 * one on plain `node:http`, one on Hono and `@hono/node-server` as the newsroom's apps run. They
 * separate what HTTP on this machine costs from what the newsroom's own write path adds.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
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
/** Rounds of the four (API, raw, both floors) before the floors are measured: the floor servers' code warms up. */
const FLOOR_WARMUP = 300;

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
      const post = async (path: string, body: unknown) =>
        void (await postJson(agent, path.startsWith('http') ? path : newsroom.url + path, TOKEN, body));
      cleanup.push(() => agent.destroy());
      for (const id of ['bench-api', 'bench-raw']) await post('/api/stories', { id, headline: 'Bench', summary: 'Append benchmark' });

      // The same item the write side stores (a StatementRecorded), with the same condition.
      const versions = new Map<string, number>();
      const putStatement = async (storyId: string, said: ReturnType<typeof statement>) => {
        const version = (versions.get(storyId) ?? 1) + 1;
        versions.set(storyId, version);
        const event = {
          type: 'StatementRecorded',
          data: { speaker: said.speaker, quote: said.quote, saidAt: said.saidAt },
          metadata: {
            storyId,
            version,
            // Made as the write side makes it (functions/writer.ts).
            updateId: newUpdateId(),
            schemaVersion: CURRENT_SCHEMA_VERSION,
            recordedAt: new Date().toISOString(),
            recordedBy: 'bench',
            occurredAt: said.saidAt,
            correlationId: crypto.randomUUID(),
          },
        } as StoryEvent;
        await db.send(new PutCommand({ TableName: table, Item: toItem(event), ConditionExpression: 'attribute_not_exists(version)' }));
        return event;
      };
      const rawPut = async (i: number) => void (await putStatement('bench-raw', statement(i)));
      const floors = await startFloors(putStatement);
      cleanup.push(() => floors.close());
      for (const id of ['bench-plain', 'bench-hono']) await post('/api/stories', { id, headline: 'Bench', summary: 'Append benchmark' });
      const plainAppend = (i: number) => post(floors.plain + '/api/stories/bench-plain/updates', statement(i));
      const honoAppend = (i: number) => post(floors.hono + '/api/stories/bench-hono/updates', statement(i));
      const apiAppend = (i: number) => post('/api/stories/bench-api/updates', statement(i));

      for (let i = 0; i < WARMUP; i++) {
        await apiAppend(i);
        await rawPut(i);
      }
      /**
       * `rounds` rounds of every run in `runs`, one after another, the order reversed every other
       * round so that none always follows another's stream work; each run's times.
       */
      const interleaved = async <K extends string>(runs: Record<K, (i: number) => Promise<void>>, rounds = SAMPLES) => {
        const names = Object.keys(runs) as K[];
        const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
        for (let i = 0; i < rounds; i++) {
          for (const name of i % 2 === 0 ? names : [...names].reverse()) {
            const t0 = performance.now();
            await runs[name](i);
            times[name].push(performance.now() - t0);
          }
        }
        return times;
      };
      const { api, raw } = await interleaved({ api: apiAppend, raw: rawPut });
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

      // The floors, interleaved with the API and the raw put as the pairs are (the projector running).
      const floorRuns = { api: apiAppend, raw: rawPut, plain: plainAppend, hono: honoAppend };
      await interleaved(floorRuns, FLOOR_WARMUP);
      const floorTimes = await interleaved(floorRuns);
      const floor = {
        api: percentile(floorTimes.api, 50),
        raw: percentile(floorTimes.raw, 50),
        plain: percentile(floorTimes.plain, 50),
        hono: percentile(floorTimes.hono, 50),
      };

      // The same pairs with the projector paused: the append path alone, without the local
      // stack's projector competing for this process and for DynamoDB Local (on AWS it runs elsewhere).
      await newsroom.poller.stop();
      const quiet = await interleaved({ api: apiAppend, raw: rawPut });
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
              floor_plain_ratio: floor.plain / floor.raw,
              floor_hono_ratio: floor.hono / floor.raw,
              over_hono_floor: floor.api / floor.hono,
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
          bar: 'Append p50 floor: plain node:http',
          method: `${SAMPLES} POSTs to a plain node:http server that parses the body and makes the raw put (the same event item and condition), answering 201 with the API's five headers and body, interleaved with ${SAMPLES} raw puts, API appends and Hono-floor POSTs (after ${FLOOR_WARMUP} rounds to warm up): what the HTTP hop alone costs on this machine`,
          measured: ms(floor.plain),
          baseline: ms(floor.raw),
          ratio: floor.plain / floor.raw,
          target: 'reference',
          pass: true,
        },
        {
          bar: 'Append p50 floor: Hono on @hono/node-server',
          method: `the same, from a Hono app on @hono/node-server (c.req.json(), the raw put, c.json(body, 201, headers)), as the newsroom's apps run; in the same rounds the API took ${ms(floor.api)}: ${(floor.api / floor.hono).toFixed(2)} × this floor, the newsroom's own write path (auth, rate limit, limits, validation, the story's lane, the write log)`,
          measured: ms(floor.hono),
          baseline: ms(floor.raw),
          ratio: floor.hono / floor.raw,
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

type PutStatement = (storyId: string, said: ReturnType<typeof statement>) => Promise<StoryEvent>;

/**
 * The floor servers: the raw put behind HTTP and nothing else, answering as the API answers (201,
 * Cache-Control no-store, Content-Type, ETag, Location, a fresh correlation id, the same body).
 */
async function startFloors(put: PutStatement): Promise<{ plain: string; hono: string; close(): void }> {
  const answer = (event: StoryEvent) => {
    const { storyId, updateId, version, recordedAt } = event.metadata;
    return {
      body: { storyId, updateId, version, recordedAt },
      headers: {
        'cache-control': 'no-store',
        etag: `"${version}"`,
        location: `/api/stories/${storyId}/events?after=${version - 1}&limit=1`,
        'x-correlation-id': crypto.randomUUID(),
      },
    };
  };
  const storyOf = (path: string) => path.split('/')[3]!;
  const plain = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      put(storyOf(req.url!), JSON.parse(Buffer.concat(chunks).toString('utf8'))).then(
        (event) => {
          const { body, headers } = answer(event);
          const text = JSON.stringify(body);
          res.writeHead(201, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
        },
        // A failed put fails the bench's request (postJson wants a 201) instead of leaving it waiting.
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
  });
  const app = new Hono();
  app.post('/api/stories/:id/updates', async (c) => {
    const { body, headers } = answer(await put(c.req.param('id'), await c.req.json()));
    return c.json(body, 201, headers);
  });
  const hono = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await Promise.all([
    new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve)),
    new Promise<void>((resolve) => (hono.listening ? resolve() : hono.once('listening', resolve))),
  ]);
  const url = (server: { address(): unknown }) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    plain: url(plain),
    hono: url(hono),
    close() {
      plain.close();
      hono.close();
    },
  };
}
