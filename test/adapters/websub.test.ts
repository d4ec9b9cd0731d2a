/** The WebSub publisher against a real local HTTP hub: form-encoded pings, retries, bounded time, never a throw. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { changedFeedTopics, feedChangeNotifier, WebSubPublisher } from '../../shared/adapters/websub';

interface Ping {
  path: string;
  contentType: string | undefined;
  body: URLSearchParams;
}

let server: Server;
let hub = '';
const pings: Ping[] = [];
/** How the hub answers the next requests, per path; the last answer repeats. */
const script = new Map<string, (number | 'hang')[]>();

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });

beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const path = req.url ?? '/';
      pings.push({ path, contentType: req.headers['content-type'], body: new URLSearchParams(body) });
      const answers = script.get(path) ?? [204];
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      if (answer !== 'hang') res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hub = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  pings.length = 0;
  script.clear();
});

describe('WebSubPublisher', () => {
  it('posts hub.mode=publish&hub.url=<topic>, form-encoded, once per topic', async () => {
    const publisher = new WebSubPublisher({ hubUrl: `${hub}/ok` });
    const outcomes = await publisher.publish([
      'https://news.example.org/feed.atom',
      'https://news.example.org/feed.atom',
      'https://news.example.org/feed.rss',
    ]);
    expect(outcomes.map((o) => [o.ok, o.status, o.attempts])).toEqual([
      [true, 204, 1],
      [true, 204, 1],
    ]);
    expect(pings.map((p) => [p.contentType, p.body.get('hub.mode'), p.body.get('hub.url')]).sort()).toEqual([
      ['application/x-www-form-urlencoded', 'publish', 'https://news.example.org/feed.atom'],
      ['application/x-www-form-urlencoded', 'publish', 'https://news.example.org/feed.rss'],
    ]);
  });

  it('retries 5xx and 429 with backoff, but not other 4xx', async () => {
    script.set('/flaky', [503, 429, 202]);
    script.set('/refuses', [400]);
    const logs: unknown[] = [];
    const flaky = await new WebSubPublisher({ hubUrl: `${hub}/flaky`, backoffMs: () => 5 }).publish(['https://x.example/a']);
    const refused = await new WebSubPublisher({ hubUrl: `${hub}/refuses`, backoffMs: () => 5, log: (m, e) => logs.push([m, e]) }).publish([
      'https://x.example/b',
    ]);
    expect(flaky[0]).toMatchObject({ ok: true, status: 202, attempts: 3 });
    expect(refused[0]).toMatchObject({ ok: false, status: 400, attempts: 1 });
    expect(logs).toEqual([['websub publish failed', expect.objectContaining({ topic: 'https://x.example/b', status: 400 })]]);
  });

  it('gives up on a hub that hangs or is down within its time bound, without throwing', async () => {
    script.set('/hang', ['hang']);
    const started = Date.now();
    const hung = await new WebSubPublisher({ hubUrl: `${hub}/hang`, timeoutMs: 150, retries: 1, backoffMs: () => 10 }).publish([
      'https://x.example/c',
    ]);
    expect(hung[0]).toMatchObject({ ok: false, attempts: 2 });
    // The hub never answers: ending at all proves the bound; the margin is for a loaded machine.
    expect(Date.now() - started).toBeLessThan(10_000);
    // A port nobody listens on: connection refused, reported, not thrown.
    const down = await new WebSubPublisher({ hubUrl: 'http://127.0.0.1:9/', retries: 1, backoffMs: () => 5 }).publish(['https://x.example/d']);
    expect(down[0]).toMatchObject({ ok: false, attempts: 2 });
  });
});

describe('feed change notifications', () => {
  it('name the story feeds and the all-stories feeds in every format', () => {
    expect(changedFeedTopics({ baseUrl: 'https://n.example', tagPrefix: 'tag:n,2026:' }, ['a'])).toEqual([
      'https://n.example/stories/a/feed.atom',
      'https://n.example/stories/a/feed.rss',
      'https://n.example/stories/a/feed.json',
      'https://n.example/feed.atom',
      'https://n.example/feed.rss',
      'https://n.example/feed.json',
    ]);
  });

  it('ping the configured hub, and nothing without one', async () => {
    await feedChangeNotifier({ baseUrl: 'https://n.example', tagPrefix: 't:' }).storiesChanged(['a']);
    expect(pings).toEqual([]);
    await feedChangeNotifier({ baseUrl: 'https://n.example', tagPrefix: 't:', hubUrl: `${hub}/hub` }).storiesChanged(['a', 'b']);
    expect(pings.length).toBe(9);
    expect(new Set(pings.map((p) => p.path))).toEqual(new Set(['/hub']));
  });
});
