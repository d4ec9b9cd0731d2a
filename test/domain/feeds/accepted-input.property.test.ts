/**
 * Property: whatever the write API accepts can be published. Bodies are generated from the request
 * schemas' own rules (their fields and length limits, read off the zod schemas), seasoned with hostile
 * text: markup, `&`, `]]>`, newlines, right-to-left text and bidi controls, emoji sequences, combining
 * marks, URLs a browser would take but RFC 3986 does not. Only what `updateSchema` accepts (and the
 * decider allows) is recorded, through the real decider and projection; the story feed and the
 * all-stories feed are rendered in every format, and then:
 *
 * - every document is well-formed (xmllint), every Atom document valid RFC 4287 (jing), and
 *   feedparser reads each without complaint;
 * - every `href` (and every other link a reader follows) is a valid RFC 3986 URI;
 * - every entry title is made of whole grapheme clusters: a shortened quote is cut between them.
 *
 * Bounded (a few seconds) and reproducible: the seed is printed on failure, and
 * PROPERTY_SEED=<seed> npx vitest run test/domain/feeds/accepted-input.property.test.ts runs it again.
 */
import fc from 'fast-check';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { allStoriesFeed, storyFeed } from '../../../shared/domain/feeds/model';
import { renderFeed } from '../../../shared/domain/feeds/render';
import { entryTag, FEED_FORMATS, type FeedContext, type FeedFormat } from '../../../shared/domain/feeds/urls';
import { foldStory, type StoryView, type TimelineEntry } from '../../../shared/domain/projection/story-view';
import type { StoryEvent } from '../../../shared/domain/story/events';
import { articleSchema, correctionChangesSchema, openStorySchema, statementSchema, updateSchema } from '../../../shared/domain/story/updates';
import { DomainError } from '../../../shared/domain/errors';
import { recorder } from '../../support/events';
import { assertValidJsonFeed11 } from '../../support/feed-parsers';
import { assertAllValidAtom, assertAllWellFormed, HOSTILE, parseAllWithFeedparser } from '../../support/feeds';
import { isRfc3986Uri } from '../../support/uri';

const SEED = Number(process.env.PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ctx: FeedContext = { baseUrl: 'https://news.example.org', tagPrefix: 'tag:news.example.org,2026:', hubUrl: 'https://hub.example.org/' };

// ---------------------------------------------------------------------------------------------
// bodies, by the schemas' rules

/** A field's length limit, as the schema states it (through .optional()/.default()). */
function maxOf(schema: unknown): number {
  const s = schema as { maxLength?: number | null; unwrap?: () => unknown };
  if (typeof s.unwrap === 'function') return maxOf(s.unwrap());
  return s.maxLength ?? 65_536;
}

const CLUSTERS = ['👨‍👩‍👧‍👦', '🇰🇬', '🏳️‍🌈', 'e\u0301', 'க்ஷ', '👍🏽', '각', '\r\n'];
const piece = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      ...HOSTILE,
      ...CLUSTERS,
      '<',
      '&',
      '>',
      ']]>',
      '&amp;',
      '&#0;',
      '"',
      "'",
      '\n',
      '\r',
      '\t',
      '\u2028',
      '\u0085',
      '\uFEFF',
      'مرحبا بالعالم',
      'שלום עולם',
      '\u202E',
      '\u2067',
      '\u2069',
      '\u200F',
      '\u200D',
      '\u200B',
      '\u0301',
      ' ',
      'plain words',
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
);
/**
 * Text for a field of at most `max` characters: short, around a title's cut, or at the limit. "At
 * the limit" stops at LONGEST: quotes, summaries and context may take 60,000 characters, and 120
 * runs of eight such bodies, each rendered three ways and parsed, would exhaust the worker's heap
 * without testing anything more (bodies at the real limits are tested in write-app.test.ts).
 */
const LONGEST = 4_000;
const text = (max: number) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.array(piece, { minLength: 1, maxLength: 8 }).map((p) => p.join('')) },
    {
      weight: 2,
      // Grapheme clusters of several code points where a long quote is shortened for a title.
      arbitrary: fc
        .tuple(fc.integer({ min: 60, max: 85 }), fc.constantFrom(...CLUSTERS), fc.array(piece, { maxLength: 3 }))
        .map(([n, cluster, rest]) => 'w'.repeat(n) + cluster.repeat(4) + rest.join('')),
    },
    { weight: 1, arbitrary: fc.array(piece, { maxLength: 2 }).map((p) => 'y'.repeat(Math.max(0, Math.min(max, LONGEST) - 4)) + p.join('')) },
  );
const field = (schema: unknown) => text(maxOf(schema));

