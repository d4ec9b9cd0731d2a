/**
 * The mixed load of `npm run load` (DESIGN.md §6, "Load"): a newsroom started here as its own
 * process (`functions/local/start.ts`, as `npm start` runs it) on a fresh data directory, then an
 * open-loop schedule of reads over one story's surfaces and writes to that story, on loopback.
 *
 * Open loop: request i of a stream is due at t0 + i / rate and is sent then, however long earlier
 * ones take, so a slow server shows up as latency rather than as a lower offered rate. Latency is
 * measured from when a request was due, not from when it left (no coordinated omission). When
 * `maxInFlight` requests of its stream are outstanding a due request is not sent, and is counted as
 * such. Reads and writes are capped apart, as readers and editors are apart: a pile-up of slow
 * reads does not keep an editor's write from leaving.
 *
 * Afterwards the story's event log (read with the editor's token) must hold every acknowledged
 * update exactly once, at the version its 201 named, with versions gap-free.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../functions/local/dynamodb-local';

export interface LoadOptions {
  readsPerSecond: number;
  writesPerSecond: number;
  seconds: number;
  /** Requests outstanding at once, per stream (reads; writes); a due request beyond it is not sent. */
  maxInFlight: number;
  /** A request not answered by then counts as an error ("timeout"). */
  timeoutMs: number;
  log?: (line: string) => void;
  /** Stops scheduling early (Ctrl-C); what was sent is still checked. */
  signal?: AbortSignal;
}

export const DEFAULT_LOAD: LoadOptions = { readsPerSecond: 200, writesPerSecond: 20, seconds: 60, maxInFlight: 256, timeoutMs: 10_000 };

/** Upper bounds of the latency buckets, in ms; the last bucket is everything slower. */
export const BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] as const;

export interface Latency {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  /** `le` is the bucket's upper bound in ms ("+Inf" for the rest); counts are per bucket, not cumulative. */
  buckets: { le: number | '+Inf'; count: number }[];
}

export interface StreamReport {
  offeredPerSecond: number;
  /** Due during the run. */
  scheduled: number;
  /** Due but not sent: maxInFlight requests were outstanding. */
  notSent: number;
  /** Answered (any status). */
  completed: number;
  /** Answered per second over the run (from the first due time to the last answer). */
  servedPerSecond: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
  /** Responses with a status ≥ 400, and requests without a response (by cause). */
  errors: Record<string, number>;
  errorCount: number;
  latencyMs: Latency;
  /** How late requests left after they were due (included in latencyMs): large, and the figures measure the load generator too. */
  sendLagMs: { p50: number; p99: number; max: number };
}

export interface LoadReport {
  tool: 'npm run load';
  startedAt: string;
  machine: { cpus: number; model: string; memoryGiB: number; node: string; loadAverageBefore: number[]; loadAverageAfter: number[] };
  options: Omit<LoadOptions, 'log' | 'signal'>;
  story: string;
  /** Per read target: p50 / p99 and count. */
  readTargets: Record<string, { count: number; p50: number; p99: number }>;
  reads: StreamReport;
  writes: StreamReport & { acknowledged: number };
  log: {
    /** Events in the story's log after the run. */
    events: number;
    /** Acknowledged (201) updates missing from the log. */
    lost: number;
    /** Acknowledged updates present more than once. */
    duplicated: number;
    /** Acknowledged updates stored at another version than their 201 said. */
    versionMismatches: number;
    /** Versions missing from 1…head. */
    gaps: number;
    /** Updates in the log that got no 201 (an error or timeout after the write landed): not lost. */
    unacknowledgedStored: number;
    /** From the end of the run until the story's view reached the log's head (null: not within 30 s). */
    projectionCaughtUpMs: number | null;
  };
  server: { pid: number; peakRssMiB: number; dynamodbLocal: { pid: number; peakRssMiB: number }[] };
  /** The bar: no errors and no lost writes. */
  pass: boolean;
}

interface LogPage {
  events: { metadata: { version: number; updateId: string } }[];
  next?: string;
}

const ROOT = new URL('../../', import.meta.url).pathname;
const STORY = 'load-test-story';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ── the newsroom under load ────────────────────────────────────────────────────────────────────

