/**
 * An embargoed update against the local newsroom (the Hono apps the Lambda handlers serve, the
 * projector on the real stream, the server's release scheduler): recorded at once, absent from
 * every public surface until its release (feeds' bytes unchanged, permalink 404, public log
 * placeholders, time travel, the live page's changes), revised, rescheduled and released by the
 * scheduler: then everywhere, published at its release time. A cancelled one is never public.
 * Editors list what is pending; pins and key-event marks of it are refused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { article, openBody, startApi, statement, TOKENS, until, type Api, type ProblemBody } from '../../support/api';

const STORY = 'embargo-scratch-story';
const FEED_SIZE = 3;
const SECRET = 'Quintessa Marlowe-Vantablack';
const SECRET_QUOTE = 'The sanctions list is ready';
const REVISED_QUOTE = 'The sanctions list is final';
const CANCELLED = 'Never-Public Phineas Oddbody';

const editor = { Authorization: `Bearer ${TOKENS.anna}` };
const inADay = () => new Date(Date.now() + 86_400_000).toISOString();

let api: Api;
/** A WebSub hub: the topics (feed URLs) it was pinged about, in order. */
let hub: Server;
const pinged: string[] = [];
const pingsOf = (storyId: string) => pinged.filter((topic) => topic.includes(`/stories/${storyId}/`));
let pending = '';
let cancelled = '';
let embargoVersion = 0;
let lastPublicVersion = 0;
/** Every public surface as it was before the embargoed posts, by path. */
const before = new Map<string, string>();
/** …and the validators a cache kept of them. */
const etags = new Map<string, string>();

const FEEDS = ['feed', 'key-events'].flatMap((name) => ['atom', 'rss', 'json'].map((f) => `/stories/${STORY}/${name}.${f}`));
const ALL_FEEDS = ['/feed.atom', '/feed.rss', '/feed.json'];
const ARCHIVE = `/stories/${STORY}/archive/1-3/feed.atom`;
/** Public reads that must never show a pending update. */
const surfaces = () => [
  `/api/stories/${STORY}`,
  `/api/stories/${STORY}?version=${embargoVersion}`,
  `/api/stories/${STORY}?asOf=${encodeURIComponent(new Date().toISOString())}`,
  `/stories/${STORY}`,
  `/stories/${STORY}?version=${embargoVersion}`,
  `/stories/${STORY}?order=oldest`,
  `/stories/${STORY}?filter=key-events`,
  `/api/stories/${STORY}/changes?since=${lastPublicVersion}`,
  `/api/stories/${STORY}/events`,
  '/api/stories',
  '/',
  ...FEEDS,
  ...ALL_FEEDS,
  ARCHIVE,
];

async function post(body: unknown): Promise<{ updateId: string; version: number; recordedAt: string; releaseAt?: string }> {
  const res = await api.post(`/api/stories/${STORY}/updates`, body);
  expect(res.status, JSON.stringify(body)).toBe(201);
  return (await res.json()) as { updateId: string; version: number; recordedAt: string; releaseAt?: string };
}

async function text(path: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await api.get(path, headers);
  expect(res.status, path).toBe(200);
  return res.text();
}

/** The view once the projector has reached `version`. */
const projected = (version: number) =>
  until(async () => {
    const res = await api.get(`/api/stories/${STORY}`);
    return res.ok && ((await res.json()) as { version: number }).version >= version ? true : undefined;
  }, 20_000);

