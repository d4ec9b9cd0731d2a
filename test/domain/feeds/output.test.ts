/**
 * What readers make of the feeds (issue #12, "Output that readers and browsers trip on"), checked
 * with the readers themselves: feedparser and newsboat read editor text that looks like markup as
 * that literal text, in Atom, RSS and JSON Feed; titles are cut by grapheme and close the bidi
 * controls they open; multi-line text keeps its paragraphs; the all-stories feed names each
 * entry's story and language.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBidi, cutText } from '../../../shared/domain/display-text';
import { entryHtml } from '../../../shared/domain/feeds/entry-html';
import { allStoriesFeed, entryTitle, storyFeed, type FeedDocument } from '../../../shared/domain/feeds/model';
import { renderFeed } from '../../../shared/domain/feeds/render';
import { FEED_FORMATS, type FeedContext, type FeedFormat } from '../../../shared/domain/feeds/urls';
import { foldStory, type StoryView } from '../../../shared/domain/projection/story-view';
import { CURRENT_SCHEMA_VERSION, type StoryEvent } from '../../../shared/domain/story/events';
import { assertValidJsonFeed11, createNewsboatSession, DEBIAN_PYTHON, parseWithFeedparser, type NewsboatItem } from '../../support/feed-parsers';
import { assertAllValidAtom, assertAllWellFormed, parseAllWithFeedparser } from '../../support/feeds';

const ctx: FeedContext = { baseUrl: 'https://news.example.org', tagPrefix: 'tag:news.example.org,2026:' };
/** The headline: markup a reader must show, never run or render. */
const H = '<script>alert(1)</script> & <b>x</b>';
/** The channel title newsboat keeps in its cache. */
const FEED_TITLE_PY = `
import json, pathlib, sqlite3, sys
con = sqlite3.connect(pathlib.Path(sys.argv[1]).as_uri() + "?mode=ro", uri=True)
print(json.dumps(con.execute("SELECT title FROM rss_feed").fetchone()[0], ensure_ascii=False))
`;
const graphemes = (text: string) => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].map((s) => s.segment);

function story(storyId: string, opts: { language?: string; headline?: string; quote?: string; summary?: string; base?: number } = {}): StoryView {
  const base = opts.base ?? Date.UTC(2026, 0, 1);
  let version = 0;
  const meta = (updateId: string) => ({
    storyId,
    version: ++version,
    updateId,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    recordedAt: new Date(base + version * 1000).toISOString(),
    recordedBy: 'anna',
  });
  const events = [
    {
      type: 'StoryOpened',
      data: { headline: opts.headline ?? H, summary: opts.summary ?? H, language: opts.language ?? 'en', topics: [H] },
      metadata: meta('S1'),
    },
    {
      type: 'ArticlePublished',
      data: {
        title: H,
        url: 'https://example.org/a?x=1&y=2',
        outlet: H,
        publishedAt: '2010-04-08',
        summary: 'First paragraph,\nsecond line.\n\nSecond paragraph.',
      },
      metadata: meta('U2'),
    },
    {
      type: 'StatementRecorded',
      data: { speaker: { name: H }, quote: opts.quote ?? 'We will stay.\nAll of us.', context: 'Said at a rally.\r\n\r\nRepeated later.' },
      metadata: meta('U3'),
    },
  ] as StoryEvent[];
  return foldStory(events)!;
}

const latest = (v: StoryView) => [...v.entries.values()].sort((a, b) => b.changeVersion - a.changeVersion);
const render = (doc: (f: FeedFormat) => FeedDocument) =>
  Object.fromEntries(FEED_FORMATS.map((f) => [f, renderFeed(doc(f), f)])) as Record<FeedFormat, string>;

