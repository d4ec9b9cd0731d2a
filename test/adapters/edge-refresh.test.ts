/**
 * The edge refresher (shared/adapters/edge-refresh.ts, functions/edge/handler.ts) with a real hub
 * over HTTP: the changed paths are invalidated and the invalidation has completed before the hub
 * hears of them; all pings of a batch share one budget, so a hung hub costs that once; a
 * retraction is invalidated even without a hub. CloudFront itself is the EdgeCache port here,
 * recorded (there is no local CloudFront); the stack test holds the function's IAM to this
 * distribution. And the projector's side: a notice it cannot queue is counted, never thrown.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { edgePaths, parseEdgeNotice, refreshEdge, type EdgeCache } from '../../shared/adapters/edge-refresh';
import { noticesFor, sqsEdgeNotices } from '../../shared/adapters/edge-notices';
import { WebSubPublisher } from '../../shared/adapters/websub';
import { startHub, type Hub } from '../support/hub';
import { buildLambdaBundle } from '../support/lambda-bundle';

const ctx = { baseUrl: 'https://news.example.org', tagPrefix: 'tag:n,2026:' };
const log = () => {};
let hubs: Hub[] = [];
const hub = async (held: boolean) => {
  const h = await startHub({ held });
  hubs.push(h);
  return h;
};
afterEach(async () => {
  await Promise.all(hubs.map((h) => h.stop()));
  hubs = [];
});

/** CloudFront's invalidation, recorded: resolves when the test says it has completed. */
function recordedEdge() {
  const calls: { paths: string[]; reference: string }[] = [];
  let complete: (state: 'completed' | 'pending') => void = () => {};
  const edge: EdgeCache = {
    invalidate: (paths, reference) => {
      calls.push({ paths, reference });
      return new Promise((resolve) => (complete = resolve));
    },
  };
  return { edge, calls, complete: (state: 'completed' | 'pending' = 'completed') => complete(state) };
}

describe('the paths a change invalidates', () => {
  it('with a hub, exactly the feeds the ping names; a retraction, every path that may show the update, with its query variants', () => {
    expect(edgePaths([{ storyId: 'a', retracted: false }], { feeds: true })).toEqual([
      '/feed.atom',
      '/feed.json',
      '/feed.rss',
      '/stories/a/feed.atom',
      '/stories/a/feed.json',
      '/stories/a/feed.rss',
    ]);
    expect(edgePaths([{ storyId: 'a', retracted: false }], { feeds: false })).toEqual([]);
    const retracted = edgePaths(
      [
        { storyId: 'b', retracted: true },
        { storyId: 'a', retracted: false },
      ],
      { feeds: false },
    );
    expect(retracted).toEqual(['/', '/api/stories', '/api/stories/b*', '/feed.atom', '/feed.json', '/feed.rss', '/stories/b*']);
    // Many batches of one story coalesce into one set of paths.
    const many = Array.from({ length: 50 }, () => ({ storyId: 'a', retracted: false }));
    expect(edgePaths(many, { feeds: true })).toHaveLength(6);
    // The projector's messages: retractions at once; other changes only with a hub, at once or after the edge's TTL.
    const a = { storyId: 'a', retracted: false };
    const b = { storyId: 'b', retracted: true };
    expect(noticesFor([a, b], { hub: false, delaySeconds: 100 })).toEqual([{ stories: [b], delaySeconds: 0 }]);
    expect(noticesFor([a, b], { hub: true, delaySeconds: 100 })).toEqual([
      { stories: [b], delaySeconds: 0 },
      { stories: [a], delaySeconds: 100 },
    ]);
    expect(noticesFor([a, b], { hub: true, delaySeconds: 0 })).toEqual([{ stories: [b, a], delaySeconds: 0 }]);
    expect(noticesFor([a], { hub: false, delaySeconds: 0 })).toEqual([]);
  });

  it('reads only well-formed notices', () => {
    expect(parseEdgeNotice('{"stories":[{"storyId":"a","retracted":true,"x":1}]}')).toEqual({ stories: [{ storyId: 'a', retracted: true }] });
    for (const bad of ['{}', '{"stories":[{"storyId":1,"retracted":true}]}', '[]', 'null']) expect(() => parseEdgeNotice(bad)).toThrow(/edge notice/);
  });
});