const url = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc
    .tuple(
      fc.constantFrom(
        'https://news.example.org/x',
        'http://www.aljazeera.com/news/asia/2010/04/20104239494248838.html',
        'https://пример.рф/путь',
        'https://[2001:db8::1]:8443/a',
        'https://user:pa%20ss@example.org/',
        'HTTPS://EXAMPLE.ORG:443/',
      ),
      fc.constantFrom(
        '',
        '?a=1&b=<2>&c=]]>',
        '?q="x"',
        '#frag',
        '#a#b',
        '?q=ё&r=😀',
        '/a b',
        '/a|b{c}',
        '/%zz',
        '/a\\b',
        '/it’s',
        "/it's",
        '/\u202Eevil',
        '/x\ny',
      ),
    )
    .map(([base, tail]) => base + tail),
);
const date = fc.oneof(
  fc.constantFrom('2010-04-08', '2010-04-08T10:00:00Z', '2010-04-08T10:00:00+06:00', '2026-01-01T00:00:00.123Z'),
  fc.date({ min: new Date('1990-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

const A = articleSchema.shape;
const S = statementSchema.shape;
const C = correctionChangesSchema.shape;
const speaker = fc.record(
  { name: field(statementSchema.shape.speaker.shape.name), role: maybe(field(statementSchema.shape.speaker.shape.role)) },
  { requiredKeys: ['name'] },
);

/** A body; corrections and retractions pick their target among the updates recorded before them. */
type Build = (ids: string[]) => unknown;
const pick = (ids: string[], n: number) => ids[n % Math.max(1, ids.length)] ?? '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const article = fc.record(
  {
    type: fc.constant('article'),
    title: field(A.title),
    url,
    outlet: field(A.outlet),
    publishedAt: date,
    summary: maybe(field(A.summary)),
    author: maybe(field(A.author)),
    dateApproximate: maybe(fc.boolean()),
    titleReconstructed: maybe(fc.boolean()),
  },
  { requiredKeys: ['type', 'title', 'url', 'outlet', 'publishedAt'] },
);
const statement = fc.record(
  {
    type: fc.constant('statement'),
    speaker,
    quote: field(S.quote),
    speech: maybe(fc.constantFrom('direct', 'reported')),
    saidAt: maybe(date),
    medium: maybe(field(S.medium)),
    outlet: maybe(field(S.outlet)),
    url: maybe(url),
    context: maybe(field(S.context)),
    dateApproximate: maybe(fc.boolean()),
  },
  { requiredKeys: ['type', 'speaker', 'quote'] },
);
const changes = fc.record(
  {
    title: maybe(field(C.title)),
    quote: maybe(field(C.quote)),
    speech: maybe(fc.constantFrom('direct', 'reported')),
    speaker: maybe(speaker),
    url: maybe(url),
    outlet: maybe(field(C.outlet)),
    summary: maybe(field(C.summary)),
    context: maybe(field(C.context)),
    titleReconstructed: maybe(fc.boolean()),
  },
  { requiredKeys: [] },
);
const body: fc.Arbitrary<Build> = fc.oneof(
  { weight: 4, arbitrary: statement.map((b) => () => b) },
  { weight: 3, arbitrary: article.map((b) => () => b) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.nat(), changes, field(C.title))
      .map(([n, c, note]) => (ids: string[]) => ({ type: 'correction', target: pick(ids, n), changes: c, note })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.nat(), text(1_000)).map(([n, reason]) => (ids: string[]) => ({ type: 'retraction', target: pick(ids, n), reason })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        type: fc.constant('headline'),
        headline: field(openStorySchema.shape.headline),
        summary: maybe(field(openStorySchema.shape.summary)),
      })
      .map((b) => () => b),
  },
);
const story = fc.record({
  open: fc.record({
    headline: field(openStorySchema.shape.headline),
    summary: field(openStorySchema.shape.summary),
    language: fc.constantFrom('en', 'ru-KG', 'ar', 'he'),
    topics: fc.array(text(60), { maxLength: 3 }),
  }),
  bodies: fc.array(body, { minLength: 1, maxLength: 8 }),
});
type Sample = { open: unknown; bodies: Build[] };

// ---------------------------------------------------------------------------------------------
// the write path and the feeds

/** Records what the API would: bodies the schema accepts, as the decider decides them. */
function record(storyId: string, sample: Sample): StoryEvent[] {
  const { events, meta, run } = recorder();
  const ids: string[] = [];
  const open = openStorySchema.safeParse({ id: storyId, ...(sample.open as object) });
  // A refused opening: the story is one the API would have opened, with plain text.
  run({ type: 'OpenStory', data: open.success ? open.data : openStorySchema.parse({ id: storyId, headline: 'H', summary: 'S' }), metadata: meta(0) });
  sample.bodies.forEach((build, i) => {
    const parsed = updateSchema.safeParse(build(ids));
    if (!parsed.success) return;
    try {
      run({ type: 'RecordUpdate', data: { storyId, update: parsed.data }, metadata: meta(i + 1) });
      if (parsed.data.type === 'article' || parsed.data.type === 'statement') ids.push(meta(i + 1).updateId);
    } catch (error) {
      // Refused by the decider (a correction of a retracted update, a foreign field): the API's 404/409.
      if (!(error instanceof DomainError)) throw error;
    }
  });
  return events;
}

/** A second story in another language, for the all-stories feed. */
const companion = foldStory(
  record('companion', {
    open: { headline: 'رفيق', summary: 'قصة ثانية', language: 'ar', topics: [] },
    bodies: [() => ({ type: 'statement', speaker: { name: 'متحدث' }, quote: 'نص', speech: 'reported' })],
  }),
)!;

const entriesOf = (view: StoryView) => [...view.entries.values()].sort((a, b) => b.changeVersion - a.changeVersion);

interface Rendered {
  view: StoryView;
  docs: { format: FeedFormat; doc: string }[];
}

function render(sample: Sample): Rendered {
  const view = foldStory(record('prop', sample))!;
  const docs = FEED_FORMATS.flatMap((format) => [
    { format, doc: renderFeed(storyFeed(view.head, entriesOf(view), ctx, format), format) },
    {
      format,
      doc: renderFeed(
        allStoriesFeed(
          [view, companion].map((v) => ({ head: v.head, entries: entriesOf(v) })),
          ctx,
          format,
          50,
        ),
        format,
      ),
    },
  ]);
  return { view, docs };
}

// ---------------------------------------------------------------------------------------------
// what is checked

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decodeHtml = (value: string) =>
  value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) =>
    name[0] === '#' ? String.fromCodePoint(Number(name[1]!.toLowerCase() === 'x' ? `0${name.slice(1)}` : name.slice(1))) : (ENTITIES[name] ?? whole),
  );
