/**
 * Publishing only what the sources say: reported speech is never shown as a quotation, and a title
 * the newsroom supplied says so. The Bakiyev fixture goes through the real decider and projection,
 * then every surface built from the view is checked: feed titles and entry HTML in all three
 * formats (read back by feedparser), and the story page.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { storyFeed } from '../../../shared/domain/feeds/model';
import { renderFeed } from '../../../shared/domain/feeds/render';
import { FEED_FORMATS, type FeedContext } from '../../../shared/domain/feeds/urls';
import { storyPage } from '../../../shared/domain/pages/story-page';
import { foldStory, type StatementContent, type TimelineEntry } from '../../../shared/domain/projection/story-view';
import type { StoryEvent } from '../../../shared/domain/story/events';
import { openStorySchema, updateSchema } from '../../../shared/domain/story/updates';
import { recorder } from '../../support/events';
import { parseAllWithFeedparser } from '../../support/feeds';

const ctx: FeedContext = { baseUrl: 'https://news.example.org', tagPrefix: 'tag:news.example.org,2026:' };
const fixture = JSON.parse(readFileSync(new URL('../../../events/bakiyev/story.json', import.meta.url), 'utf8')) as {
  story: unknown;
  updates: { update: unknown }[];
};

/** The fixture through the write path's validation and decider, as the seed loader records it. */
function record(bodies: unknown[]): StoryEvent[] {
  const { events, meta, run } = recorder('seed');
  const story = openStorySchema.parse(fixture.story);
  run({ type: 'OpenStory', data: story, metadata: meta(0) });
  bodies.forEach((body, i) => run({ type: 'RecordUpdate', data: { storyId: story.id, update: updateSchema.parse(body) }, metadata: meta(i + 1) }));
  return events;
}

const events = record(fixture.updates.map((u) => u.update));
const view = foldStory(events)!;
const entries = [...view.entries.values()].sort((a, b) => b.changeVersion - a.changeVersion);
const statementBy = (name: string) => entries.find((e) => e.content.kind === 'statement' && e.content.speaker.name === name)!;
const docs = Object.fromEntries(FEED_FORMATS.map((f) => [f, renderFeed(storyFeed(view.head, entries, ctx, f), f)])) as Record<
  (typeof FEED_FORMATS)[number],
  string
>;
const json = JSON.parse(docs.json) as { items: { id: string; title: string; content_html: string }[] };
const item = (entry: TimelineEntry) => json.items.find((i) => i.id.endsWith(entry.updateId))!;
const page = storyPage(
  { assets: { stylesheet: '/assets/page.css', liveScript: '/assets/live.js' }, baseUrl: 'https://news.example', pollSeconds: 15 },
  view.head,
  {
    timeline: entries,
    order: 'newest',
    keyEvents: [],
    keyPoints: view.keyPoints,
    people: [],
    sources: [],
  },
);
/** The page's timeline item of an entry. */
const pageItem = (entry: TimelineEntry) => page.slice(page.indexOf(`<li id="update-${entry.updateId}"`)).split('</li>')[0]!;

