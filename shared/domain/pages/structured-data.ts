/**
 * schema.org structured data for a live story page: a `LiveBlogPosting` whose `liveBlogUpdate`s
 * are the updates on the page (`BlogPosting`s at their permalinks), corrections as
 * `CorrectionComment`s, the coverage times from the story's status. A retracted update is listed
 * by its notice only. Served as a JSON-LD data block, which the pages' CSP does not run.
 */
import { cutText } from '../display-text';
import type { StoryHead, TimelineEntry } from '../projection/story-view';
import { storyPath, updatePath } from './parts';

/** Search engines show about this many characters of a headline. */
const HEADLINE_CHARS = 110;
/** An update's text in the structured data: enough to describe it, not a second copy of a long quote. */
const BODY_CHARS = 1_000;

function update(baseUrl: string, entry: TimelineEntry): Record<string, unknown> {
  const url = baseUrl + updatePath(entry.storyId, entry.updateId);
  const common = { '@type': 'BlogPosting', '@id': url, url, datePublished: entry.recordedAt, dateModified: entry.updatedAt };
  if (entry.retraction) return { ...common, headline: 'Retracted', articleBody: cutText(`Retracted: ${entry.retraction.reason}`, BODY_CHARS) };
  const c = entry.content;
  const text =
    c.kind === 'article'
      ? { headline: cutText(c.title, HEADLINE_CHARS), articleBody: cutText(c.summary ?? c.title, BODY_CHARS), isBasedOn: c.url }
      : {
          headline: cutText(`${c.speaker.name}: ${c.quote}`, HEADLINE_CHARS),
          articleBody: cutText(
            c.speech === 'reported' ? `${c.speaker.name} (reported speech): ${c.quote}` : `${c.speaker.name}: “${c.quote}”`,
            BODY_CHARS,
          ),
          ...(c.url ? { isBasedOn: c.url } : {}),
        };
  const correction = entry.corrections.map((n) => ({ '@type': 'CorrectionComment', text: cutText(n.note, BODY_CHARS), datePublished: n.recordedAt }));
  return { ...common, ...text, ...(correction.length ? { correction } : {}) };
}

/** The JSON-LD `<script>` element; `<`, `>` and `&` are escaped so that no text can end the element. */
export function liveBlogPostingJsonLd(baseUrl: string, head: StoryHead, entries: TimelineEntry[]): string {
  const url = baseUrl + storyPath(head.storyId);
  const data = {
    '@context': 'https://schema.org',
    '@type': 'LiveBlogPosting',
    '@id': url,
    url,
    headline: cutText(head.headline, HEADLINE_CHARS),
    description: head.summary,
    inLanguage: head.language,
    datePublished: head.openedAt,
    dateModified: head.lastEventAt,
    coverageStartTime: head.openedAt,
    // A concluded story's coverage ended with its last change (the head keeps no separate time of the status change).
    ...(head.status === 'concluded' ? { coverageEndTime: head.lastEventAt } : {}),
    liveBlogUpdate: entries.map((entry) => update(baseUrl, entry)),
  };
  const json = JSON.stringify(data).replace(/[<>&]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `<script type="application/ld+json">${json}</script>`;
}
