/**
 * A retraction reaches every public surface: against the local newsroom (the Hono apps the Lambda
 * handlers serve), an article and a statement with distinctive text, link, outlet and speaker are
 * posted, corrected and retracted; none of those strings may appear on any public route listed
 * below, before or after the retraction's version, while an editor's token still reads them in
 * the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_CACHE_CONTROL } from '../../../shared/application/representation';
import { article, openBody, startApi, statement, TOKENS, until, type Api } from '../../support/api';

const STORY = 'retraction-scratch-story';
/** Small, so that the story has complete RFC 5005 archive pages holding the retracted entries. */
const FEED_SIZE = 3;

/** Everything the two retracted updates (and the correction of one) said: none of it may be public. */
const WITHDRAWN = [
  'Zephyrine Quillfeather', // article title
  'Marmoset treaty annulled', // corrected title
  'https://quillmoor.example/zq-7731', // article link
  'Quillmoor Courier', // article outlet
  'Ottoline Vanderquist', // article author
  'forged ledger of marmosets', // article summary
  'Headline overstated the ledger', // correction note
  'Oswaldo Fictitious-Brandt', // speaker
  'Minister of Imaginary Affairs', // speaker's role
  'The marmoset treaty is void', // quote
  'Vexholm Wire', // statement outlet
  'Radio Vexholm', // statement medium
  'https://vexholm.example/statement-5521', // statement link
  'said at a fictional press call', // statement context
];

const withdrawnArticle = {
  type: 'article',
  title: 'Zephyrine Quillfeather signs the marmoset ledger',
  url: 'https://quillmoor.example/zq-7731',
  outlet: 'Quillmoor Courier',
  publishedAt: '2010-04-09T08:00:00Z',
  author: 'Ottoline Vanderquist',
  summary: 'A forged ledger of marmosets, reported as real.',
};
const withdrawnStatement = {
  type: 'statement',
  speaker: { name: 'Oswaldo Fictitious-Brandt', role: 'Minister of Imaginary Affairs' },
  quote: 'The marmoset treaty is void',
  saidAt: '2010-04-09',
  medium: 'Radio Vexholm',
  outlet: 'Vexholm Wire',
  url: 'https://vexholm.example/statement-5521',
  context: 'He said at a fictional press call.',
};
/** What stays published: the routes must still show it (so an empty answer cannot pass). */
const liveArticle = { ...article('Provisional government takes office'), url: 'https://live.example/provisional', outlet: 'Steady Gazette' };
const liveStatement = { ...statement('Order is being restored'), speaker: { name: 'Greta Fictionalia', role: 'spokeswoman' } };

let api: Api;
const ids: Record<string, string> = {};
/** The version and time just before the first retraction. */
let beforeVersion = 0;
let beforeTime = '';
/** The validators a cache kept of the past view and of a full log page from before the retraction. */
const validators: Record<'past' | 'log', { etag: string; lastModified: string }> = {
  past: { etag: '', lastModified: '' },
  log: { etag: '', lastModified: '' },
};

async function post(body: unknown): Promise<{ updateId: string; version: number; recordedAt: string }> {
  const res = await api.post(`/api/stories/${STORY}/updates`, body);
  expect(res.status, JSON.stringify(body)).toBe(201);
  return (await res.json()) as { updateId: string; version: number; recordedAt: string };
}

