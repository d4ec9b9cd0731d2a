/**
 * The desk's pages as pure rendering: editor text escaped wherever it goes (shown, and as the value
 * of a correction's fields), each update's actions as its state allows them, a retracted update by
 * its notice alone, every form field naming the JSON pointer its errors come back with.
 */
import { describe, expect, it } from 'vitest';
import { deskEntryHtml, deskStoryPage } from '../../../shared/domain/pages/desk';
import { foldStory } from '../../../shared/domain/projection/story-view';
import { orderedEntries } from '../../../shared/application/story-reader';
import { CURRENT_SCHEMA_VERSION, type StoryEvent } from '../../../shared/domain/story/events';

const HOSTILE = `"><script>alert(1)</script><img src=x onerror=alert(2)> & 'quoted'`;
let version = 0;
const meta = (updateId: string) => ({
  storyId: 'desk-render',
  version: ++version,
  updateId,
  schemaVersion: CURRENT_SCHEMA_VERSION,
  recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, version)).toISOString(),
  recordedBy: 'anna',
});
const A = '01ARZ3NDEKTSV4RRFFQ69G5FA1';
const S = '01ARZ3NDEKTSV4RRFFQ69G5FA2';
const R = '01ARZ3NDEKTSV4RRFFQ69G5FA3';
const view = foldStory([
  { type: 'StoryOpened', data: { headline: `Headline ${HOSTILE}`, summary: 'Summary', language: 'en', topics: [] }, metadata: meta('S1') },
  {
    type: 'ArticlePublished',
    data: { title: `Title ${HOSTILE}`, url: 'https://news.example/a?x=1&y="2"', outlet: 'Outlet', publishedAt: '2010-04-07' },
    metadata: meta(A),
  },
  {
    type: 'StatementRecorded',
    data: { speaker: { name: `Speaker ${HOSTILE}`, role: 'Role' }, quote: `Quote ${HOSTILE}`, speech: 'direct', keyEvent: true },
    metadata: meta(S),
  },
  { type: 'StatementRecorded', data: { speaker: { name: 'Withdrawn speaker' }, quote: 'Withdrawn words', speech: 'direct' }, metadata: meta(R) },
  { type: 'UpdateRetracted', data: { target: R, reason: `Reason ${HOSTILE}` }, metadata: meta('X5') },
  { type: 'UpdatePinned', data: { target: A }, metadata: meta('P6') },
] as StoryEvent[])!;
const entries = new Map(orderedEntries(view).map((e) => [e.updateId, e]));
const assets = { stylesheet: '/assets/page.css', liveScript: '/assets/live.js', deskScript: '/assets/desk.js', deskStylesheet: '/assets/desk.css' };
const page = deskStoryPage(assets, view.head, { timeline: orderedEntries(view).reverse() });

describe('the desk story page', () => {
  it('escapes editor text everywhere: shown, in the correction fields’ values, in attributes', () => {
    expect(page).not.toContain('<script>alert');
    expect(page).not.toMatch(/<img/);
    // No tag has an event handler attribute (an escaped "onerror=" inside a quoted value is text).
    expect(page).not.toMatch(/<[a-z][a-z0-9]*(?:\s+[a-z-]+(?:="[^"]*")?)*\s+on[a-z]+=/i);
    expect(page).toContain('Title &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    // The correction form starts from the update as it stands.
    expect(page).toMatch(/<input type="text" id="u-01ARZ3NDEKTSV4RRFFQ69G5FA1-c-title"[^>]* value="Title &quot;&gt;&lt;script&gt;/);
    expect(page).toContain('value="https://news.example/a?x=1&amp;y=&quot;2&quot;"');
    expect(page).toMatch(/<textarea id="u-01ARZ3NDEKTSV4RRFFQ69G5FA2-c-quote"[^>]*>Quote &quot;&gt;&lt;script&gt;/);
    expect(page).toMatch(/data-headline="Headline &quot;&gt;&lt;script&gt;/);
    // The only script is the desk's own; the only styles its stylesheets.
    expect(page.match(/<script[^>]*>/g)).toEqual(['<script src="/assets/desk.js" defer>']);
  });

  it('offers each update the actions its state allows; a retracted one shows its notice alone', () => {
    const article = deskEntryHtml(entries.get(A)!, true);
    expect(article).toContain('<span class="badge pin">Pinned</span>');
    expect(article).toContain('data-action="unpin">Unpin</button>');
    expect(article).toContain('data-key-event="true">Mark as key event</button>');
    const statement = deskEntryHtml(entries.get(S)!, false);
    expect(statement).toContain('<span class="badge key">Key event</span>');
    expect(statement).toContain('data-key-event="false">Unmark key event</button>');
    expect(statement).toContain('data-action="pin">Pin</button>');
    const retracted = deskEntryHtml(entries.get(R)!, false);
    expect(retracted).toContain('Reason &quot;&gt;&lt;script&gt;');
    expect(retracted).not.toContain('Withdrawn');
    expect(retracted).not.toContain('<form');
    expect(retracted).not.toContain('data-action');
  });

  it('names the JSON pointer of every field, so that a problem’s errors find their field', () => {
    const pointers = [...page.matchAll(/id="(statement|article)-([a-z-]+)"[^>]* data-pointer="([^"]+)"/g)].map((m) => `${m[1]} ${m[3]}`);
    expect(pointers).toEqual(
      expect.arrayContaining([
        'statement /speaker/name',
        'statement /speaker/role',
        'statement /quote',
        'statement /saidAt',
        'statement /url',
        'statement /releaseAt',
        'article /title',
        'article /url',
        'article /publishedAt',
        'article /keyEvent',
      ]),
    );
    expect(page).toMatch(/data-pointer="\/changes\/speaker\/name"/);
    expect(page).toMatch(/data-pointer="\/note"/);
    expect(page).toMatch(/data-pointer="\/reason"/);
    // Each field's error has its place beside it, hidden until the API names the field.
    expect(page).toContain('<p class="field-error" id="statement-url-error" hidden></p>');
  });
});
