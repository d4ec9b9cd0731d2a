/** `npm run bench`: runs every benchmark and records the results in docs/benchmarks.md. */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Bench, BenchResult } from './harness';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

const only = process.argv.slice(2);
const dir = new URL('.', import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
const rows: BenchResult[] = [];
for (const file of files) {
  const { bench } = (await import(new URL(file, dir).href)) as { bench: Bench };
  console.log(`▶ ${bench.name}`);
  const results = await bench.run();
  for (const r of results) {
    console.log(`  ${r.pass ? '✓' : '✗'} ${r.bar}: ${r.measured} vs ${r.baseline} → ${r.ratio.toFixed(2)} (target ${r.target})`);
  }
  rows.push(...results);
}

const out = new URL('../../docs/benchmarks.md', import.meta.url);
const header = '# Benchmarks\n\nRecorded by `npm run bench` (newest run first). Each bar from DESIGN.md §6 is measured side by side with its baseline in one run.\n';
const previous = existsSync(out) ? readFileSync(out, 'utf8').replace(header, '') : '';
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const table = [
  `## ${new Date().toISOString()} (${machine})${only.length ? ` — only ${only.join(', ')}` : ''}`,
  '',
  '| bar | measured | baseline | ratio | target | pass | method |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.bar} | ${r.measured} | ${r.baseline} | ${r.ratio.toFixed(2)} | ${r.target} | ${r.pass ? 'yes' : '**no**'} | ${r.method} |`),
  '',
].join('\n');
writeFileSync(out, `${header}\n${table}\n${previous.trimStart()}`);
console.log(`\nRecorded in docs/benchmarks.md`);
if (rows.some((r) => !r.pass)) process.exitCode = 1;