interface Server {
  url: string;
  pid: number;
  token: string;
  output(): string;
  stop(): Promise<void>;
}

/** `npm start` as its own process (so its RSS is its own), on a fresh data directory and a free port. */
async function startServer(writesPerSecond: number): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'newsroom-load-'));
  const token = randomBytes(24).toString('base64url');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    NEWSROOM_DATA_DIR: dataDir,
    NEWSROOM_EDITOR_TOKENS: `load:${token}`,
    // The per-editor write limit is not what is measured: keep it well above the offered rate.
    NEWSROOM_WRITE_RATE: String(Math.max(20, 2 * writesPerSecond)),
    NEWSROOM_WRITE_BURST: String(Math.max(100, 10 * writesPerSecond)),
  };
  for (const name of ['NEWSROOM_IN_MEMORY', 'DYNAMODB_ENDPOINT', 'DYNAMODB_VIEWS_ENDPOINT', 'PUBLIC_BASE_URL', 'WEBSUB_HUB_URL']) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/local/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // Read to the end, always: a full pipe would stall the server.
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      killAll(withCmdline(descendantsOf(child.pid!)));
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      reject(new Error(`the newsroom did not start within 120 s:\n${output}`));
    }, 120_000);
    const ready = (chunk: Buffer) => {
      const match = /Newsroom ready at (\S+)/.exec(output + chunk.toString());
      if (match) {
        clearTimeout(timer);
        child.stdout.off('data', ready);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', ready);
    void exited.then((code) => {
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
      reject(new Error(`the newsroom exited (${code}) before it was ready:\n${output}`));
    });
  });
  const pid = child.pid!;
  return {
    url,
    pid,
    token,
    output: () => output,
    async stop() {
      const descendants = withCmdline(descendantsOf(pid));
      child.kill('SIGTERM');
      // It drains and stops DynamoDB Local on SIGTERM; past 30 s, it is killed.
      const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(force);
      // What the server started (DynamoDB Local), should a forced stop have left it behind.
      killAll(descendants);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * SIGKILL to each of these processes (the server's children) still running as it was: a pid whose
 * command line changed was freed and reused by someone else's process, which is not ours to end.
 */
function killAll(processes: { pid: number; cmdline: string }[]): void {
  for (const p of processes) {
    if (!p.cmdline || cmdline(p.pid) !== p.cmdline) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone already, as it should be
    }
  }
}

const withCmdline = (pids: number[]) => pids.map((pid) => ({ pid, cmdline: cmdline(pid) }));

/** kB of a /proc/<pid>/status field (VmHWM: the peak resident set; VmRSS: now). */
function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Every process below `pid` (DynamoDB Local's JVM, and whatever launched it). */
function descendantsOf(pid: number): number[] {
  if (!existsSync('/proc')) return [];
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [child, ppid] of parent) {
      if (ppid !== p) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
};

// ── HTTP ───────────────────────────────────────────────────────────────────────────────────────

type Outcome = { status: number; body?: string } | { error: string };

function send(
  agent: Agent,
  base: URL,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
  timeoutMs: number,
  body?: string,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined = undefined;
    const done = (outcome: Outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = request({ host: base.hostname, port: base.port, method, path, agent, headers }, (res) => {
      const keepBody = method === 'POST' || (res.statusCode ?? 0) >= 400;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => keepBody && chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, ...(keepBody ? { body: Buffer.concat(chunks).toString() } : {}) }));
      res.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code ?? e.message }));
    });
    // The whole exchange, not just an idle socket: a response still trickling in at the deadline is one too late.
    timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })), timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code ?? e.message }));
    req.end(body);
  });
}

async function json<T>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T | undefined }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, body: res.ok ? (JSON.parse(text) as T) : undefined };
}

// ── figures ────────────────────────────────────────────────────────────────────────────────────

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round = (n: number) => Math.round(n * 100) / 100;

export function latency(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const counts = new Array<number>(BUCKETS_MS.length + 1).fill(0);
  for (const s of sorted) {
    const i = BUCKETS_MS.findIndex((le) => s <= le);
    counts[i === -1 ? BUCKETS_MS.length : i]!++;
  }
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? 0),
    mean: round(sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0),
    buckets: counts.map((count, i) => ({ le: BUCKETS_MS[i] ?? '+Inf', count })),
  };
}

