/**
 * The reader's pages over HTTP, on the real local stack: security headers and no inline code,
 * rendered once per story version, the timeline newest first and paged, permalinks, what an open
 * page asks for to stay live, the static assets, a past version, the structured data.
 * (test/e2e/live-page.test.ts drives the same pages in Chromium.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_CSP } from '../../../shared/adapters/http/page-security';
import { article, openBody, startApi, statement, type Api } from '../../support/api';
import { until } from '../../support/until';
import { assertValidAtom } from '../../support/feed-parsers';

let api: Api;
const LONG = 'page-routes-long';
const SHORT = 'page-routes-short';
const LONG_UPDATES = 120;
/** Update ids of the long story, in the order they were posted. */
const longIds: string[] = [];

const posted = async (storyId: string, body: unknown) => {
  const res = await api.post(`/api/stories/${storyId}/updates`, body);
  expect(res.status).toBe(201);
  return (await res.json()) as { updateId: string; version: number };
};
const html = async (path: string) => {
  const res = await api.get(path);
  expect(res.status, path).toBe(200);
  return res.text();
};
const ids = (page: string) => [...page.matchAll(/<li id="update-([0-9A-Z]{26})"/g)].map((m) => m[1]!);
const keys = (page: string) => [...page.matchAll(/ data-key="([^"]+)"/g)].map((m) => m[1]!);
const nextLink = (page: string) => page.match(/<a rel="next" href="([^"]+)"/)?.[1]?.replaceAll('&amp;', '&');
const versionOf = async (storyId: string) => ((await (await api.get(`/api/stories/${storyId}?limit=1`)).json()) as { version: number }).version;
const projected = (storyId: string, version: number) => until(async () => ((await versionOf(storyId)) >= version ? true : undefined), 20_000);

beforeAll(async () => {
  // The long story's 120 posts go one after another, faster than one editor's write rate allows.
  api = await startApi({ env: { NEWSROOM_WRITE_RATE: '1000', NEWSROOM_WRITE_BURST: '1000' } });
  for (const id of [LONG, SHORT]) expect((await api.post('/api/stories', openBody(id))).status).toBe(201);
  for (let i = 0; i < LONG_UPDATES; i++) {
    // Said on distinct days, posted out of order: the timeline orders by when it was said, not by when it was posted.
    const day = (i * 37) % LONG_UPDATES;
    const saidAt = new Date(Date.UTC(2010, 3, 1) + day * 86_400_000).toISOString().slice(0, 10);
    longIds.push((await posted(LONG, { ...statement(`Long story statement ${i}`), saidAt })).updateId);
  }
  await projected(LONG, LONG_UPDATES + 1);
}, 120_000);
afterAll(async () => api?.stop());

