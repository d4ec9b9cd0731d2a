/** Freshness: from a 201 to the update appearing in the story's Atom feed (bar: p95 ≤ 250 ms locally). */
import { startNewsroom } from '../../functions/local/server';
import { BARS, ms, percentile, type Bench } from './harness';

export const bench: Bench = {
  name: 'freshness',
  async run() {
    const token = 'bench-token-freshness';
    const newsroom = await startNewsroom({ inMemory: true, port: 0, editorTokens: `bench:${token}`, quiet: true, log: () => {} });
    try {
      const story = 'kyrgyzstan-bakiyev-ouster-2010';
      const feed = `${newsroom.url}/stories/${story}/feed.atom`;
      const samples: number[] = [];
      for (let i = 0; i < 60; i++) {
        const res = await fetch(`${newsroom.url}/api/stories/${story}/updates`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ type: 'statement', speaker: { name: 'Bench' }, quote: `freshness probe ${i}` }),
        });
        const { updateId } = (await res.json()) as { updateId: string };
        const acknowledged = performance.now();
        for (;;) {
          const text = await (await fetch(feed)).text();
          if (text.includes(updateId)) break;
          if (performance.now() - acknowledged > 10_000) throw new Error(`update ${updateId} never reached the feed`);
          await new Promise((r) => setTimeout(r, 5));
        }
        samples.push(performance.now() - acknowledged);
      }
      const p95 = percentile(samples, 95);
      return [
        {
          bar: 'Freshness p95 (201 → in feed)',
          method: '60 sequential statements on the local stack; poll the Atom feed every 5 ms until the update id appears',
          measured: `p95 ${ms(p95)} (p50 ${ms(percentile(samples, 50))})`,
          baseline: `${BARS.freshnessP95Ms} ms bar`,
          ratio: p95 / BARS.freshnessP95Ms,
          target: '≤ 1.0',
          pass: p95 <= BARS.freshnessP95Ms,
          record: { section: 'freshness', values: { p50_ms: percentile(samples, 50), p95_ms: p95 } },
        },
      ];
    } finally {
      await newsroom.stop();
    }
  },
};
