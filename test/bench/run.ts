/**
 * `npm run bench`: runs every benchmark and records the results in docs/benchmarks.md. Each bench
 * file runs in a fresh process, so one's servers, caches and module state cannot skew another's.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
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
for (const file of files) {
  console.log(`▶ ${file.replace('.bench.ts', '')}`);
  const child = spawnSync(process.execPath, ['--import', 'tsx', new URL('run.ts', dir).pathname, '--one', file], {
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`${file} failed (exit ${child.status ?? child.signal})`);
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
  '',
].join('\n');
writeFileSync(out, `${header}\n${table}\n${previous.trimStart()}`);
console.log(`\nRecorded in docs/benchmarks.md`);
if (rows.some((r) => !r.pass)) process.exitCode = 1;