describe('every HTML answer', () => {
  it('carries the strict CSP and the security headers, and the pages hold no inline script, style or handler', async () => {
    const { updateId } = await posted(SHORT, article());
    await projected(SHORT, 2);
    const paths = [
      '/',
      `/stories/${SHORT}`,
      `/stories/${SHORT}?order=oldest`,
      `/stories/${SHORT}?version=1`,
      `/stories/${SHORT}/updates/${updateId}`,
    ];
    for (const path of paths) {
      const res = await api.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy'), path).toBe(PAGE_CSP);
      expect(PAGE_CSP).toMatch(/default-src 'none'.*script-src 'self'/);
      expect(PAGE_CSP).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('strict-origin-when-cross-origin');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      const body = await res.text();
      // The only script elements: the static live script and the JSON-LD data block (which no browser runs).
      for (const tag of body.match(/<script[^>]*>/g) ?? [])
        expect(tag, path).toMatch(/^<script (src="\/assets\/live\.[\w-]+\.js" defer|type="application\/ld\+json")>$/);
      expect(body, path).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
      // A 304 says the same.
      const again = await api.get(path, { 'If-None-Match': res.headers.get('etag')! });
      expect(again.status, path).toBe(304);
      expect(again.headers.get('content-security-policy'), path).toBe(PAGE_CSP);
    }
    const missing = await api.get(`/stories/${SHORT}/updates/01ARZ3NDEKTSV4RRFFQ69G5FAV`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('the story page', () => {
  it('is rendered once per story version: the same bytes until the story moves, then new ones', async () => {
    const first = await api.get(`/stories/${SHORT}`);
    const etag = first.headers.get('etag')!;
    expect((await api.get(`/stories/${SHORT}`)).headers.get('etag')).toBe(etag);
    const version = await versionOf(SHORT);
    await posted(SHORT, statement('A later statement'));
    await projected(SHORT, version + 1);
    const moved = await until(async () => {
      const res = await api.get(`/stories/${SHORT}`, { 'If-None-Match': etag });
      return res.status === 200 ? res : undefined;
    });
    expect(moved.headers.get('etag')).not.toBe(etag);
    expect(await moved.text()).toContain('A later statement');
  });

  it('shows the timeline newest first, page by page through every update, and oldest first on request', async () => {
    const walk = async (start: string) => {
      const seen: string[] = [];
      const order: string[] = [];
      for (let path: string | undefined = start; path;) {
        const page = await html(path);
        seen.push(...ids(page));
        order.push(...keys(page));
        path = nextLink(page);
      }
      return { seen, order };
    };
    const newest = await walk(`/stories/${LONG}`);
    expect(newest.seen).toHaveLength(LONG_UPDATES);
    expect(new Set(newest.seen)).toEqual(new Set(longIds));
    expect(newest.order).toEqual([...newest.order].sort().reverse());
    const oldest = await walk(`/stories/${LONG}?order=oldest`);
    expect(oldest.seen).toEqual([...newest.seen].reverse());
    // The first page is the newest: the latest said, whatever order they were posted in.
    const first = await html(`/stories/${LONG}`);
    expect(ids(first)).toHaveLength(50);
    expect(first).toContain('data-live="top"');
    expect(first).toContain('Older updates →');
  });

  it('ends a page of very long updates early, by bytes (the next page starts after its last update), and cuts their texts in the feeds to fit one answer', async () => {
    const story = 'page-routes-heavy';
    expect((await api.post('/api/stories', openBody(story))).status).toBe(201);
    // 60,000 characters that each escape to five: some 300 KB of HTML an update.
    const heavy: string[] = [];
    for (let i = 0; i < 20; i++) heavy.push((await posted(story, statement(`${i} ${'&'.repeat(59_990)}`))).updateId);
    await projected(story, 21);
    const seen: string[] = [];
    let pages = 0;
    for (let path: string | undefined = `/stories/${story}`; path; pages++) {
      const page = await html(path);
      expect(Buffer.byteLength(page)).toBeLessThan(3_000_000);
      seen.push(...ids(page));
      path = nextLink(page);
    }
    expect(pages).toBeGreaterThan(2);
    expect(seen).toEqual([...heavy].reverse());
    // Its feeds hold every update, their texts cut, within Lambda's answer: valid Atom, JSON Feed that parses.
    const atom = await html(`/stories/${story}/feed.atom`);
    expect(Buffer.byteLength(atom)).toBeLessThan(4_500_000);
    await assertValidAtom(atom);
    expect(atom.match(/<entry>/g)).toHaveLength(20);
    const feed = JSON.parse(await html(`/stories/${story}/feed.json`)) as { items: { content_html: string }[] };
    expect(feed.items).toHaveLength(20);
    for (const item of feed.items) expect(item.content_html).toContain('…');
    expect(Buffer.byteLength(await html(`/stories/${story}/feed.rss`))).toBeLessThan(4_500_000);
    // The past too: a page of the story as it stood stays within Lambda's 6 MB answer.
    const past = await api.get(`/api/stories/${story}?version=21`);
    expect(past.status).toBe(200);
    const body = await past.text();
    expect(Buffer.byteLength(body)).toBeLessThan(6_000_000);
    expect((JSON.parse(body) as { timeline: unknown[] }).timeline.length).toBeLessThan(20);
  });

  it('answers a cursor it did not give, or a version with paging, with a 400 naming the parameter', async () => {
    const bad = await api.get(`/stories/${LONG}?cursor=not-a-cursor`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('/query/cursor');
    const both = await api.get(`/stories/${LONG}?version=3&order=oldest`);
    expect(both.status).toBe(400);
    expect(JSON.stringify(await both.json())).toContain('/query/version');
    // Tracking parameters of shared links are no error.
    expect((await api.get(`/stories/${LONG}?utm_source=newsletter`)).status).toBe(200);
    expect((await api.get(`/stories/${LONG}?version=99999`)).status).toBe(404);
  });

  it('as it stood at a past version: the headline then, a note that says so, no live script, retractions made since honoured', async () => {
    const story = 'page-routes-past';
    expect((await api.post('/api/stories', openBody(story))).status).toBe(201);
    const said = await posted(story, statement('Withdrawn later'));
    await posted(story, { type: 'headline', headline: 'A new headline' });
    await posted(story, { type: 'retraction', target: said.updateId, reason: 'Misattributed' });
    await projected(story, 4);
    const past = await html(`/stories/${story}?version=2`);
    expect(past).toContain('as it stood at version 2');
    expect(past).toContain('Bakiyev flees Bishkek');
    expect(past).not.toContain('live.');
    expect(past).not.toContain('Withdrawn later');
    expect(past).toContain('Misattributed');
    const live = await html(`/stories/${story}`);
    expect(live).toContain('<h1 dir="auto">A new headline</h1>');
    // The headline history links each headline to the story as it stood.
    expect(live).toContain(`href="/stories/${story}?version=3"`);
    expect(live).toContain(`href="/stories/${story}?version=1"`);
  });

  it('describes itself as a schema.org LiveBlogPosting whose updates are their permalinks, corrections CorrectionComments', async () => {
    const story = 'page-routes-ld';
    expect((await api.post('/api/stories', { ...openBody(story), headline: 'Headline </script><script>alert(1)</script>' })).status).toBe(201);
    const a = await posted(story, article('An article'));
    await posted(story, { type: 'correction', target: a.updateId, changes: { title: 'A corrected article' }, note: 'Title fixed' });
    const s = await posted(story, statement('Withdrawn'));
    await posted(story, { type: 'retraction', target: s.updateId, reason: 'Never said' });
    await projected(story, 5);
    const page = await html(`/stories/${story}`);
    const blocks = [...page.matchAll(/<script type="application\/ld\+json">(.*?)<\/script>/gs)].map((m) => m[1]!);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).not.toMatch(/[<>]/);
    const ld = JSON.parse(blocks[0]!) as {
      '@type': string;
      headline: string;
      coverageStartTime: string;
      liveBlogUpdate: { url: string; headline: string; articleBody: string; correction?: { '@type': string; text: string }[] }[];
    };
    expect(ld['@type']).toBe('LiveBlogPosting');
    expect(ld.headline).toBe('Headline </script><script>alert(1)</script>');
    expect(ld.coverageStartTime).toMatch(/^\d{4}-/);
    const byUrl = new Map(ld.liveBlogUpdate.map((u) => [u.url, u]));
    const corrected = byUrl.get(`${api.url}/stories/${story}/updates/${a.updateId}`)!;
    expect(corrected.headline).toBe('A corrected article');
    expect(corrected.correction).toEqual([expect.objectContaining({ '@type': 'CorrectionComment', text: 'Title fixed' })]);
    const retracted = byUrl.get(`${api.url}/stories/${story}/updates/${s.updateId}`)!;
    expect(retracted.articleBody).toBe('Retracted: Never said');
    expect(JSON.stringify(ld)).not.toContain('Withdrawn');
  });
});

describe('key events and the pinned update', () => {
  it('stand at the top of the page, the key events alone on request, and an open page is sent them when they change', async () => {
    const story = 'page-routes-key-events';
    expect((await api.post('/api/stories', openBody(story))).status).toBe(201);
    const plain = await posted(story, statement('An ordinary statement'));
    const key = await posted(story, { ...statement('A statement that matters'), keyEvent: true });
    const other = await posted(story, article('An article that matters'));
    await projected(story, 4);
    const before = (await (await api.get(`/api/stories/${story}/changes?since=4`)).json()) as { version: number };
    await posted(story, { type: 'key-event', target: other.updateId, keyEvent: true });
    await posted(story, { type: 'pin', target: plain.updateId });
    await projected(story, 6);
    const page = await html(`/stories/${story}`);
    const top = (id: string) => page.slice(page.indexOf(`<div id="${id}">`)).split('</section></div>')[0]!;
    expect(top('pinned-region')).toContain('An ordinary statement');
    expect(top('pinned-region')).toContain(`href="#update-${plain.updateId}"`);
    expect(top('key-events-region')).toContain('A statement that matters');
    expect(top('key-events-region')).toContain('An article that matters');
    expect(top('key-events-region')).not.toContain('An ordinary statement');
    // The timeline marks them too, and the pinned update keeps its place in it.
    expect(page.match(/<span class="badge key">Key event<\/span>/g)).toHaveLength(2 * 2);
    expect(ids(page)).toEqual([other.updateId, key.updateId, plain.updateId]);
    const filtered = await html(`/stories/${story}?filter=key-events`);
    expect(ids(filtered)).toEqual([other.updateId, key.updateId]);
    expect(filtered).not.toContain('id="key-events-region"');
    // What an open page at version 4 asks for: the pin and the key events, as regions.
    const changes = (await (await api.get(`/api/stories/${story}/changes?since=${before.version}`)).json()) as { regions: Record<string, string> };
    expect(changes.regions['pinned-region']).toContain('An ordinary statement');
    expect(changes.regions['key-events-region']).toContain('An article that matters');
    // A retraction of the pinned update unpins it: the region empties.
    await posted(story, { type: 'retraction', target: plain.updateId, reason: 'Not said' });
    await projected(story, 7);
    const after = (await (await api.get(`/api/stories/${story}/changes?since=6`)).json()) as { regions: Record<string, string> };
    expect(after.regions['pinned-region']).toBe('<div id="pinned-region"></div>');
    expect(await html(`/stories/${story}`)).not.toContain('<section class="pinned"');
  });
});

describe('an update permalink', () => {
  it('shows the update with its correction notes, or only its retraction notice, and 404s for what is not an update of the story', async () => {
    const story = 'page-routes-permalink';
    expect((await api.post('/api/stories', openBody(story))).status).toBe(201);
    const a = await posted(story, article('Original title'));
    await posted(story, { type: 'correction', target: a.updateId, changes: { title: 'Corrected title' }, note: 'The title was wrong' });
    const s = await posted(story, statement('Words never said'));
    await posted(story, { type: 'retraction', target: s.updateId, reason: 'Not said by this person' });
    await projected(story, 5);
    const corrected = await html(`/stories/${story}/updates/${a.updateId}`);
    expect(corrected).toContain('Corrected title');
    expect(corrected).toContain('The title was wrong');
    expect(corrected).not.toContain('Original title');
    const retracted = await html(`/stories/${story}/updates/${s.updateId}`);
    expect(retracted).toContain('Not said by this person');
    expect(retracted).not.toMatch(/Words never said|Kurmanbek/);
    for (const path of [
      `/stories/${story}/updates/${longIds[0]}`, // an update of another story
      `/stories/${story}/updates/not-an-id`,
      `/stories/no-such-story/updates/${a.updateId}`,
    ]) {
      const res = await api.get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
    }
  });

  it('is where every feed entry links, and resolves for the oldest entries of a long story', async () => {
    const feed = await html(`/stories/${LONG}/feed.json`);
    const archive = (JSON.parse(feed) as { next_url: string }).next_url;
    const oldest = JSON.parse(await html(new URL(archive).pathname)) as { items: { id: string; url: string }[] };
    expect(oldest.items.length).toBeGreaterThan(0);
    for (const item of oldest.items.slice(0, 10)) {
      const updateId = item.url.split('/updates/')[1]!;
      expect(item.url).toBe(`${api.url}/stories/${LONG}/updates/${updateId}`);
      const page = await html(new URL(item.url).pathname);
      expect(page).toContain(`<li id="update-${updateId}"`);
    }
    const atom = await html(`/stories/${LONG}/feed.atom`);
    expect(atom).toMatch(new RegExp(`<link rel="alternate" type="text/html" href="${api.url}/stories/${LONG}/updates/[0-9A-Z]{26}"`));
  });
});

describe('what an open page asks for', () => {
  const changes = (storyId: string, since: number | string, headers: Record<string, string> = {}) =>
    api.get(`/api/stories/${storyId}/changes?since=${since}`, headers);
  type Changes = {
    version: number;
    complete: boolean;
    regions: Record<string, string>;
    updates: { updateId: string; version: number; key: string; html: string }[];
  };

  it('is nothing at the head (304 to its ETag), then the new updates and the head, cached for seconds only', async () => {
    const story = 'page-routes-changes';
    expect((await api.post('/api/stories', openBody(story))).status).toBe(201);
    await projected(story, 1);
    const idle = await changes(story, 1);
    expect(idle.headers.get('cache-control')).toBe('public, max-age=5');
    expect(await idle.json()).toMatchObject({ version: 1, complete: true, regions: {}, updates: [] });
    expect((await changes(story, 1, { 'If-None-Match': idle.headers.get('etag')! })).status).toBe(304);
    const added = await posted(story, statement('Something new'));
    await projected(story, 2);
    const body = (await until(async () => {
      const res = await changes(story, 1, { 'If-None-Match': idle.headers.get('etag')! });
      return res.status === 200 ? ((await res.json()) as Changes) : undefined;
    })) as Changes;
    expect(body.version).toBe(2);
    expect(body.updates).toEqual([expect.objectContaining({ updateId: added.updateId, version: 2 })]);
    expect(body.updates[0]!.html).toMatch(new RegExp(`^<li id="update-${added.updateId}"`));
    expect(body.regions['story-head']).toContain('1 update');
    // A correction and a retraction of updates the page shows come as those updates, changed.
    await posted(story, { type: 'retraction', target: added.updateId, reason: 'Wrong person' });
    await projected(story, 3);
    const later = (await (await changes(story, 2)).json()) as Changes;
    expect(later.updates).toHaveLength(1);
    expect(later.updates[0]!.version).toBe(2);
    expect(later.updates[0]!.html).toContain('Wrong person');
    expect(later.updates[0]!.html).not.toContain('Something new');
  });

  it('comes in pages of at most 100 events for a page far behind, which lead to the head', async () => {
    const head = await versionOf(LONG);
    const seen = new Set<string>();
    let since = 0;
    let calls = 0;
    for (let complete = false; !complete; calls++) {
      const body = (await (await changes(LONG, since)).json()) as Changes;
      for (const u of body.updates) seen.add(u.updateId);
      expect(body.version).toBeGreaterThan(since);
      since = body.version;
      complete = body.complete;
    }
    expect(since).toBe(head);
    expect(calls).toBe(2);
    expect(seen).toEqual(new Set(longIds));
  });

  it('refuses a missing or bad version with a 400 naming it', async () => {
    for (const since of ['-1', 'x', '1.5']) {
      const res = await changes(LONG, since);
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain('/query/since');
    }
    expect((await api.get(`/api/stories/${LONG}/changes`)).status).toBe(400);
    expect((await changes('no-such-story', 0)).status).toBe(404);
  });
});

describe('the static assets', () => {
  it('are served under content-hashed names, cached as immutable; other names are 404', async () => {
    const page = await html(`/stories/${SHORT}`);
    const script = page.match(/src="(\/assets\/live\.[\w-]+\.js)"/)![1]!;
    const style = page.match(/href="(\/assets\/page\.[\w-]+\.css)"/)![1]!;
    for (const [path, type] of [
      [script, 'text/javascript; charset=utf-8'],
      [style, 'text/css; charset=utf-8'],
    ] as const) {
      const res = await api.get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    for (const path of ['/assets/live.js', '/assets/page.css', '/assets/../package.json', '/assets/live.000000000000.js']) {
      expect((await api.get(path)).status, path).toBe(404);
    }
  });
});

describe('the front page', () => {
  it('lists the stories with their status, latest update and counts', async () => {
    const page = await html('/');
    const item = page.slice(page.indexOf(`href="/stories/${LONG}"`)).split('</li>')[0]!;
    expect(item).toContain(`${LONG_UPDATES} updates`);
    expect(item).toContain('developing');
    expect(item).toContain('latest update <time');
    const past = page.slice(page.indexOf('href="/stories/page-routes-permalink"')).split('</li>')[0]!;
    expect(past).toMatch(/2 updates · 1 correction · 1 retraction/);
  });
});
