import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../shared/domain/story/limits';
import { updateSchema, openStorySchema } from '../../../shared/domain/story/updates';
import { findXmlForbiddenChar, isBlank } from '../../../shared/domain/story/text';
import { upcast } from '../../../shared/domain/story/upcast';

const paths = (input: unknown) => {
  const out = updateSchema.safeParse(input);
  return out.success ? [] : out.error.issues.map((i) => i.path.join('/') || (i.code === 'unrecognized_keys' ? i.keys.join(',') : ''));
};

describe('update input validation', () => {
  it('accepts a complete statement', () => {
    expect(
      paths({
        type: 'statement',
        speaker: { name: 'Kurmanbek Bakiyev', role: 'ousted president' },
        quote: 'I don’t have any real levers of power.',
        medium: 'Ekho Moskvy',
        saidAt: '2010-04-08',
        dateApproximate: true,
      }),
    ).toEqual([]);
  });

  it('names the field at fault', () => {
    expect(paths({ type: 'statement', speaker: { name: '' }, quote: 'q' })).toEqual(['speaker/name']);
    expect(paths({ type: 'article', title: 'T', url: 'javascript:alert(1)', outlet: 'O', publishedAt: '2010-04-08' })).toEqual(['url']);
    expect(paths({ type: 'article', title: 'T', url: 'https://x.org', outlet: 'O', publishedAt: 'last Friday' })).toEqual(['publishedAt']);
  });

  it('refuses unknown fields and unknown types', () => {
    expect(paths({ type: 'statement', speaker: { name: 'A' }, quote: 'q', html: '<b>' })).toEqual(['html']);
    expect(updateSchema.safeParse({ type: 'rumour' }).success).toBe(false);
  });

  it('refuses characters XML 1.0 forbids, lone surrogates included', () => {
    expect(paths({ type: 'statement', speaker: { name: 'A' }, quote: 'bell \u0007' })).toEqual(['quote']);
    expect(paths({ type: 'statement', speaker: { name: 'A' }, quote: 'half \uD800 pair' })).toEqual(['quote']);
    expect(findXmlForbiddenChar('emoji 😀, Cyrillic Бакиев, Arabic أخبار, bidi \u200F, tab\t')).toBeUndefined();
  });

  it('says why a field is refused, in English, with nothing else of the app loaded (zod mini sets no messages itself)', () => {
    const out = openStorySchema.safeParse({ id: 'english', headline: 'x'.repeat(LIMITS.headline + 1), summary: 3 });
    expect(out.success ? [] : out.error.issues.map((i) => `${i.path.join('/')}: ${i.message}`)).toEqual([
      `headline: Too big: expected string to have <=${LIMITS.headline} characters`,
      'summary: Invalid input: expected string, received number',
    ]);
  });

  it('story ids are slugs, language defaults to en', () => {
    expect(openStorySchema.safeParse({ id: 'Bad Id', headline: 'H', summary: 'S' }).success).toBe(false);
    expect(openStorySchema.parse({ id: 'good-id-2010', headline: 'H', summary: 'S' })).toMatchObject({ language: 'en', topics: [] });
  });
});

