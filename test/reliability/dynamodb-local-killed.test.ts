/**
 * DynamoDB Local SIGKILLed under a running newsroom and a light load of writes and reads: while it
 * is down requests answer 503 problem+json with Retry-After (no other 5xx), it is started again
 * on the same port and data, the same server process serves again, every acknowledged write is
 * in the log exactly once, and the projector resumes from its checkpoint and catches up.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../functions/local/dynamodb-local';
import { allEvents, endpointInfo, killGroup, startNewsroomProcess, postStatement } from '../support/newsroom-process';

const STORY = 'kyrgyzstan-bakiyev-ouster-2010';
const TOKEN = 'reliability-token';
const dataDir = mkdtempSync(join(tmpdir(), 'newsroom-ddb-killed-'));
let child: ChildProcess | undefined;

afterAll(() => {
  killGroup(child);
  rmSync(dataDir, { recursive: true, force: true });
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DynamoDB Local killed under load', () => {
  it('answers 503 with Retry-After while it restarts, loses no acknowledged write and recovers without a server restart', async () => {
    const newsroom = await startNewsroomProcess({ port: await freePort(), dataDir, token: TOKEN });
    child = newsroom.proc;
    const statuses = new Map<number, number>();
    const unavailable: { retryAfter: string | null; type: string | null }[] = [];
    const acknowledged: string[] = [];
    let failedConnections = 0;
    let stop = false;
    const count = async (res: Response) => {
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 503) unavailable.push({ retryAfter: res.headers.get('retry-after'), type: res.headers.get('content-type') });
    };
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await postStatement(newsroom.url, STORY, TOKEN, `Writer ${w}`, `load ${w}-${i}`);
          await count(res);
          if (res.status === 201) acknowledged.push(((await res.json()) as { updateId: string }).updateId);
          else await res.arrayBuffer();
        } catch {
          failedConnections += 1;
        }
        await pause(25);
      }
    };
    const reader = async () => {
      const paths = [`/api/stories/${STORY}`, `/stories/${STORY}/feed.atom`, `/stories/${STORY}`, '/api/stories'];
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(newsroom.url + paths[i % paths.length]!);
          await count(res);
          await res.arrayBuffer();
        } catch {
          failedConnections += 1;
        }
        await pause(10);
      }
    };
    const load = Promise.all([writer(1), writer(2), reader()]);

    while (acknowledged.length < 20) await pause(20);
    const before = endpointInfo(dataDir).storePid!;
    process.kill(before, 'SIGKILL');
    const ackedAtKill = acknowledged.length;
    // The supervisor starts another Java process on the same port; the load goes on meanwhile.
    for (
      const deadline = Date.now() + 45_000;
      (endpointInfo(dataDir).storePid === before || acknowledged.length < ackedAtKill + 20) && Date.now() < deadline;
    ) {
      await pause(50);
    }
    stop = true;
    await load;

    const serverErrors = [...statuses].filter(([status]) => status >= 500 && status !== 503);
    expect({
      restarted: endpointInfo(dataDir).storePid !== before,
      acknowledgedAfterKill: acknowledged.length >= ackedAtKill + 20,
      // The same server process served throughout, and answered every request.
      serverExitCode: newsroom.proc.exitCode,
      failedConnections,
      serverErrors,
    }).toEqual({ restarted: true, acknowledgedAfterKill: true, serverExitCode: null, failedConnections: 0, serverErrors: [] });
    expect(unavailable.length).toBeGreaterThan(0);
    for (const answer of unavailable)
      expect(answer).toEqual({ retryAfter: expect.stringMatching(/^\d+$/), type: expect.stringContaining('application/problem+json') });

    // Every acknowledged write is stored exactly once, the versions gap-free.
    const events = await allEvents(newsroom.url, STORY);
    const ids = events.map((e) => e.metadata.updateId);
    for (const id of acknowledged) expect(ids).toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.map((e) => e.metadata.version)).toEqual(events.map((_, i) => i + 1));

    // The poller resumed: the view catches up with the log.
    const head = events.length;
    let version = 0;
    for (const deadline = Date.now() + 30_000; version !== head && Date.now() < deadline;) {
      version = ((await (await fetch(`${newsroom.url}/api/stories/${STORY}?limit=1`)).json()) as { version: number }).version;
      if (version !== head) await pause(50);
    }
    expect(version).toBe(head);

    // Said once each, not on every poll or request.
    const lines = newsroom.output().split('\n');
    const said = (pattern: RegExp) => lines.filter((l) => pattern.test(l));
    expect(said(/^DynamoDB Local exited/)).toHaveLength(1);
    expect(said(/^DynamoDB Local is back/)).toHaveLength(1);
    expect(said(/stream poll failed/).length, said(/stream poll/).join('\n')).toBeLessThanOrEqual(2);
  }, 90_000);
});
