/**
 * Hostile clients against the node:http server's limits (made short here; the defaults are in
 * serverLimits): a client that sends its headers a byte at a time, and one that never finishes
 * its body, are answered 408 and cut; connections beyond the cap are refused while the server
 * keeps serving.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNewsroom, type Newsroom } from '../../functions/local/server';
import { createTestStore, type TestStore } from '../support/dynamo';

let store: TestStore;
let newsroom: Newsroom;
const dataDir = mkdtempSync(join(tmpdir(), 'newsroom-slow-'));

beforeAll(async () => {
  store = await createTestStore();
  store.applyEnv();
  newsroom = await startNewsroom({
    endpoint: store.endpoint,
    dataDir,
    port: 0,
    editorTokens: 'anna:slow-token',
    seed: false,
    quiet: true,
    log: () => {},
    limits: { headersTimeoutMs: 500, requestTimeoutMs: 1_000, maxConnections: 3 },
  });
});
afterAll(async () => {
  await newsroom?.stop();
  await store?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Raw {
  socket: Socket;
  /** What the server sent until it closed the connection. */
  closed: Promise<string>;
}

function open(): Promise<Raw> {
  const { port } = new URL(newsroom.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => resolve({ socket, closed }));
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.once('error', reject);
    const closed = new Promise<string>((done) => socket.once('close', () => done(received)));
  });
}

describe('slow and greedy clients', () => {
  it('cuts a client that sends its headers slowly with 408', async () => {
    const raw = await open();
    raw.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n');
    // One more header line every 100 ms, never the blank line that ends them.
    let n = 0;
    const drip = setInterval(() => raw.socket.writable && raw.socket.write(`X-Drip-${n++}: a\r\n`), 100);
    try {
      expect(await raw.closed).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(drip);
    }
  }, 15_000);

  it('cuts a client that never finishes its body with 408, and stores nothing', async () => {
    const raw = await open();
    raw.socket.write(
      [
        'POST /api/stories HTTP/1.1',
        'Host: localhost',
        'Authorization: Bearer slow-token',
        'Content-Type: application/json',
        'Content-Length: 200',
        '',
        '{"id":"slow-story",',
      ].join('\r\n'),
    );
    expect(await raw.closed).toMatch(/^HTTP\/1\.1 408 /);
    // Asked on a connection of its own that closes after it: the next test counts the connections.
    const probe = await open();
    probe.socket.write('GET /api/stories/slow-story HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(await probe.closed).toMatch(/^HTTP\/1\.1 404 /);
  }, 15_000);

  it('refuses connections beyond the cap and serves again once they are gone', async () => {
    // Each starts a request and stalls: a connection the server took is answered 408 when its
    // headers time out; one beyond the cap is closed without an answer.
    const held = await Promise.all([open(), open(), open()]);
    const extra = await open();
    for (const raw of [...held, extra]) raw.socket.write('GET /health HTTP/1.1\r\n');
    expect(await extra.closed).toBe('');
    for (const raw of held) expect(await raw.closed).toMatch(/^HTTP\/1\.1 408 /);
    expect((await fetch(`${newsroom.url}/health`)).status).toBe(200);
  }, 15_000);
});
