/**
 * Many editors posting to one story at once through the local server (real HTTP, the writer's
 * lanes, the projector on DynamoDB Local's stream; the local server writes them one by one, since
 * DynamoDB Local's transactions are not durable when acknowledged, and group commit itself is
 * proven in test/application/story-writer.group-commit.test.ts): every 201 names its own
 * version (ETag) and event (Location), a stale If-Match gets its 412 alone, an Idempotency-Key
 * retry gets its own first answer back, the log is gap-free with each acknowledged update once,
 * and the view and the feed catch up with all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiWithStory, statement, until, type Api } from '../../support/api';

let api: Api;
const STORY = 'kyrgyzstan-bakiyev-ouster-2010';
const UPDATES = `/api/stories/${STORY}/updates`;

beforeAll(async () => void (api = await startApiWithStory(STORY)));
afterAll(() => api?.stop());

interface Answer {
  status: number;
  etag: string | null;
  location: string | null;
  replayed: string | null;
  body: { updateId?: string; version?: number };
}

const answer = async (res: Response): Promise<Answer> => ({
  status: res.status,
  etag: res.headers.get('etag'),
  location: res.headers.get('location'),
  replayed: res.headers.get('idempotent-replayed'),
  body: (await res.json()) as Answer['body'],
});

describe('appends to one story at once, over HTTP', () => {
  it('each its own answer, a stale If-Match refused alone, keys answered once, the log gap-free, the view caught up', async () => {
    const head = await api.eventCount(STORY); // 1: the story opened
    const quotes = Array.from({ length: 30 }, (_, i) => `at once ${i}`);
    const answers = await Promise.all([
      ...quotes.map((q, i) => api.post(UPDATES, statement(q), i % 5 === 0 ? { 'Idempotency-Key': `at-once-${i}` } : {}).then(answer)),
      api.post(UPDATES, statement('stale'), { 'If-Match': `"${head}"` }).then(answer),
    ]);
    const stale = answers.pop()!;
    // Whether it went before the others or after them, exactly one of "stale" and the rest can hold version head + 1.
    const created = answers.filter((a) => a.status === 201);
    expect(created).toHaveLength(30);
    if (stale.status === 201) expect(stale.body.version).toBe(head + 1);
    else expect(stale.status).toBe(412);

    for (const a of created) {
      expect(a.etag).toBe(`"${a.body.version}"`);
      expect(a.replayed).toBeNull();
      expect(a.location).toBe(`/api/stories/${STORY}/events?after=${a.body.version! - 1}&limit=1`);
    }
    const versions = [...created, ...(stale.status === 201 ? [stale] : [])].map((a) => a.body.version!).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => head + 1 + i));

    // Each Location is that answer's event, and the log is the acknowledged updates, each once.
    const log = (await (await api.get(`/api/stories/${STORY}/events?after=0&limit=1000`)).json()) as {
      events: { metadata: { version: number; updateId: string }; data: { quote?: string } }[];
    };
    expect(log.events.map((e) => e.metadata.version)).toEqual(Array.from({ length: head + versions.length }, (_, i) => i + 1));
    for (const a of created) expect(log.events[a.body.version! - 1]!.metadata.updateId).toBe(a.body.updateId);
    for (const q of quotes) expect(log.events.filter((e) => e.data.quote === q)).toHaveLength(1);

    // A retry of a keyed one gets its own first answer back, nothing new stored.
    for (const i of [0, 5, 25]) {
      const again = await answer(await api.post(UPDATES, statement(quotes[i]!), { 'Idempotency-Key': `at-once-${i}` }));
      expect(again.replayed).toBe('true');
      expect(again.body).toEqual(created[i]!.body);
    }
    expect(await api.eventCount(STORY)).toBe(head + versions.length);

    // The projector took the transactions' records like any others: the view and the feed have them all.
    const last = Math.max(...versions);
    const view = await until(async () => {
      const v = (await (await api.get(`/api/stories/${STORY}`)).json()) as { version: number; counts: { updates: number } };
      return v.version === last ? v : undefined;
    });
    expect(view.counts.updates).toBe(versions.length);
    const feed = await (await api.get(`/stories/${STORY}/feed.atom`)).text();
    for (const a of created) expect(feed).toContain(a.body.updateId);
  });
});
