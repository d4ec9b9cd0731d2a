/**
 * SIGTERM while a POST is in flight (sent to the process group, DynamoDB Local included): the
 * newsroom stops accepting connections, lets the POST finish (201, the event stored), then stops the poller and DynamoDB Local and exits 0. A second
 * signal during the drain exits at once with status 1, and takes DynamoDB Local along.
 */
import type { ChildProcess } from 'node:child_process';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../functions/local/dynamodb-local';
import { allEvents, dynamoLocalsOn, exited, killGroup, startNewsroomProcess, type NewsroomProcess } from '../support/newsroom-process';

const STORY = 'kyrgyzstan-bakiyev-ouster-2010';
const TOKEN = 'reliability-token';
const dataDir = mkdtempSync(join(tmpdir(), 'newsroom-sigterm-'));
const children: ChildProcess[] = [];

afterAll(() => {
  children.forEach(killGroup);
  for (const pid of dynamoLocalsOn(dataDir)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * A POST that sends its headers, with `Expect: 100-continue`, and its body only on `finish()`:
 * `accepted` resolves once the server has read the headers (it answers 100 Continue), so the
 * request is in flight from then.
 */
function slowPost(
  url: string,
  quote: string,
): { req: ClientRequest; accepted: Promise<void>; finish(): void; response: Promise<{ status: number; body: string }> } {
  const body = Buffer.from(JSON.stringify({ type: 'statement', speaker: { name: 'Roza Otunbayeva' }, quote }));
  const req = request(`${url}/api/stories/${STORY}/updates`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${TOKEN}`,
      'Content-Type': 'application/json',
      'Content-Length': body.length,
      Expect: '100-continue',
    },
  });
  const accepted = new Promise<void>((resolve) => req.once('continue', () => resolve()));
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res: IncomingMessage) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
  });
  req.flushHeaders();
  return { req, accepted, finish: () => req.end(body), response };
}

async function until(probe: () => boolean, what: string, ms = 20_000): Promise<void> {
  for (const deadline = Date.now() + ms; !probe();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const stopping = (newsroom: NewsroomProcess) => () => newsroom.output().includes('SIGTERM: stopping the newsroom');

describe('SIGTERM', () => {
  it('drains an in-flight POST: it completes with 201 and its event is stored', async () => {
    const port = await freePort();
    const newsroom = await startNewsroomProcess({ port, dataDir, token: TOKEN });
    children.push(newsroom.proc);
    const post = slowPost(newsroom.url, 'posted across a SIGTERM');
    await post.accepted;
    // To the whole process group, as `timeout` or systemd send it: DynamoDB Local must outlive the drain.
    process.kill(-newsroom.proc.pid!, 'SIGTERM');
    await until(stopping(newsroom), 'the stopping line');
    // No new connection is accepted while it drains.
    await expect(fetch(`${newsroom.url}/health`)).rejects.toThrow();
    post.finish();
    const answer = await post.response;
    expect(answer.status).toBe(201);
    const { updateId } = JSON.parse(answer.body) as { updateId: string };
    expect(await exited(newsroom.proc)).toEqual({ code: 0, signal: null });
    expect(dynamoLocalsOn(dataDir)).toEqual([]);

    const again = await startNewsroomProcess({ port, dataDir, token: TOKEN });
    children.push(again.proc);
    expect((await allEvents(again.url, STORY)).map((e) => e.metadata.updateId)).toContain(updateId);

    // A second signal while a request holds the drain: out at once, status 1, no DynamoDB Local left.
    const held = slowPost(again.url, 'never finished');
    held.response.catch(() => undefined);
    await held.accepted;
    process.kill(again.proc.pid!, 'SIGTERM');
    await until(stopping(again), 'the stopping line');
    process.kill(again.proc.pid!, 'SIGTERM');
    expect(await exited(again.proc)).toEqual({ code: 1, signal: null });
    held.req.destroy();
    await until(() => dynamoLocalsOn(dataDir).length === 0, 'DynamoDB Local to be gone', 5_000);
  }, 90_000);
});
