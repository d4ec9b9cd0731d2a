/**
 * The three formats rendered from a folded story with corrections, retractions and hostile text,
 * checked by parsers nobody here wrote (xmllint, jing + RFC 4287, feedparser, the JSON Feed 1.1
 * checker), plus what each format must say about corrections, retractions, links and languages.
 */
import { describe, expect, it } from 'vitest';
import { newestCompleteArchive, previousArchive } from '../../../shared/domain/feeds/archive';
import { allStoriesFeed, storyFeed } from '../../../shared/domain/feeds/model';
import { renderFeed } from '../../../shared/domain/feeds/render';
import { FEED_FORMATS, type FeedContext } from '../../../shared/domain/feeds/urls';
import { foldStory, type StoryView } from '../../../shared/domain/projection/story-view';
import { orderedEntries } from '../../../shared/application/story-reader';
import { assertValidJsonFeed11, parseWithFeedparser } from '../../support/feed-parsers';
import { assertAllValidAtom, assertAllWellFormed, generatedStory, HOSTILE, parseAllWithFeedparser } from '../../support/feeds';

const ctx: FeedContext = { baseUrl: 'https://news.example.org', tagPrefix: 'tag:news.example.org,2026:', hubUrl: 'https://hub.example.org/' };
const story = generatedStory('hostile', 30, { language: 'ru-KG' });
const view = foldStory(story.events)!;
/** Latest changes first, as feed-entries.ts's latestChanges returns them. */
const latest = (v: StoryView, n: number) => [...v.entries.values()].sort((a, b) => b.changeVersion - a.changeVersion).slice(0, n);
const docs = Object.fromEntries(FEED_FORMATS.map((f) => [f, renderFeed(storyFeed(view.head, latest(view, 50), ctx, f), f)])) as Record<
  (typeof FEED_FORMATS)[number],
  string
>;

describe('story feeds through real parsers', () => {
  it('are well-formed, valid Atom, not bozo, and valid JSON Feed 1.1', async () => {
    await assertAllWellFormed([docs.atom, docs.rss]);
    await assertAllValidAtom([docs.atom]);
    const [atom, rss] = await parseAllWithFeedparser([docs.atom, docs.rss]);
    expect([atom?.bozo, atom?.version, rss?.bozo, rss?.version]).toEqual([false, 'atom10', false, 'rss20']);
    assertValidJsonFeed11(JSON.parse(docs.json));
  });

  it('carry every field as the exact text, never as markup, in every format', async () => {
    // RSS titles are plain text too; feedparser reads those that look like HTML (an entity
    // reference such as a literal "&amp;") as HTML, by its own guess (see shared/domain/feeds/rss.ts).
    const plain = (t: string | null) => !/&#?\w+;|<\/\w+>/.test(t ?? '') || /<\/script>/.test(t ?? '');
    const entries = [...view.entries.values()].filter((e) => !e.retraction);
    const [atom, rss] = await parseAllWithFeedparser([docs.atom, docs.rss]);
    const json = JSON.parse(docs.json) as { title: string; items: { id: string; title: string; content_html: string; tags?: string[] }[] };
    expect(atom!.feed.title).toBe(view.head.headline);
    expect(rss!.feed.title).toBe(view.head.headline);
    expect(json.title).toBe(view.head.headline);
    for (const entry of entries) {
      const id = `${ctx.tagPrefix}story/hostile/update/${entry.updateId}`;
      const title = entry.content.kind === 'article' ? entry.content.title : undefined;
      for (const parsed of [atom!, rss!]) {
        const got = parsed.entries.find((e) => e.id === id);
        expect(got, id).toBeDefined();
        if (title && (parsed === atom || plain(title))) expect(got!.title).toBe(title);
        // The HTML body holds the text escaped once: as text, `<script>` is never an element.
        expect(got!.content).not.toMatch(/<script/i);
        expect(got!.tags).toContain(HOSTILE[4]);
      }
      const item = json.items.find((i) => i.id === id)!;
      if (title) expect(item.title).toBe(title);
      expect(item.content_html).not.toMatch(/<script/i);
    }
    // Every hostile string arrives literally in some title (feedparser decodes exactly once).
    const titles = atom!.entries.map((e) => e.title).join('\n');
    for (const text of HOSTILE.slice(0, 5)) expect(titles).toContain(text);
  });

  it('marks corrections: same id, later updated, the corrected text and a visible note', async () => {
    const [atom] = await parseAllWithFeedparser([docs.atom]);
    const json = JSON.parse(docs.json) as { items: { id: string; date_published: string; date_modified: string; content_html: string }[] };
    const correctedId = story.corrected.find((id) => !story.retracted.includes(id))!;
    const entry = view.entries.get(correctedId)!;
    const id = `${ctx.tagPrefix}story/hostile/update/${correctedId}`;
    const parsed = atom!.entries.find((e) => e.id === id)!;
    expect(parsed.updated).toBe(new Date(entry.updatedAt).toISOString());
    expect(Date.parse(parsed.updated!)).toBeGreaterThan(Date.parse(entry.recordedAt));
    expect(parsed.content).toContain('Correction (');
    expect(parsed.content).toContain('Corrected ');
    const item = json.items.find((i) => i.id === id)!;
    expect(item.date_modified > item.date_published).toBe(true);
    expect(docs.rss).toContain(`<guid isPermaLink="false">${id}</guid>`);
  });

  it('replaces retracted entries with a notice and an Atom tombstone; the retracted text is gone', async () => {
    const r = await parseWithFeedparser(docs.atom);
    expect(r.bozo).toBe(false);
    // feedparser keeps one tombstone per feed: it must be one of ours.
    const tomb = r.feed.extra['at_deleted-entry'] as { ref: string };
    expect(story.retracted.map((id) => `${ctx.tagPrefix}story/hostile/update/${id}`)).toContain(tomb.ref);
    const tombstones = docs.atom.match(/<at:deleted-entry /g) ?? [];
    expect(tombstones.length).toBe(story.retracted.length);
    for (const format of FEED_FORMATS) {
      for (const quote of story.retractedQuotes) {
        // The quote's own words (after its number) must not survive in any form.
        expect(docs[format]).not.toContain(quote.split(': ')[0]! + ':');
      }
    }
    const retracted = r.entries.find((e) => e.id?.endsWith(story.retracted[0]!))!;
    expect(retracted.title).toMatch(/^Retracted (article|statement)$/);
    expect(retracted.content[0]?.value).toContain('Retracted');
    expect(retracted.content[0]?.value).toContain('Reason ]]&gt; and');
  });

  it('says the language, links self/alternate/hub, and is byte-identical on every render', () => {
    expect(docs.atom).toMatch(/<feed [^>]*xml:lang="ru-KG"/);
    expect(docs.rss).toContain('<language>ru-KG</language>');
    expect(JSON.parse(docs.json)).toMatchObject({
      language: 'ru-KG',
      feed_url: 'https://news.example.org/stories/hostile/feed.json',
      home_page_url: 'https://news.example.org/stories/hostile',
      hubs: [{ type: 'WebSub', url: 'https://hub.example.org/' }],
    });
    expect(docs.atom).toContain('<link rel="self" type="application/atom+xml" href="https://news.example.org/stories/hostile/feed.atom"/>');
    expect(docs.atom).toContain('<link rel="hub" href="https://hub.example.org/"/>');
    expect(docs.rss).toContain('<atom:link rel="hub" href="https://hub.example.org/"/>');
    for (const f of FEED_FORMATS) expect(renderFeed(storyFeed(view.head, latest(view, 50), ctx, f), f)).toBe(docs[f]);
  });

  it('brings headline and status changes to title and subtitle; a concluded story is expired', () => {
    const done = foldStory(generatedStory('done', 3, { concluded: true }).events)!;
    const json = JSON.parse(renderFeed(storyFeed(done.head, latest(done, 50), ctx, 'json'), 'json')) as { expired?: boolean; description: string };
    expect(json.expired).toBe(true);
    expect(json.description).toMatch(/^Concluded\. /);
    expect(docs.json).not.toContain('"expired"');
  });
});

