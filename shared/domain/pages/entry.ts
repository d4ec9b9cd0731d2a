/**
 * One timeline entry as a page shows it: the story page's list item, the live script's fragment
 * (the same markup, so that a change replaces it in place) and the permalink page's content.
 * A retracted entry shows its notice only, never the withdrawn text, link, outlet or speaker; a
 * corrected one its current content and its correction notes.
 */
import { REPORTED_SPEECH, TITLE_RECONSTRUCTED } from '../feeds/entry-html';
import { escapeHtml as e, paragraphsHtml } from '../html';
import { cutText } from '../display-text';
import { timelineKey, type TimelineEntry } from '../projection/story-view';
import { AUTO, bdi, inline, updatePath, when } from './parts';

/** A quote's paragraphs, the first opening and the last closing the quotation marks. */
function quoted(quote: string): string {
  const html = paragraphsHtml(quote);
  return `<p>“${html.slice('<p>'.length, -'</p>'.length)}”</p>`;
}

/** The entry's content, without its time or notes (nothing for a retracted entry). */
export function entryContentHtml(entry: TimelineEntry): string {
  if (entry.retraction) return '';
  const c = entry.content;
  if (c.kind === 'article') {
    return `<p><a href="${e(c.url)}">${bdi(c.title)}</a> — ${bdi(c.outlet)}${c.author ? `, ${bdi(c.author)}` : ''}</p>${
      c.titleReconstructed ? `<p class="small">${TITLE_RECONSTRUCTED}</p>` : ''
    }${c.summary ? paragraphsHtml(c.summary, AUTO) : ''}`;
  }
  const speech =
    c.speech === 'reported'
      ? `<div class="reported">${paragraphsHtml(`${REPORTED_SPEECH}: ${c.quote}`, AUTO)}</div>`
      : `<blockquote dir="auto">${quoted(c.quote)}</blockquote>`;
  const reportedBy = c.outlet ? ` · reported by ${c.url ? `<a href="${e(c.url)}">${bdi(c.outlet)}</a>` : bdi(c.outlet)}` : '';
  return `${speech}
<p class="small">— <strong>${bdi(c.speaker.name)}</strong>${c.speaker.role ? `, ${bdi(c.speaker.role)}` : ''}${c.medium ? `, to ${bdi(c.medium)}` : ''}${reportedBy}</p>${
    c.context ? paragraphsHtml(c.context, ` class="small"${AUTO}`) : ''
  }`;
}

/** The retraction notice or the correction notes of an entry. */
export function entryNotesHtml(entry: TimelineEntry): string {
  if (entry.retraction) {
    return `<p class="retracted"><strong>Retracted</strong> ${when(entry.retraction.recordedAt)}: ${inline(entry.retraction.reason)}</p>`;
  }
  return entry.corrections.map((n) => `<p class="correction"><strong>Correction</strong> ${when(n.recordedAt)}: ${inline(n.note)}</p>`).join('');
}

/** What an entry is, in words, for a link's accessible name. */
export function entryLabel(entry: TimelineEntry): string {
  if (entry.retraction) return 'Retracted update';
  return entry.content.kind === 'article' ? `Article: ${entry.content.title}` : `Statement by ${entry.content.speaker.name}`;
}

/**
 * The timeline's list item: `id="update-<id>"` (links from older pages and feeds keep landing),
 * its creation version and timeline key for the live script, its time linking to its permalink.
 */
export function entryHtml(entry: TimelineEntry): string {
  return `<li id="update-${e(entry.updateId)}" data-kind="${entry.kind}" data-version="${entry.version}" data-key="${e(timelineKey(entry))}">
${entryMetaHtml(entry)}
${entryContentHtml(entry)}${entryNotesHtml(entry)}</li>`;
}

/** When it happened, linking its permalink; a key event says so. */
export function entryMetaHtml(entry: TimelineEntry, extra = ''): string {
  const time = entry.retraction ? when(entry.recordedAt) : when(entry.occurredAt ?? entry.recordedAt, entry.dateApproximate);
  const key = entry.keyEvent && !entry.retraction ? '<span class="badge key">Key event</span>' : '';
  return `<p class="entry-meta">${key}<a href="${e(updatePath(entry.storyId, entry.updateId))}">${time}<span class="visually-hidden"> (link to this update)</span></a>${extra}</p>`;
}

/** A line that names an update: an article's title, a statement's speaker and the start of their words. */
export function entrySummaryHtml(entry: TimelineEntry, maxChars = 140): string {
  if (entry.retraction) return `<em>Retracted:</em> ${bdi(cutText(entry.retraction.reason, maxChars))}`;
  const c = entry.content;
  if (c.kind === 'article') return `${bdi(cutText(c.title, maxChars))} — ${bdi(c.outlet)}`;
  const words = cutText(c.quote, maxChars);
  return `<strong>${bdi(c.speaker.name)}</strong>: ${c.speech === 'reported' ? bdi(words) : `“${bdi(words)}”`}`;
}
