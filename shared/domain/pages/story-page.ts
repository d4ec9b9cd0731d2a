/**
 * A story's live page: the head (status, headline, summary, counts), the headline history, the
 * timeline newest first (or oldest first), paged by cursor, the people quoted, the sources and
 * the corrections; feed autodiscovery and schema.org structured data in the head. The live
 * script (a static asset) keeps the page up to date from the regions and entries rendered here:
 * `#story-head` and `#headline-history` are replaced whole, timeline items (entry.ts) one by one.
 * The same story as it stood at a past version is a page of its own, which is not live.
 */
import { escapeHtml as e, paragraphsHtml } from '../html';
import type { KeyPoint, Person, Source, StoryHead, TimelineEntry } from '../projection/story-view';
import { entryContentHtml, entryHtml, entryMetaHtml, entryNotesHtml, entrySummaryHtml } from './entry';
import { AUTO, bdi, inline, layout, plural, storyPath, when, type PageAssets } from './parts';
import { liveBlogPostingJsonLd } from './structured-data';

export interface PageContext {
  assets: PageAssets;
  /** Public base URL, no trailing slash: structured data names absolute URLs. */
  baseUrl: string;
  /** How often an open page asks for changes. */
  pollSeconds: number;
}

export type TimelineOrder = 'newest' | 'oldest';

/** Key events a page lists at its top, and shows at most when filtered to them. */
export const PAGE_KEY_EVENTS = 20;
export const FILTERED_KEY_EVENTS = 100;

export interface StoryPageParts {
  /** One page of the timeline, in `order`. */
  timeline: TimelineEntry[];
  order: TimelineOrder;
  /** The cursor this page was asked for (absent: the first page). */
  cursor?: string;
  /** The cursor of the page after this one, when there is one. */
  next?: string;
  /** Headline changes, newest first. */
  keyPoints: KeyPoint[];
  people: Person[];
  sources: Source[];
  /** The latest key events, newest first, and the pinned update: shown at the top. */
  keyEvents: TimelineEntry[];
  pinned?: TimelineEntry;
  /** The timeline shows the key events only. */
  keyEventsOnly?: boolean;
}

/** The page's title: the headline (the live script puts a count of waiting updates before it). */
export const storyTitle = (head: Pick<StoryHead, 'headline'>) => `${head.headline} – Newsroom`;

/** The head of the page: status, times and counts, headline, summary. Replaced whole when it changes. */
export function storyHeadHtml(head: StoryHead): string {
  const counts = [
    plural(head.updateCount, 'update'),
    ...(head.correctionCount ? [plural(head.correctionCount, 'correction')] : []),
    ...(head.retractionCount ? [plural(head.retractionCount, 'retraction')] : []),
  ];
  return `<header id="story-head">
<p class="meta"><span class="status ${e(head.status)}">${e(head.status)}</span> · opened ${when(head.openedAt)}${
    head.lastUpdateAt ? ` · latest update ${when(head.lastUpdateAt)}` : ''
  } · ${counts.join(' · ')} · version ${head.version}</p>
<h1 dir="auto">${e(head.headline)}</h1>
${paragraphsHtml(head.summary, AUTO)}
</header>`;
}

/** How the headline and summary changed, newest first, each linking to the story as it stood then. */
export function headlineHistoryHtml(head: Pick<StoryHead, 'storyId'>, keyPoints: KeyPoint[]): string {
  const items = keyPoints
    .map(
      (k) =>
        `<li>${when(k.at)}: <strong>${bdi(k.headline)}</strong>${k.summary ? ` — ${inline(k.summary)}` : ''} · <a href="${e(
          `${storyPath(head.storyId)}?version=${k.version}`,
        )}">the story as it stood<span class="visually-hidden"> at version ${k.version}</span></a></li>`,
    )
    .join('');
  return `<section id="headline-history" aria-labelledby="headline-history-title">
<details class="history"><summary><span id="headline-history-title">Headline history</span> (${keyPoints.length})</summary><ol>${items}</ol></details>
</section>`;
}

