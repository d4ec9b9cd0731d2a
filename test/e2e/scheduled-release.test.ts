/**
 * The local scheduler across a restart: `npm start` records an embargoed statement, is stopped
 * (SIGTERM, as Ctrl-C) before its release time, and started again on the same data directory
 * after it: on start the server releases what fell due while it was down, and the statement is
 * in the public feed, published at its release time (not at the restart).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../functions/local/dynamodb-local';
import { allEvents, exited, killGroup, startNewsroomProcess } from '../support/newsroom-process';
import { until } from '../support/until';

const STORY = 'scheduled-release-restart';
const TOKEN = 'scheduled-release-token';
const QUOTE = 'Released while the newsroom was down';
const dataDir = mkdtempSync(join(tmpdir(), 'newsroom-release-'));
let child: ChildProcess | undefined;

afterAll(() => {
  killGroup(child);
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (url: string, path: string, body: unknown) =>
  fetch(url + path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('the local release scheduler', () => {
  it('releases on start what fell due while the server was down, published at its release time', async () => {
    const port = await freePort();
    const first = await startNewsroomProcess({ port, dataDir, token: TOKEN, env: { NEWSROOM_SEED: '0' } });
    child = first.proc;
    expect((await post(first.url, '/api/stories', { id: STORY, headline: 'Restart', summary: 'A scheduled release across a restart.' })).status).toBe(
      201,
    );
    const releaseAt = new Date(Date.now() + 10_000).toISOString();
    const posted = await post(first.url, `/api/stories/${STORY}/updates`, {
      type: 'statement',
      speaker: { name: 'Example Envoy' },
      quote: QUOTE,
      releaseAt,
    });
    expect(posted.status).toBe(201);
    const { updateId } = (await posted.json()) as { updateId: string };

    process.kill(first.proc.pid!, 'SIGTERM');
    expect(await exited(first.proc)).toMatchObject({ code: 0 });
    const stoppedAt = Date.now();
    // The premise: the server was down when the release fell due (it stops in well under 10 s).
    expect(stoppedAt, 'stopped before the release time').toBeLessThan(Date.parse(releaseAt));
    await new Promise((r) => setTimeout(r, Date.parse(releaseAt) - Date.now() + 500));

    const second = await startNewsroomProcess({ port, dataDir, token: TOKEN, env: { NEWSROOM_SEED: '0' } });
    child = second.proc;
    const feed = await until(async () => {
      const text = await (await fetch(`${second.url}/stories/${STORY}/feed.atom`)).text();
      return text.includes(QUOTE) ? text : undefined;
    }, 30_000);
    expect(feed).toContain(`<published>${releaseAt}</published>`);
    const releases = (await allEvents(second.url, STORY)).filter((e) => e.type === 'UpdateReleased');
    expect(releases).toHaveLength(1);
    expect(releases[0]).toMatchObject({ data: { target: updateId, releaseAt }, metadata: { recordedBy: 'system' } });
    expect(Date.parse(releases[0]!.metadata.recordedAt)).toBeGreaterThan(stoppedAt);

    process.kill(second.proc.pid!, 'SIGTERM');
    await exited(second.proc);
    // Two starts of `npm start` (each its own DynamoDB Local JVM), as the crash-recovery test allows.
  }, 180_000);
});
