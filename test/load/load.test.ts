/**
 * `npm run load`, the tool itself, run briefly: a 3-second mixed load at a low rate (10 reads/s, 3 writes/s) against the
 * newsroom it starts. No latency is asserted (this machine is shared); what must hold at any speed
 * is that every request was answered without an error and every acknowledged write is in the log
 * exactly once, gap-free, and that the figures it writes add up.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUCKETS_MS, latency, type LoadReport } from './load';

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'newsroom-load-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run load', () => {
  it('a short run: no errors, no lost writes, figures that add up', async () => {
    const out = join(dir, 'load.json');
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        // A generous request timeout: a timeout is an error, and this asserts no latency on a shared machine.
        ['--import', 'tsx', 'test/load/run.ts', '--reads', '10', '--writes', '3', '--duration', '3', '--timeout', '30000', '--out', out],
        { cwd: root, timeout: 150_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Reads: 30 answered · p50 [\d.]+ ms · p90 [\d.]+ ms · p99 [\d.]+ ms · max [\d.]+ ms/m);
    expect(run.stdout).toMatch(/^Server \(pid \d+\) peak RSS [\d.]+ MiB/m);
    expect(run.stdout).toContain('PASS: no errors, no lost writes');

    const report = JSON.parse(readFileSync(out, 'utf8')) as LoadReport;
    expect(report.pass).toBe(true);
    for (const stream of [report.reads, report.writes]) {
      expect(stream.errorCount).toBe(0);
      expect(stream.errors).toEqual({});
      expect(stream.completed + stream.notSent).toBe(stream.scheduled);
      expect(stream.latencyMs.buckets.reduce((n, b) => n + b.count, 0)).toBe(stream.completed);
    }
    expect(report.reads.scheduled).toBe(30);
    expect(report.reads.statuses).toEqual({ 200: report.reads.completed });
    expect(report.writes.scheduled).toBe(9);
    expect(report.writes.statuses).toEqual({ 201: report.writes.completed });
    expect(report.writes.acknowledged).toBe(report.writes.completed);
    expect(report.writes.acknowledged).toBeGreaterThan(0);
    // Every acknowledged statement, after the StoryOpened event, and nothing else.
    expect(report.log).toMatchObject({ lost: 0, duplicated: 0, versionMismatches: 0, gaps: 0, unacknowledgedStored: 0 });
    expect(report.log.events).toBe(report.writes.acknowledged + 1);
    expect(Object.values(report.readTargets).reduce((n, t) => n + t.count, 0)).toBe(report.reads.completed);
    expect(report.server.peakRssMiB).toBeGreaterThan(0);
  }, 160_000);

  it('buckets latencies by upper bound, the slowest beyond the last', () => {
    const l = latency([0.5, 1, 1.5, 7, 7, 4999, 6000]);
    expect(l.buckets).toHaveLength(BUCKETS_MS.length + 1);
    expect(l.buckets.filter((b) => b.count > 0)).toEqual([
      { le: 1, count: 2 },
      { le: 2, count: 1 },
      { le: 10, count: 2 },
      { le: 5000, count: 1 },
      { le: '+Inf', count: 1 },
    ]);
    expect(l).toMatchObject({ count: 7, p50: 7, max: 6000 });
  });
});