/** The pinned update, first on the page (its place in the timeline is linked); an empty region when none is. */
export function pinnedHtml(pinned: TimelineEntry | undefined): string {
  const section = pinned
    ? `<section class="pinned" aria-labelledby="pinned-title"><h2 id="pinned-title">Pinned</h2>
<div class="pinned-entry" dir="auto">${entryMetaHtml(pinned, ` · <a href="#update-${e(pinned.updateId)}">in the timeline</a>`)}
${entryContentHtml(pinned)}${entryNotesHtml(pinned)}</div></section>`
    : '';
  return `<div id="pinned-region">${section}</div>`;
}

/** The latest key events, each a line linking its permalink; an empty region when there are none. */
export function keyEventsHtml(storyId: string, keyEvents: TimelineEntry[], filtered = false): string {
  const section = keyEvents.length
    ? `<section id="key-events" aria-labelledby="key-events-title"><h2 id="key-events-title">Key events</h2><ol class="key-events">${keyEvents
        .map((k) => `<li>${entryMetaHtml(k)}<p>${entrySummaryHtml(k)}</p></li>`)
        .join('')}</ol>${
        filtered ? '' : `<p class="small"><a href="${storyPath(storyId)}?filter=key-events">Show the key events only</a></p>`
      }</section>`
    : '';
  return `<div id="key-events-region">${section}</div>`;
}

function feedLinks(head: StoryHead): { head: string; nav: string } {
  const base = storyPath(head.storyId);
  const formats = [
    ['atom', 'application/atom+xml', 'Atom'],
    ['rss', 'application/rss+xml', 'RSS'],
    ['json', 'application/feed+json', 'JSON Feed'],
  ] as const;
  return {
    head: formats
      .map(([ext, type, name]) => `<link rel="alternate" type="${type}" title="${e(head.headline)} (${name})" href="${base}/feed.${ext}">`)
      .join('\n'),
    nav: `<nav class="feeds" aria-label="Follow this story">Follow: ${formats
      .map(([ext, , name]) => `<a href="${base}/feed.${ext}">${name}</a>`)
      .join(' · ')} · <a href="/api/stories/${e(head.storyId)}">JSON</a></nav>`,
  };
}

function correctionsHtml(timeline: TimelineEntry[]): string {
  const changed = timeline.filter((t) => t.corrections.length > 0 || t.retraction);
  if (changed.length === 0) return '<p class="small">None among these updates.</p>';
  return `<ul class="plain">${changed
    .map((t) =>
      t.retraction
        ? `<li><a href="#update-${e(t.updateId)}">Update</a> retracted: ${inline(t.retraction.reason)}</li>`
        : t.corrections.map((n) => `<li><a href="#update-${e(t.updateId)}">Update</a> corrected: ${inline(n.note)}</li>`).join(''),
    )
    .join('')}</ul>`;
}

function aboutHtml(parts: Pick<StoryPageParts, 'people' | 'sources'>, timeline: TimelineEntry[]): string {
  return `<section id="people" aria-labelledby="people-title"><h2 id="people-title">People quoted</h2><ul class="plain">${parts.people
    .map(
      (p) =>
        `<li><strong>${bdi(p.name)}</strong>${p.roles.length ? `, ${p.roles.map(bdi).join('; ')}` : ''} — ${plural(p.statementCount, 'statement')}</li>`,
    )
    .join('')}</ul></section>
<section id="sources" aria-labelledby="sources-title"><h2 id="sources-title">Sources</h2><ul class="plain">${parts.sources
    .map((s) => `<li>${s.lastUrl ? `<a href="${e(s.lastUrl)}">${bdi(s.outlet)}</a>` : bdi(s.outlet)} (${s.updateCount})</li>`)
    .join('')}</ul></section>
<section id="corrections" aria-labelledby="corrections-title"><h2 id="corrections-title">Corrections and retractions</h2>${correctionsHtml(timeline)}</section>`;
}

function pagerHtml(storyId: string, parts: StoryPageParts): string {
  const base = storyPath(storyId);
  const orderParam = parts.order === 'oldest' ? 'order=oldest&' : '';
  const links: string[] = [];
  if (parts.cursor)
    links.push(
      `<a href="${base}${parts.order === 'oldest' ? '?order=oldest' : ''}">${parts.order === 'oldest' ? '← The first updates' : '← The latest updates'}</a>`,
    );
  if (parts.next) {
    links.push(
      `<a rel="next" href="${e(`${base}?${orderParam}cursor=${encodeURIComponent(parts.next)}`)}">${parts.order === 'oldest' ? 'Later updates →' : 'Older updates →'}</a>`,
    );
  }
  return links.length ? `<nav class="pager" aria-label="More updates">${links.join('')}</nav>` : '';
}

