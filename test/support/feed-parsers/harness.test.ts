// Self-tests of test/support/feed-parsers: each helper really runs its tool, accepts the valid
// samples in test/fixtures and rejects broken documents. Tools: scripts/install-test-tools.sh.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertValidAtom,
  assertValidJsonFeed11,
  assertWellFormedXml,
  createNewsboatSession,
  jsonFeed11Violations,
  parseWithFeedparser,
  readWithNewsboat,
} from '.';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');
const ATOM = fixture('sample.atom');
const RSS = fixture('sample.rss');
const JSON_FEED = fixture('sample.json');
const MALFORMED = '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>x</feed>\n';
const ATOM_WITHOUT_FEED_ID = ATOM.replace('<id>tag:newsroom.example,2025:feed/main</id>', '');

describe('xmllint: assertWellFormedXml', () => {
  it('accepts the Atom and RSS samples', async () => {
    await assertWellFormedXml(ATOM);
    await assertWellFormedXml(RSS);
  });

  it("rejects malformed XML with xmllint's own message", async () => {
    await expect(assertWellFormedXml(MALFORMED)).rejects.toThrow(/Opening and ending tag mismatch: title line 2 and feed/);
  });
});

describe('jing + RFC 4287 grammar: assertValidAtom', () => {
  it('accepts the Atom sample (xml:lang, thr:in-reply-to, at:deleted-entry)', async () => {
    expect(ATOM).toContain('xml:lang=');
    expect(ATOM).toContain('<thr:in-reply-to ');
    expect(ATOM).toContain('<at:deleted-entry ');
    await assertValidAtom(ATOM);
  });

  it("accepts a valid feed whose 4-byte UTF-8 characters straddle the buffer of jing's Xerces (bmpOnly)", async () => {
    // Rendered by the all-stories feed from generated input (accepted-input property test, seed 1973533034):
    // jing alone reads byte 8,233 as "Invalid byte 2 of 4-byte UTF-8 sequence"; xmllint reads the same bytes as well-formed UTF-8.
    const straddling = readFileSync(new URL('../../fixtures/xerces-utf8-straddle.atom', import.meta.url));
    await assertWellFormedXml(straddling.toString('utf8'));
    expect(/[\u{10000}-\u{10FFFF}]/u.test(straddling.toString('utf8'))).toBe(true);
    await assertValidAtom(straddling);
  });

  it("rejects a feed without <id>, with jing's message", async () => {
    expect(ATOM_WITHOUT_FEED_ID).not.toBe(ATOM);
    await expect(assertValidAtom(ATOM_WITHOUT_FEED_ID)).rejects.toThrow(/missing required element "id"/);
  });

  it('rejects an RSS document and an Atom element that RFC 4287 does not define', async () => {
    await expect(assertValidAtom(RSS)).rejects.toThrow(/jing: document is not valid Atom/);
    const stray = ATOM.replace('<generator ', '<atom-nonsense xmlns="http://www.w3.org/2005/Atom"/><generator ');
    await expect(assertValidAtom(stray)).rejects.toThrow(/atom-nonsense/);
  });
});