describe('editor text that looks like markup reaches readers as that text', () => {
  const view = story('markup');
  const docs = render((f) => storyFeed(view.head, latest(view), ctx, f));
  const served = new Map<string, string>();
  let server: Server;
  let base = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = served.get(req.url ?? '');
      res
        .writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/xml; charset=utf-8', 'cache-control': 'no-store' })
        .end(body ?? '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    served.set('/feed.atom', docs.atom);
    served.set('/feed.rss', docs.rss);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('in feedparser: feed title and subtitle, entry titles and categories, Atom and RSS', async () => {
    await assertAllWellFormed([docs.atom, docs.rss]);
    await assertAllValidAtom([docs.atom]);
    const [atom, rss] = await parseAllWithFeedparser([docs.atom, docs.rss]);
    for (const parsed of [atom!, rss!]) {
      expect(parsed.bozo, parsed.bozo_exception ?? '').toBe(false);
      expect(parsed.feed.title).toBe(H);
      expect(parsed.feed.subtitle).toBe(H);
      const titles = parsed.entries.map((e) => e.title);
      expect(titles).toContain(H);
      expect(titles).toContain(`${H}: “We will stay.\nAll of us.”`);
      for (const e of parsed.entries) expect(e.tags).toContain(H);
      // The bodies are HTML built from escaped text: no element of the editor's survives.
      for (const e of parsed.entries) expect(e.content).not.toMatch(/<script|<b>/);
    }
  });

  it('in newsboat, Atom and RSS (each with its own cache)', async () => {
    for (const path of ['/feed.atom', '/feed.rss']) {
      const session = await createNewsboatSession([base + path]);
      let items: NewsboatItem[];
      let feedTitle: string;
      try {
        items = await session.reload();
        feedTitle = execFileSync(DEBIAN_PYTHON, ['-c', FEED_TITLE_PY, session.cacheFile], { encoding: 'utf8' });
      } finally {
        await session.close();
      }
      expect(JSON.parse(feedTitle), path).toBe(H);
      const titles = items.map((i) => i.title);
      expect(titles, path).toContain(H);
      // newsboat shows a title on one line.
      expect(titles, path).toContain(`${H}: “We will stay. All of us.”`);
      for (const item of items) expect(item.content, path).not.toMatch(/<script|<b>/);
    }
  });

  it('in JSON Feed: plain strings', () => {
    const json = JSON.parse(docs.json) as { title: string; description: string; items: { title: string; tags: string[] }[] };
    assertValidJsonFeed11(json);
    expect(json.title).toBe(H);
    expect(json.description).toBe(H);
    expect(json.items.map((i) => i.title)).toContain(H);
    for (const item of json.items) expect(item.tags).toContain(H);
  });
});

describe('titles: cut by grapheme, bidi controls closed', () => {
  const cut = (quote: string) => {
    const view = story('cut', { quote });
    return entryTitle(view.entries.get('U3')!).slice(`${H}: “`.length, -'”'.length);
  };

  it.each([
    ['a family emoji', '👨‍👩‍👧‍👦'],
    ['a flag', '🇰🇬'],
    ['a letter with combining marks', 'e\u0301\u0323'],
    ['a Hangul syllable in jamo', '\u1100\u1161\u11A8'],
  ])('never splits %s', (_, cluster) => {
    for (const before of [77, 78, 79, 80]) {
      const quote = 'a'.repeat(before) + cluster.repeat(3) + ' and more words';
      const title = cut(quote);
      expect(graphemes(title).length).toBeLessThanOrEqual(80);
      expect(title.endsWith('…')).toBe(true);
      // Every cluster of the cut text is a whole cluster of the quote.
      const whole = new Set(graphemes(quote));
      for (const g of graphemes(title.slice(0, -1))) expect(whole.has(g), JSON.stringify(g)).toBe(true);
    }
  });

  it('keeps a short quote whole and counts clusters, not code points', () => {
    const family = '👨‍👩‍👧‍👦'.repeat(80);
    expect(cut(family)).toBe(family);
    expect(cut('x'.repeat(80))).toBe('x'.repeat(80));
    expect(graphemes(cut('x'.repeat(81)))).toHaveLength(80);
  });

  it('closes the embeddings, overrides and isolates a cut (or the editor) leaves open', () => {
    const rle = '\u202B' + 'שלום עולם '.repeat(12);
    const title = cut(rle);
    expect(title.endsWith('\u202C…')).toBe(true);
    expect(closeBidi('\u2067a\u202Eb')).toBe('\u2067a\u202Eb\u202C\u2069');
    expect(closeBidi('\u202Ea\u2069b')).toBe('\u202Ea\u2069b\u202C'); // a PDI closes no embedding outside its isolate
    expect(closeBidi('\u2066a\u202Ab\u2069c')).toBe('\u2066a\u202Ab\u2069c'); // the PDI closed both
    expect(closeBidi('plain \u202Eevil\u202C text')).toBe('plain \u202Eevil\u202C text');
    expect(cutText('short', 80)).toBe('short');
    // A speaker's name or an article title that leaves an override open is closed too.
    const view = story('names', { headline: '\u202Eevil' });
    expect(storyFeed(view.head, [], ctx, 'atom').title).toBe('\u202Eevil\u202C');
  });
});

describe('multi-line text keeps its paragraphs and line breaks in the HTML', () => {
  const view = story('lines');

  it('summaries, quotes and context: a blank line is a paragraph, a newline a line break', () => {
    const article = entryHtml(view.entries.get('U2')!);
    expect(article).toContain('<p dir="auto">First paragraph,<br>second line.</p><p dir="auto">Second paragraph.</p>');
    const statement = entryHtml(view.entries.get('U3')!);
    expect(statement).toContain('<blockquote><p dir="auto">We will stay.<br>All of us.</p></blockquote>');
    expect(statement).toContain('<p dir="auto">Said at a rally.</p><p dir="auto">Repeated later.</p>');
  });

  it('reaches feedparser as those paragraphs', async () => {
    const [atom] = await parseAllWithFeedparser([renderFeed(storyFeed(view.head, latest(view), ctx, 'atom'), 'atom')]);
    const article = atom!.entries.find((e) => e.id?.endsWith('/U2'))!;
    expect(article.content).toContain('First paragraph,<br />second line.</p>');
  });
});

describe('the all-stories feed names each entry’s story and language', () => {
  const en = story('bishkek-news', { headline: 'Bakiyev flees Bishkek', summary: 's' });
  const ru = story('bishkek-ru', { headline: 'Бакиев бежал из Бишкека', summary: 's', language: 'ru', base: Date.UTC(2026, 1, 1) });
  const docs = render((f) =>
    allStoriesFeed(
      [ru, en].map((v) => ({ head: v.head, entries: latest(v) })),
      ctx,
      f,
      10,
    ),
  );

  it('Atom: the feed keeps its language, entries of another say theirs, source names the story', async () => {
    await assertAllValidAtom([docs.atom]);
    expect(docs.atom).toMatch(/<feed [^>]*xml:lang="en"/);
    expect(docs.atom).toContain('<entry xml:lang="ru">');
    expect(docs.atom).not.toContain('<entry xml:lang="en">');
    const parsed = await parseWithFeedparser(docs.atom);
    expect(parsed.bozo).toBe(false);
    expect(parsed.feed.language).toBe('en');
    const entry = parsed.entries.find((e) => e.id?.includes('story/bishkek-ru/'))!;
    expect(entry.title_language).toBe('ru');
    expect(entry.extra.source).toMatchObject({
      id: 'tag:news.example.org,2026:story/bishkek-ru',
      title: 'Бакиев бежал из Бишкека',
      link: 'https://news.example.org/stories/bishkek-ru',
    });
  });

  it('RSS: source with the story feed, channel language, dc:language per entry of another', async () => {
    await assertAllWellFormed([docs.rss]);
    expect(docs.rss).toContain('<language>en</language>');
    expect(docs.rss).toContain('<source url="https://news.example.org/stories/bishkek-ru/feed.rss">Бакиев бежал из Бишкека</source>');
    expect(docs.rss).toContain('<dc:language>ru</dc:language>');
    expect(docs.rss).not.toContain('<dc:language>en</dc:language>');
    const parsed = await parseWithFeedparser(docs.rss);
    const entry = parsed.entries.find((e) => e.id?.includes('story/bishkek-news/'))!;
    expect(entry.extra.source).toMatchObject({ href: 'https://news.example.org/stories/bishkek-news/feed.rss', title: 'Bakiyev flees Bishkek' });
  });

  it('JSON Feed: language per item, the story in the _newsroom extension', () => {
    const json = JSON.parse(docs.json) as { language: string; items: { id: string; language?: string; _newsroom?: { story: unknown } }[] };
    assertValidJsonFeed11(json);
    expect(json.language).toBe('en');
    const item = json.items.find((i) => i.id.includes('story/bishkek-ru/'))!;
    expect(item.language).toBe('ru');
    expect(item._newsroom?.story).toEqual({
      id: 'tag:news.example.org,2026:story/bishkek-ru',
      title: 'Бакиев бежал из Бишкека',
      url: 'https://news.example.org/stories/bishkek-ru',
      feed_url: 'https://news.example.org/stories/bishkek-ru/feed.json',
    });
    expect(json.items.find((i) => i.id.includes('story/bishkek-news/'))!.language).toBeUndefined();
  });

  it('a story feed names no source: its entries are all its own', () => {
    const doc = renderFeed(storyFeed(ru.head, latest(ru), ctx, 'atom'), 'atom');
    expect(doc).not.toContain('<source>');
    expect(doc).not.toContain('<entry xml:lang');
  });
});
