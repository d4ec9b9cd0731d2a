/**
 * The benchmark contract: each `test/bench/*.bench.ts` exports `bench: Bench`. `npm run bench`
 * runs them one after another and records every result in docs/benchmarks.md. Each bar is
 * measured as a ratio against a baseline run side by side in the same process, on this machine.
 */
export interface BenchResult {
  /** Which bar (docs/benchmarks.md) this measures, e.g. "Append p50". */
  bar: string;
  /** What was measured and how, in a sentence. */
  method: string;
  measured: string;
  baseline: string;
  /** measured ÷ baseline (or the figure the bar is stated in). */
  ratio: number;
  /** The bar, e.g. "≤ 1.5". */
  target: string;
  pass: boolean;
  /**
   * The figures for bench/results/latest.json (test/bench/run.ts): merged into the record's
   * `section` (append, feed, page, freshness, replay), or one entry of `coldstart.functions`.
   */
  record?: { section: string; values: Record<string, number | string> };
}

export interface Bench {
  name: string;
  run(): Promise<BenchResult[]>;
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

export const ms = (n: number) => `${n.toFixed(2)} ms`;