describe('refreshEdge', () => {
  it('pings the hub only once the invalidation of the changed feeds has completed', { timeout: 20_000 }, async () => {
    const h = await hub(false);
    const cdn = recordedEdge();
    const publisher = new WebSubPublisher({ hubUrl: h.url, deadlineMs: 5_000 });
    const done = refreshEdge([{ storyId: 'a', retracted: false }], 'm1', { ctx, edge: cdn.edge, publisher, invalidateFeeds: true, log });
    await expect.poll(() => cdn.calls.length).toBe(1);
    // The hub may not hear of it while CloudFront still works: give the event loop a full round.
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.pings).toEqual([]);
    cdn.complete();
    const outcome = await done;
    expect(outcome.invalidation).toBe('completed');
    expect(
      h
        .answered()
        .map((p) => p.topic)
        .sort(),
    ).toEqual([...outcome.pinged].sort());
    expect(outcome.pinged).toContain('https://news.example.org/stories/a/feed.atom');
    expect(cdn.calls[0]!.paths).toEqual(edgePaths([{ storyId: 'a', retracted: false }], { feeds: true }));
  });

  it('the same batch delivered again asks CloudFront for the same invalidation (one CallerReference)', async () => {
    const references: string[] = [];
    const edge: EdgeCache = { invalidate: async (_, reference) => (references.push(reference), 'completed') };
    const change = [{ storyId: 'a', retracted: true }];
    await refreshEdge(change, 'm1,m2', { ctx, edge, log });
    await refreshEdge(change, 'm1,m2', { ctx, edge, log });
    await refreshEdge(change, 'm3', { ctx, edge, log });
    expect(references[0]).toBe(references[1]);
    expect(references[2]).not.toBe(references[0]);
  });

  it('gives all the pings of a batch one budget: a hung hub costs it once, and the batch is done', { timeout: 20_000 }, async () => {
    const h = await hub(true);
    const publisher = new WebSubPublisher({ hubUrl: h.url, deadlineMs: 300, timeoutMs: 60_000 });
    const outcome = await refreshEdge(
      [
        { storyId: 'a', retracted: false },
        { storyId: 'b', retracted: false },
      ],
      'm',
      { ctx, publisher, log },
    );
    // Done while the hub still holds every ping (9 topics) it was sent, none answered.
    expect(outcome.pinged).toHaveLength(9);
    expect(h.answered()).toEqual([]);
    expect(h.pings.length).toBeGreaterThan(0);
  });

  it('a retraction is invalidated without a hub; a failed invalidation pings nobody and fails the batch', async () => {
    const h = await hub(false);
    const invalidated: string[][] = [];
    const edge: EdgeCache = { invalidate: async (paths) => (invalidated.push(paths), 'completed') };
    const noHub = await refreshEdge([{ storyId: 'r', retracted: true }], 'm', { ctx, edge, log });
    expect(noHub.pinged).toEqual([]);
    expect(invalidated[0]).toContain('/stories/r*');
    // Nothing to do without a hub or a retraction: CloudFront is not asked.
    await refreshEdge([{ storyId: 'q', retracted: false }], 'm', { ctx, edge, log });
    expect(invalidated).toHaveLength(1);

    const failing: EdgeCache = { invalidate: () => Promise.reject(new Error('TooManyInvalidationsInProgress')) };
    const publisher = new WebSubPublisher({ hubUrl: h.url });
    await expect(
      refreshEdge([{ storyId: 'a', retracted: false }], 'm', { ctx, edge: failing, publisher, invalidateFeeds: true, log }),
    ).rejects.toThrow(/TooMany/);
    expect(h.pings).toEqual([]);
  });

  it('when notices wait out the TTL, pings a change without invalidating it, and still invalidates a retraction first', async () => {
    const h = await hub(false);
    const invalidated: string[][] = [];
    const edge: EdgeCache = { invalidate: async (paths) => (invalidated.push(paths), 'completed') };
    const publisher = new WebSubPublisher({ hubUrl: h.url });
    const waited = await refreshEdge([{ storyId: 'a', retracted: false }], 'm', { ctx, edge, publisher, log });
    expect(invalidated).toEqual([]);
    expect(waited.pinged).toHaveLength(6);
    await refreshEdge([{ storyId: 'r', retracted: true }], 'm', { ctx, edge, publisher, log });
    expect(invalidated[0]).toContain('/stories/r*');
    expect(h.answered().map((p) => p.topic)).toContain('https://news.example.org/stories/r/feed.atom');
  });
});

describe('the edge refresher function (its Lambda bundle)', () => {
  let h: Hub;
  let handler: (event: SQSEvent, context: Context) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
  beforeAll(async () => {
    h = await startHub({ held: false });
    process.env.WEBSUB_HUB_URL = h.url;
    process.env.PUBLIC_BASE_URL = 'https://news.example.org';
    delete process.env.DISTRIBUTION_ID;
    // The deployed bundle (infra/bundling.ts settings), as Lambda runs it.
    const entry = await buildLambdaBundle('edge', new URL('../../.tmp/lambda-bundles/edge/', import.meta.url));
    ({ handler } = (await import(entry)) as unknown as { handler: typeof handler });
  }, 60_000);
  afterAll(async () => {
    delete process.env.WEBSUB_HUB_URL;
    await h.stop();
  });
  const message = (messageId: string, body: string) => ({ messageId, body }) as SQSEvent['Records'][number];

  it('pings the feeds of every story its batch names, once each, and drops what is not a notice', { timeout: 20_000 }, async () => {
    const out = await handler(
      {
        Records: [
          message('1', JSON.stringify({ stories: [{ storyId: 'a', retracted: false }] })),
          message(
            '2',
            JSON.stringify({
              stories: [
                { storyId: 'a', retracted: false },
                { storyId: 'b', retracted: true },
              ],
            }),
          ),
          message('3', 'not json'),
        ],
      },
      {} as Context,
    );
    expect(out.batchItemFailures).toEqual([]);
    const topics = h.answered().map((p) => p.topic);
    expect(topics).toHaveLength(9);
    expect(new Set(topics).size).toBe(9);
    expect(topics).toContain('https://news.example.org/stories/b/feed.json');
  });
});

describe("the projector's notices", () => {
  it(
    'queues nothing when the edge has nothing to do, and a notice it cannot queue is lost, counted and never thrown',
    { timeout: 20_000 },
    async () => {
      const logged: string[] = [];
      const client = new SQSClient({
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:9',
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
        maxAttempts: 1,
      });
      const notices = sqsEdgeNotices('http://127.0.0.1:9/000000000000/edge', { hub: false, delaySeconds: 100, log: (m) => logged.push(m), client });
      expect(await notices.send([{ storyId: 'a', retracted: false }])).toBe('none');
      expect(await notices.send([{ storyId: 'a', retracted: true }])).toBe('lost');
      expect(logged).toEqual([expect.stringMatching(/^edge notice lost/)]);
    },
  );
});
