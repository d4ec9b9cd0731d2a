import { readFileSync, readdirSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { openStorySchema, updateSchema, type StatementInput, type UpdateInput } from '../../shared/domain/story/updates';

/** The seed story as the loader reads it: one story to open, then updates appended in order. */
interface SeedStory {
  story: unknown;
  updates: { recordedBy: string; update: unknown }[];
}

const fixture = JSON.parse(readFileSync(new URL('../../events/bakiyev/story.json', import.meta.url), 'utf8')) as SeedStory;

const seedsDir = new URL('../../../shared/seeds/', import.meta.url);
const seeds = readdirSync(seedsDir)
  .filter((name) => name.endsWith('.txt'))
  .map((name) => ({ name, text: readFileSync(new URL(name, seedsDir), 'utf8') }));

/** The fixture README's rule: a statement whose context opens with this carries reported speech. */
const REPORTED = 'Reported speech, not a direct quote:';

// Invalid updates are left out here so that the schema test below, not module loading, reports them.
const parsed: UpdateInput[] = fixture.updates.flatMap((entry) => {
  const result = updateSchema.safeParse(entry.update);
  return result.success ? [result.data] : [];
});
const statements = parsed.filter((u): u is StatementInput => u.type === 'statement');
const isReported = (s: StatementInput) => s.context?.startsWith(REPORTED) ?? false;

/** True when `quote` occurs in a seed inside a pair of double quotation marks on the same line. */
function occursAsDirectQuote(quote: string): boolean {
  return seeds.some(({ text }) =>
    text.split('\n').some((line) => {
      for (let at = line.indexOf(quote); at >= 0; at = line.indexOf(quote, at + 1)) {
        const opened = (line.slice(0, at).match(/"/g) ?? []).length % 2 === 1;
        const closed = line.indexOf('"', at + quote.length) >= 0;
        if (opened && closed) return true;
      }
      return false;
    }),
  );
}

describe('the Bakiyev seed story fixture', () => {
  it('finds both seed articles', () => {
    expect(seeds.map((s) => s.name)).toEqual(expect.arrayContaining(['000_f2bec0c2721f4661.txt', '003_900a605bcb63bd5d.txt']));
  });

  it('opens the story through the open-story schema under its fixed id', () => {
    const story = openStorySchema.parse(fixture.story);
    expect(story.id).toBe('kyrgyzstan-bakiyev-ouster-2010');
    expect(story.topics).toContain('Manas air base');
  });

  it('passes every update through the write schema strictly', () => {
    const failures = fixture.updates.flatMap((entry, index) => {
      const result = updateSchema.safeParse(entry.update);
      return result.success ? [] : [`update ${index}: ${JSON.stringify(result.error.issues)}`];
    });
    expect(failures, failures.join('\n')).toEqual([]);
    expect(fixture.updates.every((entry) => entry.recordedBy === 'seed')).toBe(true);
  });

  it('orders the story as it developed: FP post, headline turn, Al Jazeera report, no status', () => {
    const kinds = parsed.map((u) => (u.type === 'article' ? `article:${u.outlet}` : u.type));
    const fp = kinds.indexOf('article:Foreign Policy');
    const turn = kinds.indexOf('headline');
    const aj = kinds.indexOf('article:Al Jazeera English');
    expect(fp).toBe(0);
    expect(turn).toBeGreaterThan(fp);
    expect(aj).toBeGreaterThan(turn);
    expect(kinds).not.toContain('status');
  });

  it('attributes every statement to one of the fixture articles', () => {
    const articles = parsed.filter((u) => u.type === 'article');
    for (const s of statements) {
      expect(
        articles.some((a) => a.url === s.url && a.outlet === s.outlet),
        s.quote,
      ).toBe(true);
    }
  });

  it('keeps direct quotes verbatim and inside quotation marks in a seed', () => {
    const wrong = statements.filter((s) => !isReported(s) && !occursAsDirectQuote(s.quote)).map((s) => s.quote);
    expect(wrong).toEqual([]);
  });

  it('keeps reported speech as a verbatim fragment of a seed', () => {
    const reported = statements.filter(isReported);
    expect(reported.map((s) => s.speaker.name).sort()).toEqual(['Hillary Clinton', 'Roza Otunbayeva']);
    const wrong = reported.filter((s) => !seeds.some(({ text }) => text.includes(s.quote))).map((s) => s.quote);
    expect(wrong).toEqual([]);
  });

  it('names the five people as speakers or in the context of a statement', () => {
    const mentioned = statements.flatMap((s) => [s.speaker.name, s.context ?? '']).join('\n');
    for (const person of ['Kurmanbek Bakiyev', 'Roza Otunbayeva', 'Vladimir Putin', 'Dmitry Medvedev', 'Hillary Clinton']) {
      expect(mentioned, person).toContain(person);
    }
  });

  it('records where Bakiyev spoke in the first days: BBC Russian and Ekho Moskvy', () => {
    const media = statements.map((s) => s.medium ?? '');
    expect(media.some((m) => m.includes('BBC Russian'))).toBe(true);
    expect(media.some((m) => m.includes('Ekho Moskvy'))).toBe(true);
  });

  it('marks every date that was derived rather than stated as approximate', () => {
    const dated = parsed.filter((u) => u.type === 'article' || u.type === 'statement');
    const dateOnly = dated.filter((u) => /^\d{4}-\d{2}-\d{2}$/.test(u.type === 'article' ? u.publishedAt : (u.saidAt ?? '')));
    expect(dateOnly.every((u) => u.dateApproximate === true)).toBe(true);
  });
});