describe('URLs: stored as RFC 3986 URIs', () => {
  const article = (url: string) => ({ type: 'article', title: 'T', url, outlet: 'O', publishedAt: '2010-04-08' });
  const stored = (input: unknown) => {
    const out = updateSchema.safeParse(input);
    if (!out.success) throw new Error(JSON.stringify(out.error.issues));
    return out.data;
  };

  it('an article, a statement and a correction store the normalized URL', () => {
    const raw = 'https://news.example.org/x?a=1&b=<2>&c=]]>';
    const normal = 'https://news.example.org/x?a=1&b=%3C2%3E&c=%5D%5D%3E';
    expect(stored(article(raw))).toMatchObject({ url: normal });
    expect(stored({ type: 'statement', speaker: { name: 'A' }, quote: 'q', url: raw })).toMatchObject({ url: normal });
    expect(stored({ type: 'correction', target: '01ARZ3NDEKTSV4RRFFQ69G5FAV', changes: { url: raw }, note: 'n' })).toMatchObject({
      changes: { url: normal },
    });
  });

  it('refuses, naming the field, what is no RFC 3986 URI even percent-encoded, or too long once encoded', () => {
    expect(paths(article('https://exa{mple}.org/'))).toEqual(['url']);
    expect(paths({ type: 'statement', speaker: { name: 'A' }, quote: 'q', url: 'https://exa`mple.org/' })).toEqual(['url']);
    expect(paths({ type: 'correction', target: '01ARZ3NDEKTSV4RRFFQ69G5FAV', changes: { url: 'ftp://x.org/' }, note: 'n' })).toEqual(['changes/url']);
    // 700 characters in, 4,200 once each é is %C3%A9.
    const long = `https://example.org/${'é'.repeat(700)}`;
    expect(long.length).toBeLessThanOrEqual(LIMITS.url);
    expect(paths(article(long))).toEqual(['url']);
    expect(paths(article(`https://example.org/${'a'.repeat(LIMITS.url)}`))).toEqual(['url']);
  });
});

describe('blank text', () => {
  const quote = (q: string) => paths({ type: 'statement', speaker: { name: 'A' }, quote: q });

  it.each([
    ['empty', ''],
    ['spaces, tabs, newlines', ' \t\r\n '],
    ['no-break and ideographic spaces', '\u00A0\u3000\u2007'],
    ['next line (NEL)', '\u0085'],
    ['zero-width space', '\u200B'],
    ['zero-width joiner and non-joiner', '\u200D\u200C'],
    ['word joiner', '\u2060'],
    ['byte order mark', '\uFEFF'],
    ['bidi marks', '\u200E\u200F\u061C'],
    ['bidi embeddings and isolates', '\u202A\u202C\u2066\u2069'],
    ['soft hyphen', '\u00AD'],
    ['Hangul filler', '\u3164'],
    ['variation selector', '\uFE0F'],
    ['a mix', ' \u200B\u2060 \uFEFF\n'],
  ])('%s is blank in a required field', (_, text) => {
    expect(isBlank(text)).toBe(true);
    expect(quote(text)).toEqual(['quote']);
    expect(paths({ type: 'statement', speaker: { name: text }, quote: 'q' })).toEqual(['speaker/name']);
    expect(openStorySchema.safeParse({ id: 'x', headline: text, summary: 'S' }).success).toBe(false);
  });

  it.each([
    ['a letter among zero-width characters', '\u200Ba\u200B'],
    ['an emoji family (joined by ZWJ)', '👨‍👩‍👧'],
    ['an Arabic letter with a bidi mark', '\u200F\u0627'],
    ['a dash', '–'],
    ['a digit', '0'],
  ])('%s is not blank', (_, text) => {
    expect(isBlank(text)).toBe(false);
    expect(quote(text)).toEqual([]);
  });
});

describe('limits', () => {
  it('a quote, an article summary and a statement context may hold 60,000 characters, not one more', () => {
    const statement = { type: 'statement', speaker: { name: 'A' } };
    expect(paths({ ...statement, quote: 'q'.repeat(LIMITS.quote) })).toEqual([]);
    expect(paths({ ...statement, quote: 'q'.repeat(LIMITS.quote + 1) })).toEqual(['quote']);
    expect(paths({ ...statement, quote: 'q', context: 'c'.repeat(LIMITS.context + 1) })).toEqual(['context']);
    const article = { type: 'article', title: 'T', url: 'https://e.org/', outlet: 'O', publishedAt: '2010-04-08' };
    expect(paths({ ...article, summary: 's'.repeat(LIMITS.articleSummary) })).toEqual([]);
    expect(paths({ ...article, summary: 's'.repeat(LIMITS.articleSummary + 1) })).toEqual(['summary']);
    expect(LIMITS.quote).toBe(60_000);
  });

  it('a date-time is bounded (it becomes part of a DynamoDB index key)', () => {
    const article = { type: 'article', title: 'T', url: 'https://e.org/', outlet: 'O' };
    expect(paths({ ...article, publishedAt: '2010-04-07T14:00:00.123456789+06:00' })).toEqual([]);
    expect(paths({ ...article, publishedAt: `2010-04-07T14:00:00.${'1'.repeat(2000)}Z` })).toEqual(['publishedAt']);
  });
});

