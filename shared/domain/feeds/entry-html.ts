/** An entry's HTML body: the one part of a feed entry that is markup (Atom content, RSS description, JSON Feed content_html). */
import { escapeHtml, lineBreaksHtml, paragraphsHtml } from '../html';
import type { TimelineEntry } from '../projection/story-view';

const dateText = (iso: string | undefined, approximate: boolean) =>
  iso ? `${approximate ? 'about ' : ''}${iso.length === 10 ? iso : iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC')}` : undefined;

/** What readers are told about reported speech and newsroom titles (the page says the same). */
export const REPORTED_SPEECH = 'Reported speech, not a direct quote';
export const TITLE_RECONSTRUCTED = 'Title supplied by the newsroom, not the outlet’s own.';

/** Paragraphs of editor text take their direction from their own text (bidi isolation). */
const AUTO = ' dir="auto"';

/**
 * Built only from escaped plain text, never from editor input as-is. Multi-line text keeps its
 * paragraphs and line breaks (html.ts).
 */
export function entryHtml(entry: TimelineEntry): string {
  const e = escapeHtml;
  const parts: string[] = [];
  if (entry.retraction) {
    parts.push(
      `<p><strong>Retracted</strong> on ${e(entry.retraction.recordedAt)}: ${lineBreaksHtml(entry.retraction.reason)}</p>`,
      '<p>The retracted text is no longer published.</p>',
    );
    return parts.join('');
  }
  const c = entry.content;
  if (c.kind === 'article') {
    parts.push(`<p><a href="${e(c.url)}">${e(c.title)}</a>, ${e(c.outlet)}${c.author ? `, by ${e(c.author)}` : ''}`);
    const when = dateText(c.publishedAt, entry.dateApproximate);
    parts.push(when ? ` (published ${e(when)})</p>` : '</p>');
    if (c.titleReconstructed) parts.push(`<p><em>${TITLE_RECONSTRUCTED}</em></p>`);
    if (c.summary) parts.push(paragraphsHtml(c.summary, AUTO));
  } else {
    // Reported speech is the reporter's account: no <blockquote> or <q>, and said so in words.
    parts.push(
      c.speech === 'reported' ? paragraphsHtml(`${REPORTED_SPEECH}: ${c.quote}`, AUTO) : `<blockquote>${paragraphsHtml(c.quote, AUTO)}</blockquote>`,
    );
    const who = [c.speaker.name, c.speaker.role]
      .filter(Boolean)
      .map((s) => e(s!))
      .join(', ');
    const said = [c.medium ? `to ${e(c.medium)}` : '', c.saidAt ? `on ${e(dateText(c.saidAt, entry.dateApproximate)!)}` : ''].filter(Boolean);
    parts.push(`<p>— ${who}${said.length ? `, ${said.join(' ')}` : ''}</p>`);
    if (c.context) parts.push(paragraphsHtml(c.context, AUTO));
    if (c.outlet || c.url) {
      const label = e(c.outlet ?? c.url!);
      parts.push(`<p>Source: ${c.url ? `<a href="${e(c.url)}">${label}</a>` : label}</p>`);
    }
  }
  for (const note of entry.corrections) {
    parts.push(`<p><em>Correction (${e(note.recordedAt)}):</em> ${lineBreaksHtml(note.note)}</p>`);
  }
  return parts.join('');
}
