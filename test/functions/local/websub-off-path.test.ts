/**
 * WebSub pings never delay projection: the local stack (server, stream poller, projector on
 * DynamoDB Local) with a real hub that hangs. While the hub holds the first batch's pings
 * unanswered, later batches are projected and served; once the hub answers, the pings of a later
 * batch reach it, sent after that batch was projected (the hub fetches the topic and finds the update).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { article, openBody, startApi, until, type Api } from '../../support/api';
import { startHub, type Hub } from '../../support/hub';

const STORY = 'websub-off-path';
let hub: Hub;
let api: Api;

beforeAll(async () => {
  hub = await startHub({ held: true });
  api = await startApi({ env: { WEBSUB_HUB_URL: hub.url } });
});
afterAll(async () => {
  await api?.stop();
  await hub?.stop();
  delete process.env.WEBSUB_HUB_URL;
});

const feedPath = `/stories/${STORY}/feed.json`;
const inFeed = async (title: string) => ((await (await api.get(feedPath)).text()).includes(title) ? true : undefined);

describe('WebSub off the projection path', () => {
  it('projects and serves later batches while the hub hangs, and pings a later batch once the hub answers', { timeout: 60_000 }, async () => {
    expect((await api.post('/api/stories', openBody(STORY))).status).toBe(201);
    // The opening's batch pinged the hub about the story's feeds: the hub holds those pings.
    await until(async () => (hub.pings.some((p) => p.topic.endsWith(feedPath)) ? true : undefined), 20_000);
    expect(hub.answered()).toEqual([]);

    // Two more batches, each projected and served while the first pings are still unanswered.
    for (const title of ['Interim government formed', 'Bakiyev leaves for Jalal-Abad']) {
      expect((await api.post(`/api/stories/${STORY}/updates`, article(title))).status).toBe(201);
      await until(() => inFeed(title), 20_000);
      expect(hub.answered()).toEqual([]);
    }
    // Pings still wait on the hub (at least the last batch's, sent as it was projected).
    await until(async () => (hub.held() > 0 ? true : undefined));
    expect(hub.answered()).toEqual([]);

    // The hub answers now; the pings of the next batch reach it, and the hub, fetching the topic
    // as a real hub does, finds the update there: the ping followed the projection.
    const fetched: boolean[] = [];
    hub.onPing = async (ping) => {
      if (!ping.topic.endsWith(feedPath)) return;
      fetched.push((await (await api.get(new URL(ping.topic).pathname)).text()).includes('Border closed'));
    };
    hub.release();
    const before = hub.pings.length;
    expect((await api.post(`/api/stories/${STORY}/updates`, article('Border closed'))).status).toBe(201);
    await until(async () => (hub.answered().some((p) => p.seq >= before && p.topic.endsWith(feedPath)) ? true : undefined), 20_000);
    expect(fetched).toContain(true);
  });
});
