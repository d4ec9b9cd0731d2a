/**
 * Breaking news on one story: 50 editors appending at once (6 statements each, no If-Match) through
 * the real local HTTP server, against the same 300 appends one after another, on a story of a few
 * hundred updates with the projector running. Concurrent appends must be at least as fast in all
 * as sequential ones (ratio ≤ 1.0); every append is acknowledged once and the log stays gap-free.
 */
import http from 'node:http';
import { startNewsroom } from '../../functions/local/server';
import { BARS, ms, percentile, postJson, type Bench, type BenchResult } from './harness';

const TOKEN = 'bench-token-0123456789abcdef';
const WRITERS = 50;
const EACH = 6;
const STORY_SIZE = 300;
/** Appends before measuring, for DynamoDB Local's JVM to warm up (see append.bench.ts). */
const WARMUP = 1_500;
/** Rounds of each, in ABBA order (sequential, concurrent, concurrent, sequential), so that any drift of the store weighs on both alike. */
const ROUNDS = 2;

const statement = (writer: number, i: number) => ({
  type: 'statement' as const,
  speaker: { name: `Example Spokesperson ${writer} (fictional)`, role: 'spokesperson' },
  quote: `Statement ${i} of editor ${writer}`,
});

export const bench: Bench = {
  name: `concurrency: ${WRITERS} editors appending to one story at once vs the same appends in sequence`,
  async run(): Promise<BenchResult[]> {
    process.env.NEWSROOM_WRITE_RATE = '1000000';
    process.env.NEWSROOM_WRITE_BURST = '1000000';
    const newsroom = await startNewsroom({ inMemory: true, port: 0, seed: false, editorTokens: `bench:${TOKEN}`, quiet: true, log: () => {} });
    const agents: http.Agent[] = [];
    try {
      // One keep-alive connection per editor, as fifty browsers or CLIs would have.
      const client = () => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        agents.push(agent);
        return (path: string, body: unknown) => postJson(agent, newsroom.url + path, TOKEN, body);
      };
      const editor = client();
      const open = async (id: string) => {
        await editor('/api/stories', { id, headline: 'Bench', summary: 'Concurrency benchmark' });
        for (let i = 0; i < STORY_SIZE; i++) await editor(`/api/stories/${id}/updates`, statement(0, i));
      };
      await open('bench-warm-up');
      for (let i = 0; i < WARMUP; i++) await editor('/api/stories/bench-warm-up/updates', statement(0, i));

      const sequentialRound = async (id: string) => {
        await open(id);
        const t0 = performance.now();
        for (let i = 0; i < WRITERS * EACH; i++) await editor(`/api/stories/${id}/updates`, statement(i % WRITERS, i));
        return performance.now() - t0;
      };
      const editors = Array.from({ length: WRITERS }, client);
      const latencies: number[] = [];
      const concurrentRound = async (id: string) => {
        await open(id);
        const t0 = performance.now();
        await Promise.all(
          editors.map(async (post, w) => {
            for (let i = 0; i < EACH; i++) latencies.push(await post(`/api/stories/${id}/updates`, statement(w, i)));
          }),
        );
        const took = performance.now() - t0;
        // Every append acknowledged once, and the log gap-free: the head is the count.
        const res = await fetch(`${newsroom.url}/api/stories/${id}/events?after=${STORY_SIZE + 1}&limit=1000`, {
          headers: { Authorization: `Bearer ${TOKEN}` },
        });
        const versions = ((await res.json()) as { events: { metadata: { version: number } }[] }).events.map((e) => e.metadata.version);
        const expected = Array.from({ length: WRITERS * EACH }, (_, i) => STORY_SIZE + 2 + i);
        if (JSON.stringify(versions) !== JSON.stringify(expected)) throw new Error(`the log is not the ${WRITERS * EACH} appends, gap-free`);
        return took;
      };
      let sequential = 0;
      let concurrent = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? (['sequential', 'concurrent'] as const) : (['concurrent', 'sequential'] as const);
        for (const kind of order) {
          if (kind === 'sequential') sequential += await sequentialRound(`bench-sequential-${round}`);
          else concurrent += await concurrentRound(`bench-concurrent-${round}`);
        }
      }

      const ratio = concurrent / sequential;
      const p99 = percentile(latencies, 99);
      return [
        {
          bar: `${WRITERS} concurrent appends to one story`,
          method: `after ${WARMUP} warm-up appends, ${ROUNDS} rounds of each in ABBA order: ${WRITERS} editors on keep-alive connections of their own, ${EACH} statements each at once (no If-Match), to a story of ${STORY_SIZE} updates, vs the same ${WRITERS * EACH} appends one after another on one connection to another such story; projector running; append p50 ${ms(percentile(latencies, 50))}, p99 ${ms(p99)}`,
          measured: `${ms(concurrent / ROUNDS)} a round`,
          baseline: `${ms(sequential / ROUNDS)} a round`,
          ratio,
          target: `≤ ${BARS.concurrency.toFixed(1)}`,
          pass: ratio <= BARS.concurrency,
          record: {
            section: 'concurrency',
            values: {
              writers: WRITERS,
              appends: WRITERS * EACH,
              seconds: concurrent / ROUNDS / 1000,
              sequential_seconds: sequential / ROUNDS / 1000,
              ratio,
              p99_ms: p99,
            },
          },
        },
      ];
    } finally {
      for (const agent of agents) agent.destroy();
      await newsroom.stop();
    }
  },
};
