import { describe, expect, it } from 'vitest';
import { updateSchema, openStorySchema } from '../../../shared/domain/story/updates';
import { findXmlForbiddenChar } from '../../../shared/domain/story/text';
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

  it('story ids are slugs, language defaults to en', () => {
    expect(openStorySchema.safeParse({ id: 'Bad Id', headline: 'H', summary: 'S' }).success).toBe(false);
    expect(openStorySchema.parse({ id: 'good-id-2010', headline: 'H', summary: 'S' })).toMatchObject({ language: 'en', topics: [] });
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
    expect(up.data).toEqual({ speaker: { name: 'Roza Otunbayeva', role: 'interim leader' }, quote: 'q' });
    expect(v1.data).toHaveProperty('speakerName');
    const article = upcast({
      type: 'ArticlePublished',
      data: { title: 't', publication: 'BBC', url: 'https://bbc.co.uk', publishedAt: '2010-04-08' },
      metadata: { schemaVersion: 1 },
    });
    expect(article.data).toMatchObject({ outlet: 'BBC' });
  });
});