class Stream {
  scheduled = 0;
  inFlight = 0;
  notSent = 0;
  completed = 0;
  lastAnswer = 0;
  readonly statuses: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  readonly samples: number[] = [];
  /** How late each request left after it was due: the load generator's own lag (CPU-starved, it sends late). */
  readonly lag: number[] = [];

  constructor(readonly perSecond: number) {}

  record(outcome: Outcome, due: number): void {
    const now = performance.now();
    if ('error' in outcome) {
      this.errors[outcome.error] = (this.errors[outcome.error] ?? 0) + 1;
      return;
    }
    this.completed++;
    this.lastAnswer = Math.max(this.lastAnswer, now);
    this.samples.push(now - due);
    this.statuses[outcome.status] = (this.statuses[outcome.status] ?? 0) + 1;
    if (outcome.status >= 400) this.errors[String(outcome.status)] = (this.errors[String(outcome.status)] ?? 0) + 1;
  }

  /** `seconds`: the scheduled window; answers coming in after it stretch it (a server falling behind serves less). */
  report(t0: number, seconds: number): StreamReport {
    seconds = Math.max(seconds, (this.lastAnswer - t0) / 1000);
    const lag = latency(this.lag);
    return {
      offeredPerSecond: this.perSecond,
      scheduled: this.scheduled,
      notSent: this.notSent,
      completed: this.completed,
      servedPerSecond: round(this.completed / seconds),
      statuses: this.statuses,
      errors: this.errors,
      errorCount: Object.values(this.errors).reduce((a, b) => a + b, 0),
      latencyMs: latency(this.samples),
      sendLagMs: { p50: lag.p50, p99: lag.p99, max: lag.max },
    };
  }
}