describe('upcasting', () => {
  it('brings a schemaVersion 1 statement and article to the current shape without touching the input', () => {
    const v1 = {
      type: 'StatementRecorded',
      data: { speakerName: 'Roza Otunbayeva', speakerRole: 'interim leader', quote: 'q' },
      metadata: { schemaVersion: 1 },
    };
    const up = upcast(v1);
    expect(up.data).toEqual({ speaker: { name: 'Roza Otunbayeva', role: 'interim leader' }, quote: 'q', speech: 'direct' });
    expect(v1.data).toHaveProperty('speakerName');
    const article = upcast({
      type: 'ArticlePublished',
      data: { title: 't', publication: 'BBC', url: 'https://bbc.co.uk', publishedAt: '2010-04-08' },
      metadata: { schemaVersion: 1 },
    });
    expect(article.data).toMatchObject({ outlet: 'BBC' });
  });

  it('reads a v2 statement recorded before `speech` existed as a direct quote, and keeps a stored value', () => {
    const before = { type: 'StatementRecorded', data: { speaker: { name: 'A' }, quote: 'q' }, metadata: { schemaVersion: 2 } };
    expect(upcast(before).data).toEqual({ speaker: { name: 'A' }, quote: 'q', speech: 'direct' });
    expect(before.data).not.toHaveProperty('speech');
    const reported = { type: 'StatementRecorded', data: { speaker: { name: 'A' }, quote: 'q', speech: 'reported' }, metadata: { schemaVersion: 2 } };
    expect(upcast(reported).data).toEqual(reported.data);
    // Articles have no default: an absent titleReconstructed means the outlet's own title.
    const article = {
      type: 'ArticlePublished',
      data: { title: 't', url: 'https://x.org', outlet: 'O', publishedAt: '2010-04-08' },
      metadata: { schemaVersion: 2 },
    };
    expect(upcast(article).data).toEqual(article.data);
  });
});

describe('direct quotes and reported speech', () => {
  const statement = { type: 'statement', speaker: { name: 'Example Spokesperson (fictional)' }, quote: 'the bridge would reopen' };

  it('a statement that does not say is a direct quote (clients from before the field keep working)', () => {
    expect(updateSchema.parse(statement)).toMatchObject({ speech: 'direct' });
    expect(updateSchema.parse({ ...statement, speech: 'reported' })).toMatchObject({ speech: 'reported' });
  });

  it('refuses any other kind of speech, naming the field', () => {
    for (const speech of ['paraphrase', 'Reported', '', null, true]) expect(paths({ ...statement, speech }), String(speech)).toEqual(['speech']);
    expect(paths({ type: 'correction', target: '01ARZ3NDEKTSV4RRFFQ69G5FAV', changes: { speech: 'indirect' }, note: 'n' })).toEqual([
      'changes/speech',
    ]);
  });

  it('a correction may change it, and a correction that does not mention it leaves it alone', () => {
    const correction = (changes: object) => updateSchema.parse({ type: 'correction', target: '01ARZ3NDEKTSV4RRFFQ69G5FAV', changes, note: 'n' });
    expect(correction({ speech: 'reported' })).toMatchObject({ changes: { speech: 'reported' } });
    expect(correction({ quote: 'q' })).toEqual(expect.objectContaining({ changes: { quote: 'q' } }));
  });

  it('an article may say its title is the newsroom’s, and only as a boolean', () => {
    const article = { type: 'article', title: 'T', url: 'https://example.org/a', outlet: 'O', publishedAt: '2010-04-08' };
    expect(paths({ ...article, titleReconstructed: true })).toEqual([]);
    expect(paths({ ...article, titleReconstructed: 'yes' })).toEqual(['titleReconstructed']);
  });
});
