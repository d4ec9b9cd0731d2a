/** The story page keeps editor text apart from the page's own (bidi) and keeps its line structure. */
import { describe, expect, it } from 'vitest';
import { frontPage } from '../../../shared/domain/pages/front-page';
import { storyPage } from '../../../shared/domain/pages/story-page';
import { foldStory, personOf } from '../../../shared/domain/projection/story-view';
import { orderedEntries } from '../../../shared/application/story-reader';
import { CURRENT_SCHEMA_VERSION, type StoryEvent } from '../../../shared/domain/story/events';

const RTL = 'مرحبا بالعالم';
let version = 0;
const meta = (updateId: string) => ({
  storyId: 'bidi',
  version: ++version,
  updateId,
  schemaVersion: CURRENT_SCHEMA_VERSION,
  recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, version)).toISOString(),
  recordedBy: 'anna',
});
const view = foldStory([
  { type: 'StoryOpened', data: { headline: `${RTL} 2010`, summary: 'One.\nTwo.\n\nThree.', language: 'ar', topics: [] }, metadata: meta('S1') },
  {
    type: 'StatementRecorded',
    data: {
      speaker: { name: RTL, role: 'وزير' },
      quote: 'First line\nsecond line\n\nNext paragraph',
      speech: 'direct',
      outlet: RTL,
      context: 'a\nb',
    },
    metadata: meta('U2'),
  },
  { type: 'UpdateCorrected', data: { target: 'U2', changes: { context: 'c' }, note: 'Fixed\nthe context' }, metadata: meta('C3') },
] as StoryEvent[])!;
const assets = { stylesheet: '/assets/page.css', liveScript: '/assets/live.js' };
const html = storyPage({ assets, baseUrl: 'https://news.example', pollSeconds: 15 }, view.head, {
  timeline: orderedEntries(view).reverse(),
  order: 'newest',
  keyEvents: [],
  keyPoints: [],
  people: [...view.people.values()].map(personOf),
  sources: [...view.sources.values()],
});

describe('story page', () => {
  it('isolates editor text: dir="auto" on its blocks, <bdi> inline', () => {
    expect(html).toContain(`<h1 dir="auto">${RTL} 2010</h1>`);
    expect(html).toContain(`— <strong><bdi>${RTL}</bdi></strong>, <bdi>وزير</bdi>`);
    expect(html).toContain(`reported by <bdi>${RTL}</bdi>`);
    expect(html).toMatch(new RegExp(`<li><strong><bdi>${RTL}</bdi></strong>, <bdi>وزير</bdi> — 1 statement</li>`));
    expect(html).toContain('<blockquote dir="auto">');
  });

  it('renders paragraphs and line breaks of plain text', () => {
    expect(html).toContain('<p dir="auto">One.<br>Two.</p><p dir="auto">Three.</p>');
    expect(html).toContain('<blockquote dir="auto"><p>“First line<br>second line</p><p>Next paragraph”</p></blockquote>');
    expect(html).toContain('<bdi>Fixed<br>the context</bdi>');
  });

  it('front page: headlines and summaries isolated too', () => {
    const front = frontPage(assets, [
      {
        storyId: 'bidi',
        headline: RTL,
        summary: 'a\n\nb',
        status: 'developing',
        language: 'ar',
        updateCount: 1,
        lastEventAt: '2026-01-01T00:00:00.000Z',
      } as Parameters<typeof frontPage>[1][number],
    ]);
    expect(front).toContain(`<a href="/stories/bidi" dir="auto">${RTL}</a>`);
    expect(front).toContain('<p dir="auto">a</p><p dir="auto">b</p>');
  });
});