describe('feedparser: parseWithFeedparser', () => {
  it('parses the Atom sample, with its extensions', async () => {
    const r = await parseWithFeedparser(ATOM);
    expect(r.bozo).toBe(false);
    expect(r.bozo_exception).toBeNull();
    expect(r.version).toBe('atom10');
    expect(r.feed.id).toBe('tag:newsroom.example,2025:feed/main');
    expect(r.feed.language).toBe('en-GB');
    expect(r.feed.updated_parsed).toBe('2025-05-20T10:30:00Z');
    expect(r.feed.extra['at_deleted-entry']).toEqual({
      ref: 'tag:newsroom.example,2025:story/1001',
      when: '2025-05-20T08:00:00Z',
    });
    expect(r.entries.map((e) => e.title)).toEqual(['Council approves new bridge', 'Réaction des riverains']);
    const [first, reply] = r.entries;
    expect(first?.tags).toEqual(['local', 'transport']);
    expect(first?.content[0]?.type).toBe('text/html');
    expect(first?.published_parsed).toBe('2025-05-20T09:00:00Z');
    expect(reply?.title_language).toBe('fr');
    expect(reply?.extra['thr_in-reply-to']).toMatchObject({ ref: 'tag:newsroom.example,2025:story/1002' });
  });

  it('parses the RSS sample', async () => {
    const r = await parseWithFeedparser(RSS);
    expect(r.bozo).toBe(false);
    expect(r.version).toBe('rss20');
    expect(r.entries.map((e) => [e.id, e.author, e.published_parsed])).toEqual([
      ['tag:newsroom.example,2025:story/1002', 'Ada Reporter', '2025-05-20T09:00:00Z'],
      ['tag:newsroom.example,2025:story/1003', 'Bea Correspondante', '2025-05-20T10:00:00Z'],
    ]);
    expect(r.entries[1]?.enclosures[0]).toMatchObject({ href: 'http://newsroom.example/media/1003.mp3', type: 'audio/mpeg' });
  });

  it("reports bozo with the parser's exception on broken XML", async () => {
    const r = await parseWithFeedparser(MALFORMED);
    expect(r.bozo).toBe(true);
    expect(r.bozo_exception).toMatch(/SAXParseException: .*mismatched tag/);
  });

  it('does not read JSON Feed (bozo, no version)', async () => {
    const r = await parseWithFeedparser(JSON_FEED);
    expect(r.bozo).toBe(true);
    expect(r.version).toBe('');
  });
});

describe('JSON Feed 1.1: assertValidJsonFeed11', () => {
  it('accepts the JSON Feed sample (object or text)', () => {
    expect(jsonFeed11Violations(JSON.parse(JSON_FEED))).toEqual([]);
    assertValidJsonFeed11(JSON_FEED);
  });

  it('rejects a feed without version', () => {
    const { version: _drop, ...rest } = JSON.parse(JSON_FEED) as Record<string, unknown>;
    expect(() => assertValidJsonFeed11(rest)).toThrow(/\$\.version: required member is missing/);
  });

  it('lists every violation with its JSON path', () => {
    const doc = {
      version: 'https://jsonfeed.org/version/1',
      title: 7,
      feed_url: '/relative',
      expired: 'no',
      hubs: [{ type: 'WebSub' }],
      authors: [{}],
      items: [
        { id: '', content_text: 'x', date_published: '2025-02-30T10:00:00Z', tags: ['a', 1] },
        { id: 42, title: 'no content', language: 'en_GB', authors: [{ name: 'A', avatar: 3 }] },
        { id: 'ok', content_html: '<p/>', attachments: [{ url: 'http://x.example/a.mp3', size_in_bytes: '1' }] },
      ],
    };
    expect(jsonFeed11Violations(doc)).toEqual([
      '$.version: must be "https://jsonfeed.org/version/1.1", got "https://jsonfeed.org/version/1"',
      '$.title: must be a string, got 7',
      '$.feed_url: must be an absolute URL, got "/relative"',
      '$.expired: must be a boolean, got "no"',
      '$.authors[0]: an author needs at least one of name, url, avatar',
      '$.hubs[0].url: required member is missing',
      '$.items[0].id: must not be empty',
      '$.items[0].date_published: must be an RFC 3339 date-time, got "2025-02-30T10:00:00Z"',
      '$.items[0].tags[1]: must be a string',
      '$.items[1].id: must be a string, got 42',
      '$.items[1]: needs content_html or content_text (or both)',
      '$.items[1].language: must be an RFC 5646 language tag, got "en_GB"',
      '$.items[1].authors[0].avatar: must be a string, got 3',
      '$.items[2].attachments[0].mime_type: required member is missing',
      '$.items[2].attachments[0].size_in_bytes: must be a number, got "1"',
    ]);
    expect(jsonFeed11Violations('{not json')).toEqual([expect.stringMatching(/^\$: not JSON: /)]);
    expect(jsonFeed11Violations({ version: 'https://jsonfeed.org/version/1.1', title: 't' })).toEqual(['$.items: required member is missing']);
  });
});