beforeAll(async () => {
  api = await startApi({ env: { NEWSROOM_FEED_SIZE: String(FEED_SIZE) } });
  expect((await api.post('/api/stories', { ...openBody(STORY), headline: 'A scratch story for retractions' })).status).toBe(201);
  ids.live = (await post(liveArticle)).updateId; // v2
  ids.article = (await post(withdrawnArticle)).updateId; // v3
  ids.statement = (await post(withdrawnStatement)).updateId; // v4
  await post({ type: 'correction', target: ids.article, changes: { title: 'Marmoset treaty annulled' }, note: 'Headline overstated the ledger' }); // v5
  const last = await post(liveStatement); // v6
  beforeVersion = last.version;
  beforeTime = last.recordedAt;
  // The past view as readers (and caches) got it before the retraction: it did show the text.
  await until(async () => {
    const res = await api.get(`/api/stories/${STORY}`);
    return res.ok && ((await res.json()) as { version: number }).version === beforeVersion ? true : undefined;
  });
  const past = await api.get(`/api/stories/${STORY}?version=${beforeVersion}`);
  expect(await past.text()).toContain('Marmoset treaty annulled');
  const log = await api.get(`/api/stories/${STORY}/events?limit=4`);
  expect(await log.text()).toContain('Oswaldo Fictitious-Brandt');
  validators.past = { etag: past.headers.get('etag')!, lastModified: past.headers.get('last-modified')! };
  validators.log = { etag: log.headers.get('etag')!, lastModified: log.headers.get('last-modified')! };
  expect(await (await api.get(`/stories/${STORY}/feed.atom`)).text()).toContain('Oswaldo Fictitious-Brandt');

  // HTTP dates have whole seconds: a retraction in the same second as the copy's Last-Modified is
  // told apart by its ETag only (If-None-Match, which caches that hold an ETag send).
  await new Promise((r) => setTimeout(r, 1_100));
  await post({ type: 'retraction', target: ids.article, reason: 'The ledger was forged' }); // v7
  const final = await post({ type: 'retraction', target: ids.statement, reason: 'The quote was invented' }); // v8
  await post({ ...liveArticle, title: 'Parliament dissolved', url: 'https://live.example/parliament' }); // v9: archive 7-9 completes
  await until(async () => {
    const res = await api.get(`/api/stories/${STORY}`);
    return res.ok && ((await res.json()) as { version: number }).version > final.version ? true : undefined;
  });
}, 60_000);
afterAll(() => api?.stop());

/** Every event page, following `next` from a small first page. */
async function eventPages(headers: Record<string, string> = {}): Promise<string[]> {
  const pages: string[] = [];
  let path: string | undefined = `/api/stories/${STORY}/events?limit=2`;
  while (path) {
    const res = await api.get(path, headers);
    expect(res.status, path).toBe(200);
    const text = await res.text();
    pages.push(text);
    path = (JSON.parse(text) as { next?: string }).next;
  }
  return pages;
}

/** The archive pages the Atom feed links (prev-archive, page after page), as `first-last` ranges. */
async function archiveRanges(): Promise<string[]> {
  const ranges: string[] = [];
  let path: string | undefined = `/stories/${STORY}/feed.atom`;
  while (path) {
    const body: string = await (await api.get(path)).text();
    const prev: string | undefined =
      /<link rel="prev-archive" type="application\/atom\+xml" href="[^"]*\/archive\/([0-9]+-[0-9]+)\/feed\.atom"\/>/.exec(body)?.[1];
    if (prev) ranges.push(prev);
    path = prev ? `/stories/${STORY}/archive/${prev}/feed.atom` : undefined;
  }
  return ranges;
}

/** Every public route that shows the story, by path. */
async function publicRoutes(): Promise<string[]> {
  const archives = await archiveRanges();
  return [
    `/api/stories/${STORY}`,
    `/api/stories/${STORY}?limit=1`,
    `/api/stories/${STORY}?version=${beforeVersion}`,
    `/api/stories/${STORY}?version=4`,
    `/api/stories/${STORY}?asOf=${encodeURIComponent(beforeTime)}`,
    `/stories/${STORY}`,
    '/',
    ...['atom', 'rss', 'json'].map((f) => `/stories/${STORY}/feed.${f}`),
    ...archives.flatMap((range) => ['atom', 'rss', 'json'].map((f) => `/stories/${STORY}/archive/${range}/feed.${f}`)),
    ...['atom', 'rss', 'json'].map((f) => `/feed.${f}`),
    '/api/stories',
  ];
}