export function storyPage(ctx: PageContext, head: StoryHead, parts: StoryPageParts): string {
  const base = storyPath(head.storyId);
  const feeds = feedLinks(head);
  const newest = parts.order === 'newest';
  // New updates go in at the top of the first newest-first page; elsewhere the button leads there.
  const live = newest && !parts.cursor && !parts.keyEventsOnly ? 'top' : 'page';
  const body = `<article class="story" data-story="${e(head.storyId)}" data-version="${head.version}" data-changes="/api/stories/${e(
    head.storyId,
  )}/changes" data-latest="${base}" data-poll-seconds="${ctx.pollSeconds}">
${storyHeadHtml(head)}
${feeds.nav}
${pinnedHtml(parts.pinned)}
${parts.keyEventsOnly ? '' : keyEventsHtml(head.storyId, parts.keyEvents)}
${headlineHistoryHtml(head, parts.keyPoints)}
<section id="timeline" aria-labelledby="timeline-title">
<h2 id="timeline-title">${parts.keyEventsOnly ? 'Key events' : newest ? 'Latest updates' : 'Updates, oldest first'}</h2>
<p class="order">${
    parts.keyEventsOnly
      ? `The key events only, newest first (the latest ${FILTERED_KEY_EVENTS}) · <a href="${base}">Every update</a> · <a href="${base}/key-events.atom">Key events feed</a>`
      : newest
        ? `Newest first · <a href="${base}?order=oldest">Read from the start</a>`
        : `Oldest first · <a href="${base}">Read the latest first</a>`
  }</p>
<div class="live-bar"><button type="button" id="new-updates" hidden></button></div>
<p id="live-status" class="visually-hidden" role="status" aria-live="polite"></p>
<ol class="timeline" data-live="${live}" data-more="${parts.next ? 'true' : 'false'}">${parts.timeline.map(entryHtml).join('\n')}</ol>
${pagerHtml(head.storyId, parts)}
</section>
${aboutHtml(parts, parts.timeline)}
</article>`;
  return layout(ctx.assets, {
    title: storyTitle(head),
    lang: head.language,
    head: `${feeds.head}\n${liveBlogPostingJsonLd(ctx.baseUrl, head, parts.timeline)}`,
    body,
    live: true,
    skipTo: { id: 'timeline', label: 'Skip to the updates' },
  });
}

export interface PastStoryParts {
  /** The entries as they stood then: those changed most recently before that version. */
  timeline: TimelineEntry[];
  keyPoints: KeyPoint[];
  people: Person[];
  sources: Source[];
  /** When the story stood so: its last event at that version. */
  at: string;
  keyEvents: TimelineEntry[];
  pinned?: TimelineEntry;
}

/** The story as it stood at `head.version`: no live script, a note that says so, the timeline newest first. */
export function pastStoryPage(ctx: PageContext, head: StoryHead, parts: PastStoryParts): string {
  const base = storyPath(head.storyId);
  const body = `<article class="story past-version" data-story="${e(head.storyId)}" data-version="${head.version}">
<p class="past" role="note">You are reading this story as it stood at version ${head.version}, ${when(parts.at)}. <a href="${base}">Read the live story</a>.</p>
${storyHeadHtml(head)}
${pinnedHtml(parts.pinned)}
${keyEventsHtml(head.storyId, parts.keyEvents.slice(0, PAGE_KEY_EVENTS), true)}
${headlineHistoryHtml(head, parts.keyPoints)}
<section id="timeline" aria-labelledby="timeline-title">
<h2 id="timeline-title">Updates as they stood then</h2>
<p class="order">Newest first: the updates that changed most recently before this version.</p>
<ol class="timeline">${parts.timeline.map(entryHtml).join('\n')}</ol>
</section>
${aboutHtml(parts, parts.timeline)}
</article>`;
  return layout(ctx.assets, {
    title: `${storyTitle(head)} (version ${head.version})`,
    lang: head.language,
    head: '<meta name="robots" content="noindex">',
    body,
    skipTo: { id: 'timeline', label: 'Skip to the updates' },
  });
}
