/**
 * The mixed load of DESIGN.md §6 (`npm run load` with its defaults: 200 reads/s over a story's
 * feeds, view and page and the all-stories feed, 20 writes/s to that story, 60 s, open loop, on a
 * newsroom of its own) as a bench row, so that `npm run bench` records it in the `load` section of
 * bench/results/latest.json. Bars: the offered rate served (nothing left unsent or timed out), read
 * p99 ≤ 100 ms, write p99 ≤ 250 ms, 0 errors, 0 lost writes; the server's peak RSS is recorded.
 */
import { DEFAULT_LOAD, runLoad } from '../load/load';
import { BARS, ms, type Bench, type BenchResult } from './harness';

export const bench: Bench = {
  name: 'load: the mixed load of npm run load, defaults',
  async run(): Promise<BenchResult[]> {
    // LOAD_SECONDS shortens it for a trial run; the bar is measured at the default 60 s.
    const seconds = Number(process.env.LOAD_SECONDS ?? DEFAULT_LOAD.seconds);
    const report = await runLoad({ ...DEFAULT_LOAD, seconds, log: (line) => console.log(`  ${line}`) });
    const { reads, writes } = report;
    const offered = reads.offeredPerSecond + writes.offeredPerSecond;
    const served = reads.servedPerSecond + writes.servedPerSecond;
    const errors = reads.errorCount + writes.errorCount;
    // Served: every request that fell due was sent and answered without error.
    const allServed = reads.notSent + writes.notSent === 0 && errors === 0;
    const pass =
      report.pass && allServed && reads.latencyMs.p99 <= BARS.loadReadP99Ms && writes.latencyMs.p99 <= BARS.loadWriteP99Ms && report.log.lost === 0;
    return [
      {
        bar: 'Mixed load: read p99, write p99',
        method: `npm run load, defaults: ${DEFAULT_LOAD.readsPerSecond} reads/s over ${Object.keys(report.readTargets).length} targets and ${DEFAULT_LOAD.writesPerSecond} writes/s to one story for ${seconds} s, open loop; offered ${offered.toFixed(0)}/s, served ${served.toFixed(1)}/s (${reads.notSent + writes.notSent} not sent), ${errors} errors, ${report.log.lost} lost; read p50 ${ms(reads.latencyMs.p50)}; server peak RSS ${report.server.peakRssMiB.toFixed(0)} MiB`,
        measured: `${ms(reads.latencyMs.p99)}; ${ms(writes.latencyMs.p99)}`,
        baseline: `${BARS.loadReadP99Ms} ms; ${BARS.loadWriteP99Ms} ms bars`,
        ratio: Math.max(reads.latencyMs.p99 / BARS.loadReadP99Ms, writes.latencyMs.p99 / BARS.loadWriteP99Ms),
        target: '≤ 1.0, offered rate served, 0 errors, 0 lost',
        pass,
        record: {
          section: 'load',
          values: {
            offered_rps: offered,
            served_rps: served,
            read_p50_ms: reads.latencyMs.p50,
            read_p99_ms: reads.latencyMs.p99,
            write_p99_ms: writes.latencyMs.p99,
            errors,
            lost: report.log.lost,
            server_peak_rss_mb: report.server.peakRssMiB,
          },
        },
      },
    ];
  },
};
