/**
 * End to end, as `npm start` runs it: embedded DynamoDB Local, tables, the Bakiyev seed through the
 * append path, the projector on the real stream, one HTTP server. Then an editor posts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNewsroom, type Newsroom } from '../../functions/local/server';
import { assertValidAtom, parseWithFeedparser } from '../support/feed-parsers';
import { until } from '../support/until';
import { ulid } from 'ulid';
import { EventStore } from '../../shared/adapters/dynamodb/event-store';
import { clientConfig, documentClient, tablesFromEnv } from '../../shared/adapters/dynamodb/client';
import { CURRENT_SCHEMA_VERSION } from '../../shared/domain/story/events';

const STORY = 'kyrgyzstan-bakiyev-ouster-2010';
let newsroom: Newsroom;
const TOKEN = 'e2e-token-0123456789';

beforeAll(async () => {
  newsroom = await startNewsroom({
    inMemory: true,
    port: 0,
    editorTokens: `anna:${TOKEN}`,
    quiet: true,
    log: () => {},
    // The poison record below is retried for a fraction of a second, not the default minute.
    projectorRetries: { maxAttempts: 4, retryBaseMs: 50 },
  });
});
afterAll(async () => {
  await newsroom?.stop();
});

describe('the local newsroom', () => {
  it('serves the seeded Bakiyev story', async () => {
    const view = await until(async () => {
      const res = await fetch(`${newsroom.url}/api/stories/${STORY}`);
      const body = res.ok ? ((await res.json()) as { version: number; people: { name: string }[] }) : undefined;
      return body && body.version >= 15 ? body : undefined;
    });
    expect(view.people.map((p) => p.name)).toEqual(expect.arrayContaining(['Kurmanbek Bakiyev', 'Roza Otunbayeva', 'Hillary Clinton']));
    const health = await fetch(`${newsroom.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', projection: { quarantined: 0 } });
  });

  it('a posted statement reaches the view and the Atom feed', async () => {
    const res = await fetch(`${newsroom.url}/api/stories/${STORY}/updates`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: 'statement',
        speaker: { name: 'Roza Otunbayeva', role: 'interim leader' },
        quote: 'Elections <will> be held on 10 October & not later',
        saidAt: '2010-04-24',
        dateApproximate: true,
      }),
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { updateId: string; version: number; storyId: string; recordedAt: string };
    expect(created).toMatchObject({ storyId: STORY, version: 16 });

    const view = await until(async () => {
      const body = (await (await fetch(`${newsroom.url}/api/stories/${STORY}`)).json()) as {
        version: number;
        timeline: { updateId: string; recordedBy: string }[];
      };
      return body.version >= created.version ? body : undefined;
    });
    expect(view.timeline.find((e) => e.updateId === created.updateId)?.recordedBy).toBe('anna');

    const atom = await until(async () => {
      const text = await (await fetch(`${newsroom.url}/stories/${STORY}/feed.atom`)).text();
      return text.includes(created.updateId) ? text : undefined;
    });
    await assertValidAtom(atom);
    const parsed = await parseWithFeedparser(atom);
    expect(parsed.bozo).toBe(false);
    const entry = parsed.entries.find((e) => e.id?.endsWith(created.updateId));
    // The title travels as type="html": escaped markup that a reader shows as the literal text.
    const unescape = (html: string | null = '') => (html ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expect(unescape(entry?.title)).toContain('Elections <will> be held on 10 October & not later');
  });

  it('writes need an editor token; bad input is a problem naming the field and stores nothing', async () => {
    const before = (await (await fetch(`${newsroom.url}/api/stories/${STORY}/events?limit=1000`)).json()) as { events: unknown[] };
    const anonymous = await fetch(`${newsroom.url}/api/stories/${STORY}/updates`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const bad = await fetch(`${newsroom.url}/api/stories/${STORY}/updates`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'article', title: 'T', url: 'ftp://x', outlet: 'O', publishedAt: '2010-04-08' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await bad.json()) as { errors: { pointer: string }[] }).errors[0]?.pointer).toBe('/url');
    const after = (await (await fetch(`${newsroom.url}/api/stories/${STORY}/events?limit=1000`)).json()) as { events: unknown[] };
    expect(after.events.length).toBe(before.events.length);
  });

  it('feeds answer conditional requests with 304 and keep their bytes while nothing changes', async () => {
    const url = `${newsroom.url}/stories/${STORY}/feed.atom`;
    const first = await fetch(url);
    const etag = first.headers.get('etag')!;
    expect(first.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(first.headers.get('cache-control')).toMatch(/max-age=\d+.*stale-while-revalidate/);
    const body = await first.text();
    expect(await (await fetch(url)).text()).toBe(body);
    expect((await fetch(url, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    expect((await fetch(url, { headers: { 'If-Modified-Since': first.headers.get('last-modified')! } })).status).toBe(304);
  });

  it('a poison record is quarantined, /health says degraded, and other stories keep flowing', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${newsroom.url}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/api/stories', { id: 'poisoned', headline: 'H', summary: 'S' })).status).toBe(201);
    // An event the projection can never apply, written past the API (which would refuse it): a
    // correction of an update that does not exist.
    const events = new EventStore(documentClient(clientConfig(newsroom.endpoint)), tablesFromEnv().events);
    await events.append('poisoned', 1, [
      {
        type: 'UpdateCorrected',
        data: { target: '01HZ0000000000000000000000', changes: { quote: 'x' }, note: 'n' },
        metadata: {
          storyId: 'poisoned',
          updateId: ulid(),
          schemaVersion: CURRENT_SCHEMA_VERSION,
          recordedAt: new Date().toISOString(),
          recordedBy: 'test',
          correlationId: 'c',
        },
      },
    ]);
    const health = await until(async () => {
      const body = (await (await fetch(`${newsroom.url}/health`)).json()) as { status: string; projection: { quarantined: number } };
      return body.status === 'degraded' ? body : undefined;
    }, 30_000);
    expect(health.projection.quarantined).toBe(1);
    // The Bakiyev story still projects.
    const res = await post(`/api/stories/${STORY}/updates`, { type: 'headline', headline: 'Still flowing' });
    const { version } = (await res.json()) as { version: number };
    await until(async () => {
      const view = (await (await fetch(`${newsroom.url}/api/stories/${STORY}?limit=1`)).json()) as { version: number };
      return view.version >= version ? true : undefined;
    });
  });
});
