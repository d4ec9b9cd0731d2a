import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it, expect } from 'vitest';
import { openStorySchema, updateSchema, type StatementInput, type UpdateInput } from '../../shared/domain/story/updates';

/** The seed story as the loader reads it: one story to open, then updates appended in order. */
interface SeedStory {
  story: unknown;
  updates: { recordedBy: string; update: unknown }[];
}

const fixture = JSON.parse(readFileSync(new URL('../../events/bakiyev/story.json', import.meta.url), 'utf8')) as SeedStory;

/**
 * The source articles are other people's text and stay out of the repository: CI has them beside
 * the checkout (../shared/seeds), and NEWSROOM_SEEDS_DIR points at them from anywhere else. Where
 * they are, the fixture is checked against them; where they are not, the checks that need them are
 * not defined, and one test says so on the run's output. NEWSROOM_REQUIRE_SEEDS=1 (set by .ci/run)
 * makes their absence a failure, so CI never passes without checking them.
 */
const seedsDir = process.env.NEWSROOM_SEEDS_DIR
  ? pathToFileURL(`${resolve(process.env.NEWSROOM_SEEDS_DIR)}/`)
  : new URL('../../../shared/seeds/', import.meta.url);
const seeds = existsSync(seedsDir)
  ? readdirSync(seedsDir)
      .filter((name) => name.endsWith('.txt'))
      .map((name) => ({ name, text: readFileSync(new URL(name, seedsDir), 'utf8') }))
  : undefined;
const requireSeeds = process.env.NEWSROOM_REQUIRE_SEEDS === '1';

// Invalid updates are left out here so that the schema test below, not module loading, reports them.
const parsed: UpdateInput[] = fixture.updates.flatMap((entry) => {
  const result = updateSchema.safeParse(entry.update);
  return result.success ? [result.data] : [];
});
const statements = parsed.filter((u): u is StatementInput => u.type === 'statement');
const isReported = (s: StatementInput) => s.speech === 'reported';

/** True when `quote` occurs in a seed inside a pair of double quotation marks on the same line. */
function occursAsDirectQuote(texts: { text: string }[], quote: string): boolean {
  return texts.some(({ text }) =>
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

  it('says of every statement whether it is a direct quote or reported speech', () => {
    const unsaid = fixture.updates.flatMap(({ update }, index) => {
      const u = update as { type?: string; speech?: unknown };
      return u.type === 'statement' && u.speech !== 'direct' && u.speech !== 'reported' ? [index] : [];
    });
    expect(unsaid).toEqual([]);
    // The Otunbayeva and Clinton positions are the reporter's paraphrase, never quotations.
    expect(
      statements
        .filter(isReported)
        .map((s) => s.speaker.name)
        .sort(),
    ).toEqual(['Hillary Clinton', 'Roza Otunbayeva']);
  });

  it('gives the Al Jazeera report a title its text supports: no claim of blame the report does not make', () => {
    const aj = parsed.find((u) => u.type === 'article' && u.outlet === 'Al Jazeera English');
    expect(aj?.type === 'article' && aj.title).toBe('Bakiyev says he does not expect to return as president');
    expect(aj?.type === 'article' && aj.title).not.toMatch(/blame/i);
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

if (seeds) {
  const texts = seeds;
  describe(`the Bakiyev fixture against its source articles (${seedsDir.pathname})`, () => {
    it('finds both seed articles', () => {
      expect(texts.map((s) => s.name)).toEqual(expect.arrayContaining(['000_f2bec0c2721f4661.txt', '003_900a605bcb63bd5d.txt']));
    });

    it('keeps direct quotes verbatim and inside quotation marks in a seed', () => {
      const wrong = statements.filter((s) => !isReported(s) && !occursAsDirectQuote(texts, s.quote)).map((s) => s.quote);
      expect(wrong).toEqual([]);
    });

    it('keeps reported speech as a verbatim fragment of a seed', () => {
      const wrong = statements
        .filter(isReported)
        .filter((s) => !texts.some(({ text }) => text.includes(s.quote)))
        .map((s) => s.quote);
      expect(wrong).toEqual([]);
    });

    it('marks every article title that no seed carries as supplied by the newsroom', () => {
      // Seeds write apostrophes straight or curly; a title is the seed's own either way.
      const plain = (text: string) => text.replace(/[’‘]/g, "'");
      const articles = parsed.filter((u) => u.type === 'article');
      const unmarked = articles.filter((a) => !a.titleReconstructed && !texts.some(({ text }) => plain(text).includes(plain(a.title))));
      expect(unmarked.map((a) => a.title)).toEqual([]);
      expect(articles.filter((a) => a.titleReconstructed).map((a) => a.outlet)).toEqual(['Al Jazeera English']);
    });
  });
} else {
  describe('the Bakiyev fixture against its source articles', () => {
    it('are not checked: the articles are absent, which only a run without NEWSROOM_REQUIRE_SEEDS=1 accepts', () => {
      // Said on the run's output, not only here: a pass of this file has not checked the quotes.
      console.warn(
        `NOT CHECKED: the fixture's quotes and titles against its source articles, which are not at ${seedsDir.pathname}. ` +
          'Set NEWSROOM_SEEDS_DIR to a directory holding them to check them (CI does, with NEWSROOM_REQUIRE_SEEDS=1).',
      );
      expect(requireSeeds, `NEWSROOM_REQUIRE_SEEDS=1 but the source articles are not at ${seedsDir.pathname}`).toBe(false);
    });
  });
}