describe('a retraction on every public surface', () => {
  it('the story has complete archive pages, the retracted entries among them', async () => {
    expect(await archiveRanges()).toEqual(['7-9', '4-6', '1-3']);
  });

  it('no public route shows the withdrawn text, link, outlet, speaker or correction', async () => {
    const routes = await publicRoutes();
    expect(routes.length).toBe(14 + 3 * 3);
    for (const path of routes) {
      const res = await api.get(path);
      expect(res.status, path).toBe(200);
      const body = await res.text();
      for (const text of WITHDRAWN) expect(body, `${path} shows "${text}"`).not.toContain(text);
      // Public, and cached no longer than a live feed, so a retraction reaches every cache as fast.
      expect(res.headers.get('cache-control'), path).toBe(LIVE_CACHE_CONTROL);
    }
    for (const page of await eventPages()) for (const text of WITHDRAWN) expect(page).not.toContain(text);
  });

  it('the routes still show what is live, and the notices with the reasons', async () => {
    const view = await (await api.get(`/api/stories/${STORY}`)).text();
    for (const text of [
      'Provisional government takes office',
      'Steady Gazette',
      'Greta Fictionalia',
      'The ledger was forged',
      'The quote was invented',
    ]) {
      expect(view).toContain(text);
    }
    const page = await (await api.get(`/stories/${STORY}`)).text();
    for (const text of ['Greta Fictionalia', 'Steady Gazette', 'The ledger was forged']) expect(page).toContain(text);
    for (const f of ['atom', 'rss', 'json']) expect(await (await api.get(`/stories/${STORY}/feed.${f}`)).text()).toContain('The quote was invented');
  });

  it('the view no longer lists the withdrawn outlets and speaker, now or at a version before the retraction', async () => {
    type View = {
      people: { name: string; statementCount: number }[];
      sources: { outlet: string; updateCount: number; lastUrl?: string }[];
      timeline: { updateId: string; retracted?: boolean; content?: unknown }[];
      retractions: { target: string; reason: string }[];
    };
    for (const query of ['', `?version=${beforeVersion}`, `?asOf=${encodeURIComponent(beforeTime)}`]) {
      const view = (await (await api.get(`/api/stories/${STORY}${query}`)).json()) as View;
      expect(
        view.people.map((p) => [p.name, p.statementCount]),
        query,
      ).toEqual([['Greta Fictionalia', 1]]);
      expect(
        view.sources.map((s) => s.outlet),
        query,
      ).toEqual(['Steady Gazette']);
      for (const id of [ids.article, ids.statement]) {
        const entry = view.timeline.find((e) => e.updateId === id);
        expect(entry, query).toMatchObject({ retracted: true });
        expect(entry, query).not.toHaveProperty('content');
      }
      expect(view.retractions.map((r) => r.reason).sort(), query).toEqual(['The ledger was forged', 'The quote was invented']);
    }
  });

  it('the event log masks the withdrawn events and keeps their ids, versions and the retractions', async () => {
    type Event = {
      type: string;
      data: Record<string, unknown>;
      metadata: { version: number; updateId: string };
      withheld?: { retraction: { reason: string } };
    };
    const events = (await eventPages()).flatMap((p) => (JSON.parse(p) as { events: Event[] }).events);
    expect(events.map((e) => e.metadata.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const masked = events.filter((e) => e.withheld).map((e) => [e.metadata.version, e.type, e.data, e.withheld!.retraction.reason]);
    expect(masked).toEqual([
      [3, 'ArticlePublished', {}, 'The ledger was forged'],
      [4, 'StatementRecorded', {}, 'The quote was invented'],
      [5, 'UpdateCorrected', { target: ids.article }, 'The ledger was forged'],
    ]);
    expect(events[6]).toMatchObject({ type: 'UpdateRetracted', data: { target: ids.article, reason: 'The ledger was forged' } });
  });

  it('a cache revalidating its copy from before the retraction gets the masked one, not a 304', async () => {
    for (const [which, path] of [
      ['past', `/api/stories/${STORY}?version=${beforeVersion}`],
      ['log', `/api/stories/${STORY}/events?limit=4`],
    ] as const) {
      for (const header of [{ 'If-None-Match': validators[which].etag }, { 'If-Modified-Since': validators[which].lastModified }] as Record<
        string,
        string
      >[]) {
        const res = await api.get(path, header);
        expect(res.status, `${path} ${JSON.stringify(header)}`).toBe(200);
        const body = await res.text();
        for (const text of WITHDRAWN) expect(body).not.toContain(text);
      }
    }
  });

  it('an editor’s token reads the full record, never cached publicly', async () => {
    const auth = { Authorization: `Bearer ${TOKENS.ben}` };
    const pages = await eventPages(auth);
    const all = pages.join('\n');
    for (const text of WITHDRAWN) expect(all).toContain(text);
    expect(all).not.toContain('"withheld"');
    const res = await api.get(`/api/stories/${STORY}/events`, auth);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('vary')).toMatch(/Authorization/);
    // The public answer varies on the header too, so no cache hands it to an editor or the reverse.
    expect((await api.get(`/api/stories/${STORY}/events`)).headers.get('vary')).toMatch(/Authorization/);
  });

  it('a token that is not an editor’s gets 401, not the public log', async () => {
    for (const header of ['Bearer not-a-real-token', 'Basic YW5uYTpwdw==']) {
      const res = await api.get(`/api/stories/${STORY}/events`, { Authorization: header });
      expect(res.status, header).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="newsroom"/);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(res.headers.get('cache-control')).toMatch(/no-store/);
      const body = await res.text();
      for (const text of WITHDRAWN) expect(body).not.toContain(text);
    }
  });
});
