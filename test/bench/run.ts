/**
 * `npm run bench`: runs every benchmark and records the results in docs/benchmarks.md. Each bench
 * file runs in a fresh process, so one's servers, caches and module state cannot skew another's.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Bench, BenchResult } from './harness';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';

const only = process.argv[2] === '--one' ? [] : process.argv.slice(2);
const dir = new URL('.', import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
if (process.argv[2] === '--one') {
  // Child mode: run one bench file and hand its results to the parent as JSON on fd 3.
  const { bench } = (await import(new URL(process.argv[3]!, dir).href)) as { bench: Bench };
  const results = await bench.run();
  writeFileSync(3, JSON.stringify(results));
  process.exit(0);
}

const rows: BenchResult[] = [];
// A bench that crashes is recorded as a failed row and the run goes on: the others' figures are
// still written (and the run exits 1).
const crashed: string[] = [];
for (const file of files) {
  console.log(`▶ ${file.replace('.bench.ts', '')}`);
  const child = spawnSync(process.execPath, ['--import', 'tsx', new URL('run.ts', dir).pathname, '--one', file], {
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) {
    console.log(`  ✗ ${file} crashed (exit ${child.status ?? child.signal}): its figures are not recorded`);
    crashed.push(file);
    continue;
  }
  const results = JSON.parse(String(child.output[3])) as BenchResult[];
  for (const r of results) {
    console.log(`  ${r.pass ? '✓' : '✗'} ${r.bar}: ${r.measured} vs ${r.baseline} → ${r.ratio.toFixed(2)} (target ${r.target})`);
  }
  rows.push(...results);
}

const out = new URL('../../docs/benchmarks.md', import.meta.url);
const header =
  '# Benchmarks\n\nRecorded by `npm run bench` (newest run first). Each bar is a ratio to a baseline measured side by side in the same run on the same machine; its target is in the table, set where it is measured (`test/bench/*.bench.ts`).\n';
const previous = existsSync(out) ? readFileSync(out, 'utf8').replace(header, '') : '';
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const table = [
  `## ${new Date().toISOString()} (${machine})${only.length ? ` — only ${only.join(', ')}` : ''}`,
  '',
  '| bar | measured | baseline | ratio | target | pass | method |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) => `| ${r.bar} | ${r.measured} | ${r.baseline} | ${r.ratio.toFixed(2)} | ${r.target} | ${r.pass ? 'yes' : '**no**'} | ${r.method} |`,
  ),
  ...crashed.map((file) => `| ${file.replace('.bench.ts', '')} | crashed: not measured | | | | **no** | see the run's output |`),
  '',
].join('\n');
writeFileSync(out, `${header}\n${table}\n${previous.trimStart()}`);

// The same run for machines: bench/results/latest.json, and a line of bench/results/history.ndjson.
// Figures a run did not measure (another bench's, or one asked for by name) are null.
const record: Record<string, unknown> = {
  commit: spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim(),
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'cpu', node: process.version },
  ...(only.length ? { only } : {}),
  ...(crashed.length ? { crashed } : {}),
  append: null,
  feed: null,
  page: null,
  freshness: null,
  replay: null,
  coldstart: null,
  concurrency: null,
  // The mixed load of `npm run load` with its defaults (load.bench.ts).
  load: null,
};
for (const { record: r } of rows) {
  if (!r) continue;
  if (r.section === 'coldstart.functions') {
    const coldstart = (record.coldstart ??= { functions: [] }) as { functions: unknown[] };
    coldstart.functions.push(r.values);
  } else {
    record[r.section] = { ...((record[r.section] as object | null) ?? {}), ...r.values };
  }
}
const results = new URL('../../bench/results/', import.meta.url);
mkdirSync(results, { recursive: true });
// Three decimals are more than any of these figures can tell apart.
const rounded = (_key: string, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value);
writeFileSync(new URL('latest.json', results), `${JSON.stringify(record, rounded, 2)}\n`);
appendFileSync(new URL('history.ndjson', results), `${JSON.stringify(record, rounded)}\n`);
console.log(`\nRecorded in docs/benchmarks.md`);
if (crashed.length > 0 || rows.some((r) => !r.pass)) process.exitCode = 1;