describe('newsboat: readWithNewsboat / createNewsboatSession', () => {
  const docs = new Map<string, { type: string; body: string }>();
  let server: Server;
  let base = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      const doc = docs.get(req.url ?? '');
      if (!doc) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      // No Last-Modified/ETag: every reload gets a fresh 200.
      res.writeHead(200, { 'content-type': doc.type, 'cache-control': 'no-store' }).end(doc.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    docs.set('/feed.atom', { type: 'application/atom+xml; charset=utf-8', body: ATOM });
    docs.set('/feed.rss', { type: 'application/rss+xml; charset=utf-8', body: RSS });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads the Atom sample served over HTTP', async () => {
    const items = await readWithNewsboat([`${base}/feed.atom`]);
    expect(items.map((i) => [i.guid, i.title, i.author, i.feedUrl])).toEqual([
      ['tag:newsroom.example,2025:story/1003', 'Réaction des riverains', 'Bea Correspondante', `${base}/feed.atom`],
      ['tag:newsroom.example,2025:story/1002', 'Council approves new bridge', 'Ada Reporter', `${base}/feed.atom`],
    ]);
    expect(items[1]).toMatchObject({
      url: 'http://newsroom.example/stories/1002',
      pubDate: Date.parse('2025-05-20T09:00:00Z') / 1000, // <published>, not <updated>
      unread: true,
      deleted: false,
    });
    expect(items[1]?.content).toContain('<strong>7-2</strong>');
  });

  it('reads the RSS sample served over HTTP', async () => {
    const items = await readWithNewsboat([`${base}/feed.rss`]);
    expect(items.map((i) => [i.title, i.author, i.pubDate])).toEqual([
      ['Réaction des riverains', 'Bea Correspondante', Date.parse('2025-05-20T10:00:00Z') / 1000],
      ['Council approves new bridge', 'Ada Reporter', Date.parse('2025-05-20T09:00:00Z') / 1000],
    ]);
    expect(items[0]?.enclosureUrl).toBe('http://newsroom.example/media/1003.mp3');
  });

  it('keys items by guid alone: feeds sharing guids share cache rows', async () => {
    const items = await readWithNewsboat([`${base}/feed.atom`, `${base}/feed.rss`]);
    expect(items.map((i) => i.guid)).toEqual(['tag:newsroom.example,2025:story/1003', 'tag:newsroom.example,2025:story/1002']);
    for (const i of items) expect([`${base}/feed.atom`, `${base}/feed.rss`]).toContain(i.feedUrl);
  });

  it("fails with newsboat's own error when a feed cannot be fetched", async () => {
    await expect(readWithNewsboat([`${base}/missing.atom`])).rejects.toThrow(/Error while retrieving .*missing\.atom: .*404/);
  });

  it('updates a corrected entry (same id, later <updated>) in place on a second reload', async () => {
    docs.set('/news.atom', { type: 'application/atom+xml', body: ATOM });
    const session = await createNewsboatSession([`${base}/news.atom`]);
    try {
      const before = await session.reload();
      expect(before.map((i) => i.title)).toEqual(['Réaction des riverains', 'Council approves new bridge']);

      const corrected = ATOM.replace(
        /(<title type="text">)Council approves new bridge(<\/title>[\s\S]*?<updated>)2025-05-20T10:30:00Z/,
        '$1Council approves new bridge (corrected)$22025-05-20T11:45:00Z',
      ).replace('for the river crossing.&lt;/p&gt;', 'for the river crossing, corrected.&lt;/p&gt;');
      expect(corrected).toContain('<updated>2025-05-20T11:45:00Z</updated>');
      await assertValidAtom(corrected);
      docs.set('/news.atom', { type: 'application/atom+xml', body: corrected });

      const after = await session.reload();
      expect(after).toHaveLength(before.length);
      expect(after.map((i) => i.title)).toEqual(['Réaction des riverains', 'Council approves new bridge (corrected)']);
      const item = after.find((i) => i.guid === 'tag:newsroom.example,2025:story/1002');
      expect(item?.content).toContain('for the river crossing, corrected.');
      expect(item?.pubDate).toBe(before[1]?.pubDate);
    } finally {
      await session.close();
    }
  });
});
