/**
 * `npm run load [-- options]`: the bounded mixed load of DESIGN.md §6 on loopback, against a
 * newsroom it starts itself on a fresh temporary data directory. Prints latency histograms,
 * errors by status, lost writes, served vs offered rates and the server's peak RSS; writes the
 * same figures as JSON (default bench/results/load-latest.json). Exit 1 unless there were no
 * errors and no lost writes.
 *
 *   --reads <n>          reads per second (LOAD_READS, default 200)
 *   --writes <n>         writes per second (LOAD_WRITES, default 20)
 *   --duration <s>       seconds (LOAD_SECONDS, default 60)
 *   --max-in-flight <n>  outstanding requests at most, reads and writes each (LOAD_MAX_IN_FLIGHT, default 256)
 *   --timeout <ms>       per request (default 10000)
 *   --out <file>         the JSON report (LOAD_OUT)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_LOAD, describe, runLoad } from './load';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    reads: { type: 'string' },
    writes: { type: 'string' },
    duration: { type: 'string' },
    'max-in-flight': { type: 'string' },
    timeout: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (values.help) {
  const doc = /\/\*\*([\s\S]*?)\*\//.exec((await import('node:fs')).readFileSync(new URL(import.meta.url), 'utf8'))![1]!;
  console.log(doc.replace(/^ \* ?/gm, '').trim());
  process.exit(0);
}

function number(name: string, flag: string | undefined, env: string | undefined, fallback: number, min: number): number {
  const raw = flag ?? env;
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) {
    console.error(`npm run load: ${name} must be a number ≥ ${min} (got ${raw})`);
    process.exit(2);
  }
  return n;
}

const env = process.env;
const options = {
  readsPerSecond: number('--reads', values.reads, env.LOAD_READS, DEFAULT_LOAD.readsPerSecond, 0),
  writesPerSecond: number('--writes', values.writes, env.LOAD_WRITES, DEFAULT_LOAD.writesPerSecond, 0),
  seconds: number('--duration', values.duration, env.LOAD_SECONDS, DEFAULT_LOAD.seconds, 0.1),
  maxInFlight: number('--max-in-flight', values['max-in-flight'], env.LOAD_MAX_IN_FLIGHT, DEFAULT_LOAD.maxInFlight, 1),
  timeoutMs: number('--timeout', values.timeout, undefined, DEFAULT_LOAD.timeoutMs, 1),
};
const out = resolve(values.out ?? env.LOAD_OUT ?? new URL('../../bench/results/load-latest.json', import.meta.url).pathname);

// Ctrl-C stops scheduling; what was sent is still checked, and the newsroom is stopped.
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

try {
  const report = await runLoad({ ...options, log: (line) => console.log(line), signal: stop.signal });
  console.log(describe(report));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  console.log(`Figures: ${out}`);
  process.exitCode = report.pass ? 0 : 1;
} catch (error) {
  console.error(`npm run load failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 3;
}