beforeAll(async () => {
  hub = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      pinged.push(new URLSearchParams(body).get('hub.url') ?? '');
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
  const hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/hub`;
  api = await startApi({ env: { NEWSROOM_FEED_SIZE: String(FEED_SIZE), WEBSUB_HUB_URL: hubUrl } });
  expect((await api.post('/api/stories', openBody(STORY))).status).toBe(201); // v1
  await post(article('Provisional government takes office')); // v2
  lastPublicVersion = (await post(statement('Order is being restored'))).version; // v3: archive 1-3 complete
  await projected(lastPublicVersion);
  await pingedAbout(STORY);
  for (const path of [...FEEDS, ...ALL_FEEDS, ARCHIVE]) {
    const res = await api.get(path);
    before.set(path, await res.text());
    etags.set(path, res.headers.get('etag')!);
  }
}, 60_000);
afterAll(async () => {
  await api?.stop();
  delete process.env.WEBSUB_HUB_URL;
  hub?.close();
});

/** Waits for the hub to be pinged about `storyId`. */
async function pingedAbout(storyId: string) {
  await until(async () => (pingsOf(storyId).length > 0 ? true : undefined), 20_000);
}

describe('before the release', () => {
  it('records an embargoed statement at once: 201 with releaseAt (UTC), a cancelled one too', async () => {
    const at = new Date(Date.now() + 86_400_000);
    const zoned = new Date(at.getTime() + 6 * 3_600_000).toISOString().replace('Z', '+06:00');
    const res = await post({ type: 'statement', speaker: { name: SECRET, role: 'envoy' }, quote: SECRET_QUOTE, keyEvent: true, releaseAt: zoned });
    expect(res.releaseAt).toBe(at.toISOString());
    pending = res.updateId;
    embargoVersion = res.version;
    cancelled = (await post({ type: 'statement', speaker: { name: CANCELLED }, quote: 'Leaked too early', releaseAt: inADay() })).updateId;
    await post({ type: 'correction', target: pending, changes: { quote: REVISED_QUOTE }, note: 'Wording agreed' });
    const cancel = await post({ type: 'retraction', target: cancelled, reason: 'The embargo was broken elsewhere' });
    await projected(cancel.version);
  });

  it('refuses a releaseAt in the past or over 30 days ahead (400 naming releaseAt, nothing stored)', async () => {
    const count = await api.eventCount(STORY);
    for (const releaseAt of [
      new Date(Date.now() - 1_000).toISOString(),
      new Date(Date.now() + 31 * 86_400_000).toISOString(),
      '2030-01-01T00:00:00',
    ]) {
      const res = await api.post(`/api/stories/${STORY}/updates`, { type: 'statement', speaker: { name: 'X' }, quote: 'Y', releaseAt });
      expect(res.status, releaseAt).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as ProblemBody).errors?.map((e) => e.pointer)).toEqual(['/releaseAt']);
    }
    expect(await api.eventCount(STORY)).toBe(count);
  });

  it('refuses to pin or mark it (409), and to reschedule what is not pending (409) or unknown (404)', async () => {
    expect((await api.post(`/api/stories/${STORY}/updates`, { type: 'pin', target: pending })).status).toBe(409);
    expect((await api.post(`/api/stories/${STORY}/updates`, { type: 'key-event', target: pending, keyEvent: false })).status).toBe(409);
    const releaseAt = inADay();
    expect((await api.post(`/api/stories/${STORY}/updates`, { type: 'reschedule', target: cancelled, releaseAt })).status).toBe(409);
    expect((await api.post(`/api/stories/${STORY}/updates`, { type: 'reschedule', target: '01J0000000000000000000000Z', releaseAt })).status).toBe(
      404,
    );
  });

  it('shows it nowhere public: no text, permalink 404, feeds and archives byte for byte as before', async () => {
    for (const path of surfaces()) {
      const body = await text(path);
      for (const secret of [SECRET, SECRET_QUOTE, REVISED_QUOTE, CANCELLED, 'Leaked too early', 'Wording agreed', 'embargo was broken']) {
        expect(body, `${path} shows ${secret}`).not.toContain(secret);
      }
    }
    for (const [path, bytes] of before) expect(await text(path), path).toBe(bytes);
    // A cache revalidating its copy is told it is still good: nothing it could show early.
    for (const [path, etag] of etags) expect((await api.get(path, { 'If-None-Match': etag })).status, path).toBe(304);
    expect((await api.get(`/stories/${STORY}/updates/${pending}`)).status).toBe(404);
    expect((await api.get(`/stories/${STORY}/updates/${cancelled}`)).status).toBe(404);
    const changes = (await (await api.get(`/api/stories/${STORY}/changes?since=${lastPublicVersion}`)).json()) as { updates: unknown[] };
    expect(changes.updates).toEqual([]);
  });

  it('keeps the public log gap-free with content-free placeholders; an editor reads everything', async () => {
    const log = JSON.parse(await text(`/api/stories/${STORY}/events`)) as {
      events: { type: string; data: object; metadata: { version: number }; withheld?: object }[];
    };
    expect(log.events.map((e) => e.metadata.version)).toEqual(log.events.map((_, i) => i + 1));
    for (const e of log.events.filter((e) => e.metadata.version > lastPublicVersion))
      expect(e).toMatchObject({ data: {}, withheld: { reason: 'embargoed' } });
    const full = await text(`/api/stories/${STORY}/events`, editor);
    for (const secret of [SECRET, REVISED_QUOTE, CANCELLED, 'embargo was broken']) expect(full).toContain(secret);
  });

  it('lists what is scheduled for editors only (401 without a token), with its content as revised', async () => {
    expect((await api.get(`/api/stories/${STORY}/scheduled`)).status).toBe(401);
    const res = await api.get(`/api/stories/${STORY}/scheduled`, editor);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const body = (await res.json()) as {
      scheduled: { updateId: string; content: { quote: string }; recordedBy: string; version: number; keyEvent: boolean }[];
    };
    expect(body.scheduled).toHaveLength(1);
    expect(body.scheduled[0]).toMatchObject({
      updateId: pending,
      content: { quote: REVISED_QUOTE },
      recordedBy: 'anna',
      version: embargoVersion,
      keyEvent: true,
    });
    expect((await api.get('/api/stories/no-such-story/scheduled', editor)).status).toBe(404);
  });

  it('is in the OpenAPI document: releaseAt, reschedule, the scheduled list behind an editor token', async () => {
    const doc = JSON.parse(await text('/api/openapi.json')) as {
      paths: Record<string, Record<string, { security?: unknown }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.paths['/api/stories/{id}/scheduled']?.get?.security).toEqual([{ editorToken: [] }]);
    const schemas = JSON.stringify(doc.components.schemas);
    for (const name of ['ScheduledList', 'releaseAt', '"reschedule"', '"embargoed"']) expect(schemas).toContain(name);
  });

  it('pings no WebSub hub for embargo events: no feed changed', async () => {
    const before = pingsOf(STORY).length;
    // Another story's ping comes from a later batch than the embargo events': once it is in, theirs would be too.
    expect((await api.post('/api/stories', openBody('embargo-ping-marker'))).status).toBe(201);
    await pingedAbout('embargo-ping-marker');
    expect(pingsOf(STORY).length).toBe(before);
  });
});

describe('the release', () => {
  let releaseAt = '';
  let releaseVersion = 0;

  it('is appended by the server’s scheduler when due (rescheduled a few seconds ahead), recorded by system', async () => {
    // Pings so far: the reschedule (an embargo event) adds none, the release one.
    const pingsBefore = pingsOf(STORY).length;
    releaseAt = new Date(Date.now() + 2_000).toISOString();
    await post({ type: 'reschedule', target: pending, releaseAt });
    const release = await until(async () => {
      const log = JSON.parse(await text(`/api/stories/${STORY}/events`)) as {
        events: {
          type: string;
          data: { target?: string; releaseAt?: string };
          metadata: { version: number; recordedBy: string; recordedAt: string };
        }[];
      };
      return log.events.find((e) => e.type === 'UpdateReleased');
    }, 30_000);
    expect(release).toMatchObject({ data: { target: pending, releaseAt }, metadata: { recordedBy: 'system' } });
    expect(Date.parse(release.metadata.recordedAt)).toBeGreaterThanOrEqual(Date.parse(releaseAt));
    releaseVersion = release.metadata.version;
    await projected(releaseVersion);
    // The release changed the story's feeds: the hub is told.
    await until(async () => (pingsOf(STORY).length > pingsBefore ? true : undefined), 20_000);
  });

  it('then shows it everywhere, published at its release time; the cancelled one still nowhere', async () => {
    const view = JSON.parse(await text(`/api/stories/${STORY}`)) as {
      timeline: { updateId: string; recordedAt: string; version: number; content: { quote: string } }[];
      keyEvents: { updateId: string }[];
      counts: { updates: number; keyEvents: number; corrections: number; retractions: number };
    };
    expect(view.timeline.find((e) => e.updateId === pending)).toMatchObject({
      recordedAt: releaseAt,
      version: releaseVersion,
      content: { quote: REVISED_QUOTE },
    });
    expect(view.keyEvents.map((e) => e.updateId)).toContain(pending);
    expect(view.counts).toEqual({ updates: 3, keyEvents: 1, corrections: 0, retractions: 0 });
    const atom = await text(`/stories/${STORY}/feed.atom`);
    expect(atom).toContain(REVISED_QUOTE);
    expect(atom).toContain(`<published>${releaseAt}</published>`);
    const json = JSON.parse(await text(`/stories/${STORY}/feed.json`)) as {
      items: { date_published: string; content_text?: string; title?: string }[];
    };
    expect(json.items[0]!.date_published).toBe(releaseAt);
    for (const path of [`/stories/${STORY}/key-events.atom`, '/feed.atom', `/stories/${STORY}`, `/stories/${STORY}/updates/${pending}`]) {
      expect(await text(path), path).toContain(SECRET);
    }
    const stories = JSON.parse(await text('/api/stories')) as { stories: { storyId: string; updateCount: number }[] };
    expect(stories.stories.find((s) => s.storyId === STORY)?.updateCount).toBe(3);
    for (const path of surfaces()) expect(await text(path), path).not.toContain(CANCELLED);
    expect((await api.get(`/stories/${STORY}/updates/${cancelled}`)).status).toBe(404);
    const scheduled = (await (await api.get(`/api/stories/${STORY}/scheduled`, editor)).json()) as { scheduled: unknown[] };
    expect(scheduled.scheduled).toEqual([]);
  });

  it('time travel shows it only from its release: by version and by time', async () => {
    const at = (query: string) => text(`/api/stories/${STORY}?${query}`);
    expect(await at(`version=${releaseVersion - 1}`)).not.toContain(SECRET);
    expect(await at(`version=${releaseVersion}`)).toContain(REVISED_QUOTE);
    expect(await at(`asOf=${encodeURIComponent(new Date(Date.parse(releaseAt) - 1).toISOString())}`)).not.toContain(SECRET);
    expect(await at(`asOf=${encodeURIComponent(new Date().toISOString())}`)).toContain(REVISED_QUOTE);
  });

  it('is public in the log as itself, while the embargo events stay placeholders', async () => {
    const log = JSON.parse(await text(`/api/stories/${STORY}/events`)) as {
      events: { type: string; withheld?: { reason: string }; metadata: { version: number } }[];
    };
    expect(log.events.find((e) => e.metadata.version === embargoVersion)).toMatchObject({ withheld: { reason: 'embargoed' } });
    expect(log.events.find((e) => e.metadata.version === releaseVersion)?.withheld).toBeUndefined();
  });

  it('can be corrected, pinned and reschedule of it is refused once released (409)', async () => {
    await post({ type: 'pin', target: pending });
    await post({ type: 'correction', target: pending, changes: { quote: 'The sanctions list is published' }, note: 'After release' });
    expect((await api.post(`/api/stories/${STORY}/updates`, { type: 'reschedule', target: pending, releaseAt: inADay() })).status).toBe(409);
  });
});
