/**
 * Property: any text the API accepts (XML 1.0 characters, checked by the same zod schemas) yields
 * feeds that real parsers read back as that exact text, in all three formats. Documents are
 * generated in memory and checked in batches, one xmllint, jing and feedparser process per batch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { storyFeed } from '../../../shared/domain/feeds/model';
import { FEED_FORMATS, type FeedContext } from '../../../shared/domain/feeds/urls';
import { renderFeed } from '../../../shared/domain/feeds/render';
import { foldStory } from '../../../shared/domain/projection/story-view';
import { CURRENT_SCHEMA_VERSION, type StoryEvent } from '../../../shared/domain/story/events';
import { statementSchema } from '../../../shared/domain/story/updates';
import { findXmlForbiddenChar, isBlank } from '../../../shared/domain/story/text';
import { assertValidJsonFeed11 } from '../../support/feed-parsers';
import { assertAllValidAtom, assertAllWellFormed, HOSTILE, parseAllWithFeedparser } from '../../support/feeds';

const ctx: FeedContext = { baseUrl: 'https://news.example.org', tagPrefix: 'tag:news.example.org,2026:' };

/** Every code point class that matters: ASCII markup, controls XML allows, bidi, astral, and the rest. */
const piece = fc.oneof(
  fc.constantFrom(...HOSTILE, '&', '<', '>', '"', "'", ']]>', '&amp;', '&#0;', '\r\n', '\r', '\t', '\u2028', '\uFEFF', '\u0085'),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
/** Text the API accepts: not blank by the API's own rule (zero-width and format characters alone are blank), within the shortest field limit (names), no character XML 1.0 forbids. */
const acceptedText = fc
  .array(piece, { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(''))
  .filter((t) => !isBlank(t) && t.length <= 120 && findXmlForbiddenChar(t) === undefined);

function storyOf(title: string, quote: string, name: string, note: string): StoryEvent[] {
  const meta = (version: number, updateId: string) => ({
    storyId: 'prop',
    version,
    updateId,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, version)).toISOString(),
    recordedBy: name,
  });
  return [
    { type: 'StoryOpened', data: { headline: title, summary: quote, language: 'en', topics: [name] }, metadata: meta(1, 'S1') },
    {
      type: 'ArticlePublished',
      data: { title, url: 'https://example.org/a', outlet: name, publishedAt: '2010-04-08', summary: quote },
      metadata: meta(2, 'U2'),
    },
    { type: 'StatementRecorded', data: { speaker: { name, role: note }, quote, medium: title }, metadata: meta(3, 'U3') },
    { type: 'UpdateCorrected', data: { target: 'U2', changes: { summary: note }, note }, metadata: meta(4, 'C4') },
  ] as StoryEvent[];
}

/** Python's str.strip(), which feedparser applies to text constructs (JS trim also drops U+FEFF). */
const PY_SPACE = '[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const pyStrip = (text: string) => text.replace(new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g'), '');

const C1 = /[\u0080-\u009f]/;
/** feedparser's test for "this RSS text is HTML": an entity reference or a closing tag. */
const LOOKS_LIKE_HTML = /&#?\w+;|<\/\w+>/;

describe('any accepted text renders to valid feeds that carry it exactly', () => {
  it('round-trips through xmllint, jing, feedparser and the JSON Feed 1.1 checker', async () => {
    const samples = fc.sample(fc.tuple(acceptedText, acceptedText, acceptedText, acceptedText), { numRuns: 250, seed: 20260501 });
    const atom: string[] = [];
    const rss: string[] = [];
    const expected: { title: string; name: string }[] = [];
    for (const [title, quote, name, note] of samples) {
      // The API's own schema accepts this statement: the property is about accepted input only.
      expect(statementSchema.safeParse({ type: 'statement', speaker: { name, role: note }, quote, medium: title }).success).toBe(true);
      const view = foldStory(storyOf(title, quote, name, note))!;
      const entries = [...view.entries.values()].sort((a, b) => b.changeVersion - a.changeVersion);
      const render = (f: (typeof FEED_FORMATS)[number]) => renderFeed(storyFeed(view.head, entries, ctx, f), f);
      atom.push(render('atom'));
      rss.push(render('rss'));
      const json = JSON.parse(render('json')) as { title: string; items: { title: string; tags: string[] }[] };
      assertValidJsonFeed11(json);
      expect(json.title).toBe(title);
      expect(json.items.find((i) => i.title === title)?.tags).toContain(name);
      expected.push({ title, name });
    }
    await assertAllWellFormed([...atom, ...rss]);
    await assertAllValidAtom(atom);
    const parsed = await parseAllWithFeedparser([...atom, ...rss]);
    let exact = 0;
    parsed.forEach((doc, i) => {
      const want = expected[i % expected.length]!;
      expect(doc.bozo, doc.bozo_exception ?? '').toBe(false);
      // feedparser rewrites C1 controls (U+0080–U+009F) as if they were mis-decoded windows-1252
      // (U+0085 becomes "…"): the document is right (xmllint, jing agree), the reader library guesses.
      if (C1.test(want.title + want.name)) return;
      const isRss = i >= atom.length;
      // RSS titles are plain text (see shared/domain/feeds/rss.ts); feedparser reads one as HTML only when
      // it looks like HTML. Then the document is still right, the reader's guess is not: say when.
      if (isRss && doc.feed.title_type === 'text/html') {
        expect(LOOKS_LIKE_HTML.test(want.title), JSON.stringify(want.title)).toBe(true);
        return;
      }
      exact++;
      // feedparser strips leading/trailing whitespace of text constructs; everything else is exact.
      const title = pyStrip(want.title);
      expect(doc.feed.title, `doc ${i} of ${parsed.length}: ${JSON.stringify(want.title)}`).toBe(title);
      expect(doc.entries.map((e) => e.title)).toContain(title);
      // Atom carries categories in an attribute (exact); RSS in element text (stripped).
      expect(doc.entries[0]?.tags).toContain(isRss ? pyStrip(want.name) : want.name);
    });
    expect(exact).toBeGreaterThan(parsed.length / 2);
  });
});