// ── the run ────────────────────────────────────────────────────────────────────────────────────

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const say = options.log ?? (() => {});
  const { readsPerSecond, writesPerSecond, seconds, maxInFlight, timeoutMs } = options;
  const loadAverageBefore = loadavg().map(round);
  const startedAt = new Date().toISOString();
  say(`Starting a newsroom on a fresh data directory…`);
  const starting = performance.now();
  const server = await startServer(writesPerSecond);
  say(`Newsroom ready at ${server.url} (pid ${server.pid}) in ${((performance.now() - starting) / 1000).toFixed(1)} s`);
  const agent = new Agent({ keepAlive: true, maxSockets: 2 * maxInFlight });
  try {
    const base = new URL(server.url);
    const auth = { Authorization: `Bearer ${server.token}` };
    // The story under load: its own, never a real one (everything posted to it is invented).
    const opened = await fetch(`${server.url}/api/stories`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: STORY, headline: 'Load test (not news)', summary: 'Invented statements posted by npm run load.' }),
    });
    if (opened.status !== 201) throw new Error(`opening ${STORY} answered ${opened.status}: ${await opened.text()}`);
    // Every read target answers before the clock starts (the projector has built the view).
    for (const deadline = Date.now() + 30_000; ; await sleep(50)) {
      if ((await fetch(`${server.url}/api/stories/${STORY}`)).status === 200) break;
      if (Date.now() > deadline) throw new Error(`${STORY} was not readable within 30 s`);
    }

    const targets = [
      `/stories/${STORY}/feed.atom`,
      `/stories/${STORY}/feed.rss`,
      `/stories/${STORY}/feed.json`,
      `/api/stories/${STORY}`,
      `/stories/${STORY}`,
      '/feed.atom',
    ];
    const byTarget = new Map<string, number[]>(targets.map((t) => [t, []]));
    const reads = new Stream(readsPerSecond);
    const writes = new Stream(writesPerSecond);
    const acks: { updateId: string; version: number }[] = [];
    const pending = new Set<Promise<void>>();
    const readHeaders = { 'Accept-Encoding': 'gzip, br' };
    const writeHeaders = { ...auth, 'Content-Type': 'application/json' };

    const fire = (stream: Stream, due: number, go: () => Promise<void>) => {
      stream.scheduled++;
      if (stream.inFlight >= maxInFlight) {
        stream.notSent++;
        return;
      }
      stream.inFlight++;
      stream.lag.push(performance.now() - due);
      const p: Promise<void> = go().finally(() => {
        stream.inFlight--;
        pending.delete(p);
      });
      pending.add(p);
    };
    const read = (i: number, due: number) =>
      fire(reads, due, async () => {
        const target = targets[i % targets.length]!;
        const outcome = await send(agent, base, 'GET', target, readHeaders, timeoutMs);
        reads.record(outcome, due);
        if (!('error' in outcome)) byTarget.get(target)!.push(performance.now() - due);
      });
    const write = (i: number, due: number) =>
      fire(writes, due, async () => {
        const body = JSON.stringify({
          type: 'statement',
          speaker: { name: 'Load Test Speaker (fictional)', role: 'load generator' },
          quote: `Load statement ${i}`,
        });
        const outcome = await send(agent, base, 'POST', `/api/stories/${STORY}/updates`, writeHeaders, timeoutMs, body);
        writes.record(outcome, due);
        if (!('error' in outcome) && outcome.status === 201) acks.push(JSON.parse(outcome.body!) as { updateId: string; version: number });
      });

    const readTotal = Math.floor(readsPerSecond * seconds);
    const writeTotal = Math.floor(writesPerSecond * seconds);
    const dueAt = (t0: number, i: number, rate: number) => t0 + (i * 1000) / rate;
    say(`Load: ${readsPerSecond} reads/s over ${targets.length} targets + ${writesPerSecond} writes/s to ${STORY}, for ${seconds} s (open loop)`);
    const t0 = performance.now() + 20;
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(statusKb(server.pid, 'VmRSS')), 250);
    let r = 0;
    let w = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now();
        for (; r < readTotal && dueAt(t0, r, readsPerSecond) <= now; r++) read(r, dueAt(t0, r, readsPerSecond));
        for (; w < writeTotal && dueAt(t0, w, writesPerSecond) <= now; w++) write(w, dueAt(t0, w, writesPerSecond));
        const next = Math.min(r < readTotal ? dueAt(t0, r, readsPerSecond) : Infinity, w < writeTotal ? dueAt(t0, w, writesPerSecond) : Infinity);
        if (next === Infinity || options.signal?.aborted) return resolve();
        setTimeout(tick, Math.max(0, next - performance.now()));
      };
      tick();
    });
    // Bounded: every request ends by its timeout.
    while (pending.size) await Promise.all([...pending]);
    const ended = performance.now();
    clearInterval(sampler);

    // The log, as an editor reads it (the whole record), page by page.
    const stored: { version: number; updateId: string }[] = [];
    for (let next: string | undefined = `/api/stories/${STORY}/events?limit=1000`; next;) {
      const page: { status: number; body: LogPage | undefined } = await json<LogPage>(server.url + next, auth);
      if (!page.body) throw new Error(`reading the event log answered ${page.status}`);
      stored.push(...page.body.events.map((e) => e.metadata));
      next = page.body.next;
    }
    const head = stored.reduce((max, e) => Math.max(max, e.version), 0);
    let projectionCaughtUpMs: number | null = null;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(20)) {
      const view = await json<{ version: number }>(`${server.url}/api/stories/${STORY}`);
      if ((view.body?.version ?? 0) >= head) {
        projectionCaughtUpMs = Math.round(performance.now() - ended);
        break;
      }
    }

    const where = new Map<string, number[]>();
    for (const e of stored) where.set(e.updateId, [...(where.get(e.updateId) ?? []), e.version]);
    const versions = new Set(stored.map((e) => e.version));
    const acked = new Set(acks.map((a) => a.updateId));
    const log = {
      events: stored.length,
      lost: acks.filter((a) => !where.has(a.updateId)).length,
      duplicated: acks.filter((a) => (where.get(a.updateId)?.length ?? 0) > 1).length,
      versionMismatches: acks.filter((a) => where.has(a.updateId) && !where.get(a.updateId)!.includes(a.version)).length,
      gaps: head - versions.size,
      // The StoryOpened event was acknowledged before the clock started.
      unacknowledgedStored: stored.filter((e) => e.version > 1 && !acked.has(e.updateId)).length,
      projectionCaughtUpMs,
    };

    const dynamodbLocal = descendantsOf(server.pid)
      .filter((p) => /java/.test(cmdline(p)))
      .map((p) => ({ pid: p, peakRssMiB: round(statusKb(p, 'VmHWM') / 1024) }));
    const peakKb = Math.max(statusKb(server.pid, 'VmHWM'), ...rss);
    const readReport = reads.report(t0, seconds);
    const writeReport = { ...writes.report(t0, seconds), acknowledged: acks.length };
    return {
      tool: 'npm run load',
      startedAt,
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model ?? 'cpu',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        loadAverageBefore,
        loadAverageAfter: loadavg().map(round),
      },
      options: { readsPerSecond, writesPerSecond, seconds, maxInFlight, timeoutMs },
      story: STORY,
      readTargets: Object.fromEntries(
        [...byTarget].map(([t, s]) => {
          const l = latency(s);
          return [t, { count: l.count, p50: l.p50, p99: l.p99 }];
        }),
      ),
      reads: readReport,
      writes: writeReport,
      log,
      server: { pid: server.pid, peakRssMiB: round(peakKb / 1024), dynamodbLocal },
      pass:
        readReport.errorCount === 0 &&
        writeReport.errorCount === 0 &&
        log.lost === 0 &&
        log.duplicated === 0 &&
        log.versionMismatches === 0 &&
        log.gaps === 0,
    };
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- newsroom output (tail) ---\n${server.output().slice(-2000)}`, {
      cause: error,
    });
  } finally {
    agent.destroy();
    await server.stop();
  }
}

// ── printing ───────────────────────────────────────────────────────────────────────────────────

function histogram(name: string, l: Latency): string[] {
  const widest = Math.max(1, ...l.buckets.map((b) => b.count));
  return [
    `${name}: ${l.count} answered · p50 ${l.p50} ms · p90 ${l.p90} ms · p99 ${l.p99} ms · max ${l.max} ms · mean ${l.mean} ms`,
    ...l.buckets.map((b, i) => {
      const from = i === 0 ? 0 : BUCKETS_MS[i - 1]!;
      const label = b.le === '+Inf' ? `> ${from} ms` : `${from}–${b.le} ms`;
      return `  ${label.padStart(14)} ${String(b.count).padStart(7)} ${'█'.repeat(Math.round((40 * b.count) / widest))}`;
    }),
  ];
}

const counts = (m: Record<string, number>) =>
  Object.keys(m).length
    ? Object.entries(m)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')
    : 'none';

export function describe(report: LoadReport): string {
  const { reads, writes, log, server, options } = report;
  const stream = (name: string, s: StreamReport) =>
    `${name}: offered ${s.offeredPerSecond}/s (${s.scheduled} due, ${s.notSent} not sent: ${options.maxInFlight} in flight) · served ${s.servedPerSecond}/s · sent late p99 ${s.sendLagMs.p99} ms, max ${s.sendLagMs.max} ms · statuses ${counts(s.statuses)} · errors ${counts(s.errors)}`;
  return [
    '',
    ...histogram('Reads', reads.latencyMs),
    ...Object.entries(report.readTargets).map(([t, v]) => `  ${t}: ${v.count} · p50 ${v.p50} ms · p99 ${v.p99} ms`),
    '',
    ...histogram('Writes', writes.latencyMs),
    '',
    stream('Reads ', reads),
    stream('Writes', writes),
    `Event log: ${log.events} events · ${writes.acknowledged} acknowledged · lost ${log.lost} · duplicated ${log.duplicated} · version mismatches ${log.versionMismatches} · gaps ${log.gaps} · stored without a 201 ${log.unacknowledgedStored}`,
    `Projection caught up ${log.projectionCaughtUpMs === null ? 'not within 30 s' : `${log.projectionCaughtUpMs} ms`} after the run`,
    `Server (pid ${server.pid}) peak RSS ${server.peakRssMiB} MiB${server.dynamodbLocal.map((d) => ` · DynamoDB Local (pid ${d.pid}) ${d.peakRssMiB} MiB`).join('')}`,
    `Load average before ${report.machine.loadAverageBefore.join(' ')} · after ${report.machine.loadAverageAfter.join(' ')}`,
    '',
    report.pass ? 'PASS: no errors, no lost writes' : 'FAIL: errors or lost writes (see above)',
  ].join('\n');
}
