/**
 * Server-rendered HTML: the front page and a story's live page. Pure functions of the view; all
 * editor text is escaped (it is plain text by contract), and the page works without JavaScript.
 * Editor text is isolated from the text around it (bidi): blocks of it say `dir="auto"`, inline
 * pieces are `<bdi>`; multi-line text keeps its paragraphs and line breaks.
 * A few lines of script keep an open page live by polling the view's ETag.
 */
import { REPORTED_SPEECH, TITLE_RECONSTRUCTED } from '../feeds/entry-html';
import { escapeHtml as e, lineBreaksHtml, paragraphsHtml } from '../html';
import type { KeyPoint, Person, Source, StoryHead, TimelineEntry } from '../projection/story-view';
import type { StorySummary } from '../projection/story-summary';

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1b1b;--muted:#5f5f5f;--line:#ddd;--accent:#b3261e;--bg:#fff}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--muted:#aaa;--line:#333;--bg:#121212}}
body{font:17px/1.55 Georgia,'Times New Roman',serif;color:var(--fg);background:var(--bg);margin:0}
main{max-width:46rem;margin:0 auto;padding:1.5rem 1rem 4rem}
header.site{border-bottom:3px solid var(--fg);padding:.5rem 1rem;font:600 15px/1.4 system-ui,sans-serif;letter-spacing:.04em;text-transform:uppercase}
header.site a{color:inherit;text-decoration:none}
h1{font-size:2rem;line-height:1.2;margin:.5rem 0}
.meta,.small,nav.feeds{font:14px/1.5 system-ui,sans-serif;color:var(--muted)}
.status{display:inline-block;font:600 12px system-ui,sans-serif;text-transform:uppercase;letter-spacing:.06em;color:#fff;background:var(--accent);padding:.1rem .45rem;border-radius:3px}
.status.concluded{background:var(--muted)}
section{margin-top:2rem} h2{font:600 15px system-ui,sans-serif;text-transform:uppercase;letter-spacing:.05em;border-bottom:1px solid var(--line);padding-bottom:.25rem}
ol.timeline{list-style:none;padding:0;margin:0} ol.timeline>li{border-left:3px solid var(--line);padding:.25rem 0 1rem 1rem;margin:0}
ol.timeline time{font:13px system-ui,sans-serif;color:var(--muted)}
blockquote{margin:.4rem 0;font-size:1.1rem;font-style:italic}
.correction{font:14px/1.5 system-ui,sans-serif;background:rgba(255,200,0,.15);padding:.3rem .5rem;margin:.3rem 0}
.retracted{font:14px/1.5 system-ui,sans-serif;background:rgba(179,38,30,.12);padding:.3rem .5rem}
ul.plain{padding-left:1.1rem} a{color:inherit}
.stories li{margin:.8rem 0} .stories a{font-size:1.2rem;font-weight:600;text-decoration:none}
`;

function layout(title: string, body: string, extraHead = '', lang = 'en'): string {
  return `<!doctype html>
<html lang="${e(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
${extraHead}
<style>${STYLE}</style>
</head>
<body>
<header class="site"><a href="/">Newsroom</a></header>
<main>
${body}
</main>
</body>
</html>
`;
}

/** Inline editor text: escaped, its direction its own. */
const bdi = (text: string) => `<bdi>${e(text)}</bdi>`;
/** Editor text that may span lines, inside a paragraph. */
const inline = (text: string) => `<bdi>${lineBreaksHtml(text)}</bdi>`;
const AUTO = ' dir="auto"';

const when = (iso: string | undefined, approximate = false) =>
  iso
    ? `<time datetime="${e(iso)}">${approximate ? 'about ' : ''}${e(iso.length === 10 ? iso : iso.slice(0, 16).replace('T', ' ') + ' UTC')}</time>`
    : '';

export function frontPage(stories: StorySummary[]): string {
  const items = stories
    .map(
      (s) => `<li lang="${e(s.language)}"><a href="/stories/${e(s.storyId)}" dir="auto">${e(s.headline)}</a>
<div class="small" lang="en"><span class="status ${e(s.status)}">${e(s.status)}</span> · ${s.updateCount} updates · last change ${when(s.lastEventAt)}</div>
${paragraphsHtml(s.summary, AUTO)}</li>`,
    )
    .join('\n');
  const head = `<link rel="alternate" type="application/atom+xml" title="All stories (Atom)" href="/feed.atom">
<link rel="alternate" type="application/rss+xml" title="All stories (RSS)" href="/feed.rss">
<link rel="alternate" type="application/feed+json" title="All stories (JSON Feed)" href="/feed.json">`;
  return layout('Newsroom', `<h1>Developing stories</h1>\n<ol class="stories plain">${items || '<li>No stories yet.</li>'}</ol>`, head);
}

/** A quote's paragraphs, the first opening and the last closing the quotation marks. */
function quoted(quote: string): string {
  const html = paragraphsHtml(quote);
  return `<p>“${html.slice('<p>'.length, -'</p>'.length)}”</p>`;
}

function entryHtml(entry: TimelineEntry): string {
  const id = `update-${e(entry.updateId)}`;
  if (entry.retraction) {
    return `<li id="${id}"><time datetime="${e(entry.recordedAt)}">${e(entry.recordedAt.slice(0, 10))}</time>
<p class="retracted"><strong>Retracted</strong> ${when(entry.retraction.recordedAt)}: ${inline(entry.retraction.reason)}</p></li>`;
  }
  const c = entry.content;
  const body =
    c.kind === 'article'
      ? `<p><a href="${e(c.url)}">${bdi(c.title)}</a> — ${bdi(c.outlet)}${c.author ? `, ${bdi(c.author)}` : ''}</p>${
          c.titleReconstructed ? `<p class="small">${TITLE_RECONSTRUCTED}</p>` : ''
        }${c.summary ? paragraphsHtml(c.summary, AUTO) : ''}`
      : `${
          c.speech === 'reported'
            ? `<div class="reported">${paragraphsHtml(`${REPORTED_SPEECH}: ${c.quote}`, AUTO)}</div>`
            : `<blockquote dir="auto">${quoted(c.quote)}</blockquote>`
        }
<p class="small">— <strong>${bdi(c.speaker.name)}</strong>${c.speaker.role ? `, ${bdi(c.speaker.role)}` : ''}${c.medium ? `, to ${bdi(c.medium)}` : ''}${c.outlet ? ` · reported by ${c.url ? `<a href="${e(c.url)}">${bdi(c.outlet)}</a>` : bdi(c.outlet)}` : ''}</p>${c.context ? paragraphsHtml(c.context, ` class="small"${AUTO}`) : ''}`;
  const corrections = entry.corrections
    .map((n) => `<p class="correction"><strong>Correction</strong> ${when(n.recordedAt)}: ${inline(n.note)}</p>`)
    .join('');
  return `<li id="${id}" data-kind="${entry.kind}">${when(entry.occurredAt ?? entry.recordedAt, entry.dateApproximate)}
${body}${corrections}</li>`;
}

export interface StoryPageParts {
  timeline: TimelineEntry[];
  keyPoints: KeyPoint[];
  people: Person[];
  sources: Source[];
  /** Link to later timeline entries when the story is longer than one page. */
  next?: string;
}

export function storyPage(head: StoryHead, parts: StoryPageParts): string {
  const base = `/stories/${e(head.storyId)}`;
  const feeds = `<link rel="alternate" type="application/atom+xml" title="${e(head.headline)} (Atom)" href="${base}/feed.atom">
<link rel="alternate" type="application/rss+xml" title="${e(head.headline)} (RSS)" href="${base}/feed.rss">
<link rel="alternate" type="application/feed+json" title="${e(head.headline)} (JSON Feed)" href="${base}/feed.json">`;
  const corrections = parts.timeline.filter((t) => t.corrections.length > 0 || t.retraction);
  const body = `<article data-version="${head.version}">
<p class="meta"><span class="status ${e(head.status)}">${e(head.status)}</span> · opened ${when(head.openedAt)} · ${head.updateCount} updates · version ${head.version}</p>
<h1 dir="auto">${e(head.headline)}</h1>
${paragraphsHtml(head.summary, AUTO)}
<nav class="feeds">Follow: <a href="${base}/feed.atom">Atom</a> · <a href="${base}/feed.rss">RSS</a> · <a href="${base}/feed.json">JSON Feed</a> · <a href="/api/stories/${e(head.storyId)}">JSON</a></nav>
<section id="key-points"><h2>Key points</h2><ul class="plain">${parts.keyPoints
    .map((k) => `<li><strong>${bdi(k.headline)}</strong>${k.summary ? ` — ${inline(k.summary)}` : ''}</li>`)
    .join('')}</ul></section>
<section id="timeline"><h2>Timeline</h2><ol class="timeline">${parts.timeline.map(entryHtml).join('\n')}</ol>${
    parts.next ? `<p class="small"><a href="${base}?cursor=${encodeURIComponent(parts.next)}">Later updates →</a></p>` : ''
  }</section>
<section id="people"><h2>People</h2><ul class="plain">${parts.people
    .map(
      (p) =>
        `<li><strong>${bdi(p.name)}</strong>${p.roles.length ? `, ${p.roles.map(bdi).join('; ')}` : ''} — ${p.statementCount} statement${p.statementCount === 1 ? '' : 's'}</li>`,
    )
    .join('')}</ul></section>
<section id="sources"><h2>Sources</h2><ul class="plain">${parts.sources
    .map((s) => `<li>${s.lastUrl ? `<a href="${e(s.lastUrl)}">${bdi(s.outlet)}</a>` : bdi(s.outlet)} (${s.updateCount})</li>`)
    .join('')}</ul></section>
<section id="corrections"><h2>Corrections and retractions</h2>${
    corrections.length
      ? `<ul class="plain">${corrections
          .map((t) =>
            t.retraction
              ? `<li><a href="#update-${e(t.updateId)}">Update</a> retracted: ${inline(t.retraction.reason)}</li>`
              : t.corrections.map((n) => `<li><a href="#update-${e(t.updateId)}">Update</a> corrected: ${inline(n.note)}</li>`).join(''),
          )
          .join('')}</ul>`
      : '<p class="small">None.</p>'
  }</section>
</article>
<script>
// Keep the page live: ask for the view with its ETag; a 200 means the story moved on.
(() => {
  let etag = null;
  const url = '/api/stories/${e(head.storyId)}?limit=1';
  const poll = async () => {
    try {
      const res = await fetch(url, { headers: etag ? { 'If-None-Match': etag } : {} });
      if (res.status === 200) {
        const next = res.headers.get('ETag');
        const view = await res.json();
        if (view.version !== ${head.version}) return location.reload();
        etag = next;
      }
    } catch {}
    setTimeout(poll, 5000);
  };
  setTimeout(poll, 5000);
})();
</script>`;
  return layout(head.headline, body, feeds, head.language);
}