/** Links in an entry's HTML: `href` attributes, decoded as a browser decodes them. */
const htmlHrefs = (html: string) => [...html.matchAll(/\bhref\s*=\s*"([^"]*)"/g)].map((m) => decodeHtml(m[1]!));

/** Every link a reader follows in one document: XML `href`s and RSS links, JSON Feed URLs, and those in entry HTML. */
function linksOf({ format, doc }: { format: FeedFormat; doc: string }): string[] {
  if (format === 'json') {
    const j = JSON.parse(doc) as {
      home_page_url?: string;
      feed_url?: string;
      next_url?: string;
      hubs?: { url: string }[];
      authors?: { url?: string }[];
      items: { url?: string; external_url?: string; content_html?: string }[];
    };
    return [
      j.home_page_url,
      j.feed_url,
      j.next_url,
      ...(j.hubs ?? []).map((h) => h.url),
      ...(j.authors ?? []).map((a) => a.url),
      ...j.items.flatMap((i) => [i.url, i.external_url, ...htmlHrefs(i.content_html ?? '')]),
    ].filter((u): u is string => typeof u === 'string');
  }
  const xml = new DOMParser().parseFromString(doc, 'text/xml');
  const links: string[] = [];
  const all = xml.getElementsByTagName('*');
  for (let i = 0; i < all.length; i++) {
    const el = all.item(i) as Element;
    if (el.hasAttribute('href')) links.push(el.getAttribute('href')!);
    const local = el.localName;
    if (!el.namespaceURI && (local === 'link' || local === 'comments')) links.push(el.textContent ?? '');
    if (!el.namespaceURI && local === 'guid' && el.getAttribute('isPermaLink') !== 'false') links.push(el.textContent ?? '');
    if (local === 'content' || local === 'summary' || local === 'description') links.push(...htmlHrefs(el.textContent ?? ''));
  }
  return links;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const boundaries = (text: string) => new Set([text.length, ...[...graphemes.segment(text)].map((s) => s.index)]);

/**
 * Why an entry's title is not made of whole grapheme clusters, if it is not: the longest start of
 * the quote the title carries (after the speaker's name) must end on a cluster boundary.
 */
function splitCluster(title: string, entry: TimelineEntry): string | undefined {
  const c = entry.content;
  if (entry.retraction || c.kind !== 'statement') return undefined;
  const at = title.indexOf(c.speaker.name);
  const rest = at >= 0 ? title.slice(at + c.speaker.name.length) : title;
  let k = Math.min(c.quote.length, rest.length);
  while (k > 0 && !rest.includes(c.quote.slice(0, k))) k--;
  if (k === c.quote.length || boundaries(c.quote).has(k)) return undefined;
  const around = [...c.quote.slice(Math.max(0, k - 4), k + 4)].map((ch) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase()}`).join(' ');
  return `${JSON.stringify(title)} cuts the quote at UTF-16 offset ${k}, inside a grapheme cluster (${around})`;
}

const settings = { seed: SEED, numRuns: 120 };
const reproduce = `PROPERTY_SEED=${SEED} npx vitest run test/domain/feeds/accepted-input.property.test.ts`;

describe('any input the API accepts yields feeds that can be published', () => {
  it('every document is well-formed (xmllint), valid RFC 4287 Atom (jing), read by feedparser, valid JSON Feed 1.1', async () => {
    const samples = fc.sample(story, { seed: SEED, numRuns: 40 }).map(render);
    const docs = samples.flatMap((s, sample) => s.docs.map((d) => ({ ...d, sample })));
    const xml = docs.filter((d) => d.format !== 'json');
    const atom = docs.filter((d) => d.format === 'atom');
    const blame = (error: unknown, list: typeof docs) => {
      const index = Number(/doc-(\d+)\./.exec(String(error))?.[1] ?? NaN);
      const doc = list[index];
      return new Error(
        `${(error as Error).message}\nseed ${SEED} (${reproduce}); sample ${doc?.sample}, ${doc?.format}:\n${doc?.doc.slice(0, 3000)}`,
        { cause: error },
      );
    };
    for (const d of docs.filter((d) => d.format === 'json')) assertValidJsonFeed11(JSON.parse(d.doc));
    await assertAllWellFormed(xml.map((d) => d.doc)).catch((error: unknown) => {
      throw blame(error, xml);
    });
    await assertAllValidAtom(atom.map((d) => d.doc)).catch((error: unknown) => {
      throw blame(error, atom);
    });
    const parsed = await parseAllWithFeedparser(xml.map((d) => d.doc));
    const bozo = parsed.flatMap((p, i) => (p.bozo ? [`sample ${xml[i]!.sample} ${xml[i]!.format}: ${p.bozo_exception}`] : []));
    expect(bozo, `seed ${SEED} (${reproduce})`).toEqual([]);
    // Everything recorded is in the feeds: the property is about accepted input, not refused input.
    expect(samples.reduce((n, s) => n + s.view.entries.size, 0)).toBeGreaterThan(samples.length);
  });

  it('every href, and every other link a reader follows, is a valid RFC 3986 URI', () => {
    fc.assert(
      fc.property(story, (sample) => {
        const bad = render(sample).docs.flatMap((d) =>
          linksOf(d)
            .filter((link) => !isRfc3986Uri(link))
            .map((link) => `${d.format}: ${JSON.stringify(link)}`),
        );
        if (bad.length > 0) throw new Error(`not RFC 3986 URIs (${reproduce}):\n${[...new Set(bad)].join('\n')}`);
      }),
      settings,
    );
  });

  it('every entry title is made of whole grapheme clusters', () => {
    let checked = 0;
    fc.assert(
      fc.property(story, (sample) => {
        const { view, docs } = render(sample);
        const byId = new Map([...view.entries.values()].map((e) => [entryTag(ctx, 'prop', e.updateId), e]));
        for (const { doc } of docs.filter((d) => d.format === 'json')) {
          for (const item of (JSON.parse(doc) as { items: { id: string; title: string }[] }).items) {
            // The all-stories feed also holds the companion story's entries: match by the entry's own id.
            const entry = byId.get(item.id);
            if (entry?.content.kind === 'statement') checked++;
            const why = entry && splitCluster(item.title, entry);
            if (why) throw new Error(`${why} (${reproduce})`);
          }
        }
      }),
      settings,
    );
    // Not vacuous: statement titles were there to check.
    expect(checked).toBeGreaterThan(0);
  });
});

describe('the RFC 3986 oracle', () => {
  it('accepts URIs and refuses what only a browser would take', () => {
    for (const good of [
      'https://news.example.org/stories/x/feed.atom',
      'tag:news.example.org,2026:story/x',
      'https://[2001:db8::1]:8443/a?b=c#d',
      'https://xn--e1afmkfd.xn--p1ai/%D0%BF?q=%C3%A9&r=1',
      "https://example.org/a;b=c/it's(1)*+,=!$@:",
      'mailto:desk@example.org',
    ]) {
      expect(isRfc3986Uri(good), good).toBe(true);
    }
    for (const bad of [
      'https://example.org/a b',
      'https://example.org/x?a=<2>',
      'https://example.org/"',
      'https://example.org/#a#b',
      'https://пример.рф/',
      'https://example.org/%zz',
      'https://example.org/a|b',
      'https://example.org/a\\b',
      '//no-scheme',
      'https://[::g]/',
    ]) {
      expect(isRfc3986Uri(bad), bad).toBe(false);
    }
  });
});