describe('reported speech in the Bakiyev story', () => {
  const otunbayeva = statementBy('Roza Otunbayeva');
  const clinton = statementBy('Hillary Clinton');
  const bakiyev = entries.find((e) => e.content.kind === 'statement' && e.content.quote === 'I don’t have any real levers of power.')!;

  it('the timeline entries carry the kind of speech', () => {
    expect((otunbayeva.content as StatementContent).speech).toBe('reported');
    expect((clinton.content as StatementContent).speech).toBe('reported');
    expect((bakiyev.content as StatementContent).speech).toBe('direct');
  });

  it('feed titles say "(reported)" and carry no quotation marks, in every format as readers parse them', async () => {
    // Where a long quote is cut is the title's business; what it says about the speech is this test's.
    expect(item(otunbayeva).title).toMatch(/^Roza Otunbayeva \(reported\): the base agreement will be preserved, although she has said .+…$/);
    expect(item(bakiyev).title).toBe('Kurmanbek Bakiyev: “I don’t have any real levers of power.”');
    const [atom, rss] = await parseAllWithFeedparser([docs.atom, docs.rss]);
    for (const parsed of [atom!, rss!]) {
      const titles = parsed.entries.map((e) => e.title ?? '');
      const reported = titles.filter((t) => t.startsWith('Roza Otunbayeva') || t.startsWith('Hillary Clinton'));
      expect(reported).toHaveLength(2);
      for (const title of reported) {
        expect(title).toMatch(/^(Roza Otunbayeva|Hillary Clinton) \(reported\): /);
        expect(title).not.toMatch(/[“”"«»„]/);
      }
      expect(titles).toContain('Kurmanbek Bakiyev: “I don’t have any real levers of power.”');
    }
  });

  it('entry HTML sets reported speech as a plain paragraph that says so: no <blockquote>, no <q>', () => {
    for (const entry of [otunbayeva, clinton]) {
      const html = item(entry).content_html;
      expect(html).not.toMatch(/<blockquote|<q[\s>]/);
      expect(html).toContain(`<p dir="auto">Reported speech, not a direct quote: ${(entry.content as StatementContent).quote}</p>`);
    }
    expect(item(bakiyev).content_html).toContain('<blockquote><p dir="auto">I don’t have any real levers of power.</p></blockquote>');
    // Atom and RSS carry the same HTML (escaped once more as XML text).
    expect(docs.atom).not.toMatch(/&lt;blockquote&gt;&lt;p[^&]*(?:&quot;[^&]*&quot;)?[^&]*&gt;the base agreement/);
    expect(docs.rss).not.toMatch(/&lt;blockquote&gt;&lt;p[^&]*(?:&quot;[^&]*&quot;)?[^&]*&gt;the base agreement/);
    expect(docs.atom).toContain('Reported speech, not a direct quote: the base agreement');
  });

  it('the page shows reported speech without quotation marks, and direct quotes as quotations', () => {
    for (const entry of [otunbayeva, clinton]) {
      const li = pageItem(entry);
      expect(li).not.toMatch(/<blockquote|<q[\s>]|[“”]/);
      expect(li).toContain('Reported speech, not a direct quote:');
    }
    expect(pageItem(bakiyev)).toContain('<blockquote dir="auto"><p>“I don’t have any real levers of power.”</p></blockquote>');
  });
});

describe('a title the newsroom supplied', () => {
  const aj = entries.find((e) => e.content.kind === 'article' && e.content.outlet === 'Al Jazeera English')!;
  const fp = entries.find((e) => e.content.kind === 'article' && e.content.outlet === 'Foreign Policy')!;

  it('is one the report supports, and says so in the entry HTML and on the page', () => {
    expect(item(aj).title).toBe('Bakiyev says he does not expect to return as president');
    expect(item(aj).content_html).toContain('<p><em>Title supplied by the newsroom, not the outlet’s own.</em></p>');
    expect(pageItem(aj)).toContain('Title supplied by the newsroom, not the outlet’s own.');
    // The Foreign Policy post's title is its own.
    expect(item(fp).content_html).not.toContain('Title supplied');
    expect(pageItem(fp)).not.toContain('Title supplied');
  });
});

describe('correcting the kind of speech', () => {
  it('a correction turns a quotation into reported speech and back, on every surface', () => {
    const body = { type: 'statement', speaker: { name: 'Example Spokesperson (fictional)' }, quote: 'the example bridge would reopen' };
    const [opened, recorded] = record([body]).slice(0, 2);
    const target = recorded!.metadata.updateId;
    const corrected = (speech: 'direct' | 'reported', version: number) =>
      ({
        type: 'UpdateCorrected',
        data: { target, changes: { speech }, note: `It was ${speech} speech.` },
        metadata: { ...recorded!.metadata, updateId: `01K${String(version).padStart(23, '0')}`, version },
      }) as StoryEvent;
    const titleAfter = (...later: StoryEvent[]) => {
      const v = foldStory([opened!, recorded!, ...later])!;
      const doc = storyFeed(v.head, [...v.entries.values()], ctx, 'json');
      return doc.entries[0]!;
    };
    expect(titleAfter().title).toBe('Example Spokesperson (fictional): “the example bridge would reopen”');
    const reported = titleAfter(corrected('reported', 3));
    expect(reported.title).toBe('Example Spokesperson (fictional) (reported): the example bridge would reopen');
    expect(reported.contentHtml).not.toContain('<blockquote>');
    expect(titleAfter(corrected('reported', 3), corrected('direct', 4)).title).toBe(
      'Example Spokesperson (fictional): “the example bridge would reopen”',
    );
  });
});
