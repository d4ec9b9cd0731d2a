/**
 * The benchmark contract: each `test/bench/*.bench.ts` exports `bench: Bench`. `npm run bench`
 * runs them one after another and records every result in docs/benchmarks.md. Each bar is
 * measured as a ratio against a baseline run side by side in the same process, on this machine.
 */
import http from 'node:http';

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
   * `section` (append, feed, page, freshness, replay, concurrency, load), or one entry of `coldstart.functions`.
   */
  record?: { section: string; values: Record<string, number | string | Record<string, number>> };
}

/**
 * The bars of DESIGN.md §6 (raised in December 2026), each a ratio to a baseline measured in the
 * same run unless its name gives a unit. Replay's bar is set where it is measured (replay.bench.ts).
 */
export const BARS = {
  /** Append p50 / raw conditional PutItem p50, projector running. */
  appendP50: 1.25,
  /** 1,000 sequential appends / 1,000 raw PutItems. */
  appendSequential: 1.3,
  /** Feed GET rps / plain node:http serving the same bytes (at least). */
  feedGet: 0.8,
  /** Page GET rps / plain node:http serving the same bytes (at least). */
  pageGet: 0.7,
  /** Feed GET of a story of 100,000 updates / of 10, cold. */
  longStory: 1.2,
  freshnessP95Ms: 250,
  /** Each Lambda bundle, in KiB (the table says KB). */
  bundleKiB: 250,
  /** Cold import / an empty module importing the SDK client. */
  coldImport: 1.5,
  /** 50 concurrent appends to one story / the same appends in sequence. */
  concurrency: 1.0,
  /** `npm run load`, defaults: read and write p99. */
  loadReadP99Ms: 100,
  loadWriteP99Ms: 250,
} as const;

export interface Bench {
  name: string;
  run(): Promise<BenchResult[]>;
}

/**
 * POSTs `body` as JSON to `url` with an editor's token over `agent` (node:http keep-alive, not
 * fetch: undici's client alone costs 0.3–0.5 ms a request in this process, which would measure the
 * benchmark's client rather than the server). Resolves with the time it took; anything but 201 rejects.
 */
export function postJson(agent: http.Agent, url: string, token: string, body: unknown): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const payload = JSON.stringify(body);
    const started = performance.now();
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 201
            ? resolve(performance.now() - started)
            : reject(new Error(`append failed: ${res.statusCode} ${Buffer.concat(chunks).toString()}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

export const ms = (n: number) => `${n.toFixed(2)} ms`;