describe('archive pages and the all-stories feed', () => {
  const long = foldStory(generatedStory('long', 60).events)!;
  const size = 20;
  const newest = newestCompleteArchive(long.head.version, size)!;

  it('link the subscription feed to its newest archive page, and pages to each other (RFC 5005)', async () => {
    const sub = storyFeed(long.head, latest(long, size), ctx, 'atom', { prevArchive: newest });
    const pageEntries = orderedEntries(long).filter((e) => e.version >= newest.first && e.version <= newest.last);
    const page = storyFeed(long.head, pageEntries, ctx, 'atom', { archive: newest, prevArchive: previousArchive(newest)! });
    const [subAtom, pageAtom] = [renderFeed(sub, 'atom'), renderFeed(page, 'atom')];
    expect(subAtom).toContain(
      `<link rel="prev-archive" type="application/atom+xml" href="https://news.example.org/stories/long/archive/${newest.first}-${newest.last}/feed.atom"/>`,
    );
    expect(pageAtom).toContain('<fh:archive/>');
    expect(pageAtom).toContain('<link rel="current" type="application/atom+xml" href="https://news.example.org/stories/long/feed.atom"/>');
    expect(pageAtom).not.toContain('rel="hub"');
    const pageJson = JSON.parse(
      renderFeed(storyFeed(long.head, pageEntries, ctx, 'json', { archive: newest, prevArchive: previousArchive(newest)! }), 'json'),
    ) as {
      next_url: string;
    };
    expect(pageJson.next_url).toMatch(/\/archive\/\d+-\d+\/feed\.json$/);
    await assertAllValidAtom([subAtom, pageAtom]);
    const pageRss = renderFeed(page, 'rss');
    await assertAllWellFormed([pageRss]);
    const [parsed] = await parseAllWithFeedparser([pageRss]);
    expect(parsed!.bozo).toBe(false);
    expect(parsed!.entries.length).toBe(pageEntries.length);
  });

  it('merge stories newest change first, the feed in its language and each entry in its own', async () => {
    const ru = foldStory(generatedStory('ru', 4, { language: 'ru', base: Date.parse('2026-05-01T00:00:00Z') }).events)!;
    const doc = allStoriesFeed(
      [ru, view].map((v) => ({ head: v.head, entries: latest(v, 5) })),
      ctx,
      'atom',
      6,
    );
    expect(doc.entries.length).toBe(6);
    expect(doc.entries.slice(0, 4).every((e) => e.language === 'ru')).toBe(true);
    const atom = renderFeed(doc, 'atom');
    // The feed's own text is the newsroom's (issue #12: its language no longer disappears); entries say theirs.
    expect(atom).toMatch(/<feed [^>]*xml:lang="en"/);
    expect(atom).toContain('<entry xml:lang="ru-KG">');
    await assertAllValidAtom([atom]);
    assertValidJsonFeed11(JSON.parse(renderFeed(doc, 'json')));
  });
});
