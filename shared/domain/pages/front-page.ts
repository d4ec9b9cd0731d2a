/** The front page: the stories, newest activity first, a page at a time, with their status, latest update and counts. */
import { escapeHtml as e, paragraphsHtml } from '../html';
import type { StorySummary } from '../projection/story-summary';
import { AUTO, layout, plural, storyPath, when, type PageAssets } from './parts';

const ALTERNATES = `<link rel="alternate" type="application/atom+xml" title="All stories (Atom)" href="/feed.atom">
<link rel="alternate" type="application/rss+xml" title="All stories (RSS)" href="/feed.rss">
<link rel="alternate" type="application/feed+json" title="All stories (JSON Feed)" href="/feed.json">`;

function storyItem(s: StorySummary): string {
  // Summaries written before the counts were added to the story list say none.
  const counts = [
    plural(s.updateCount, 'update'),
    ...(s.correctionCount ? [plural(s.correctionCount, 'correction')] : []),
    ...(s.retractionCount ? [plural(s.retractionCount, 'retraction')] : []),
  ];
  const latest = s.lastUpdateAt ? `latest update ${when(s.lastUpdateAt)}` : `opened ${when(s.openedAt)}`;
  return `<li lang="${e(s.language)}"><h2 class="story-title"><a href="${storyPath(s.storyId)}" dir="auto">${e(s.headline)}</a></h2>
<p class="small" lang="en"><span class="status ${e(s.status)}">${e(s.status)}</span> · ${latest} · ${counts.join(' · ')}</p>
${paragraphsHtml(s.summary, AUTO)}</li>`;
}

/** A page of the story list; `next`, when there are older stories, is the cursor of the page after it. */
export function frontPage(assets: PageAssets, stories: StorySummary[], next?: string): string {
  const items = stories.map(storyItem).join('\n');
  const more = next
    ? `\n<nav class="pager" aria-label="More stories"><a rel="next" href="${e(`/?cursor=${encodeURIComponent(next)}`)}">Older stories →</a></nav>`
    : '';
  return layout(assets, {
    title: 'Newsroom: developing stories',
    head: ALTERNATES,
    body: `<h1>Developing stories</h1>
<nav class="feeds" aria-label="Follow every story">Follow every story: <a href="/feed.atom">Atom</a> · <a href="/feed.rss">RSS</a> · <a href="/feed.json">JSON Feed</a></nav>
<ol class="stories plain">${items || '<li>No stories yet.</li>'}</ol>${more}`,
  });
}
