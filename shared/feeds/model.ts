/**
 * The feed model: one story (or all stories) as a list of entries, built from the view and
 * independent of format. Renderers turn it into Atom, RSS or JSON Feed. Everything here is plain
 * text except `contentHtml`, which is built from escaped text and never from editor input as-is.
 */
import type { StoryHead, TimelineEntry } from '../projection/story-view';

export interface FeedContext {
  /** Public base URL, no trailing slash (e.g. https://news.example.org). */
  baseUrl: string;
  /** `tag:` URI prefix (RFC 4151) that entry and feed ids are minted under; it never changes. */
  tagPrefix: string;
}

export interface FeedEntry {
  id: string;
  title: string;
  /** The newsroom's page for the entry. */
  url: string;
  /** The original article or statement source. */
  externalUrl?: string;
  /** When the newsroom first published it. */
  published: string;
  /** Its last correction or retraction, else `published`. */
  updated: string;
  contentHtml: string;
  summary?: string;
  authors: { name: string }[];
  categories: string[];
  retracted: boolean;
}

export interface FeedDocument {
  id: string;
  title: string;
  subtitle: string;
  updated: string;
  language: string;
  selfUrl: string;
  alternateUrl: string;
  author: { name: string; uri: string };
  entries: FeedEntry[];
}

export const DEFAULT_TAG_PREFIX = 'tag:newsroom.example,2026:';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

const storyTag = (ctx: FeedContext, storyId: string) => `${ctx.tagPrefix}story/${storyId}`;
export const entryTag = (ctx: FeedContext, storyId: string, updateId: string) =>
  `${storyTag(ctx, storyId)}/update/${updateId}`;

export function entryTitle(entry: TimelineEntry): string {
  if (entry.retraction) return `Retracted: ${baseTitle(entry)}`;
  return baseTitle(entry);
}

function baseTitle(entry: TimelineEntry): string {
  const c = entry.content;
  if (c.kind === 'article') return c.title;
  const quote = c.quote.length > 80 ? `${c.quote.slice(0, 79).trimEnd()}…` : c.quote;
  return `${c.speaker.name}: “${quote}”`;
}

const dateText = (iso: string | undefined, approximate: boolean) =>
  iso ? `${approximate ? 'about ' : ''}${iso.length === 10 ? iso : iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC')}` : undefined;

/** The entry's HTML body, built only from escaped plain text. */
export function entryHtml(entry: TimelineEntry): string {
  const e = escapeHtml;
  const parts: string[] = [];
  if (entry.retraction) {
    parts.push(
      `<p><strong>Retracted</strong> on ${e(entry.retraction.recordedAt)}: ${e(entry.retraction.reason)}</p>`,
      '<p>The retracted text is no longer published.</p>',
    );
    return parts.join('');
  }
  const c = entry.content;
  if (c.kind === 'article') {
    parts.push(`<p><a href="${e(c.url)}">${e(c.title)}</a>, ${e(c.outlet)}${c.author ? `, by ${e(c.author)}` : ''}`);
    const when = dateText(c.publishedAt, entry.dateApproximate);
    parts.push(when ? ` (published ${e(when)})</p>` : '</p>');
    if (c.summary) parts.push(`<p>${e(c.summary)}</p>`);
  } else {
    parts.push(`<blockquote><p>${e(c.quote)}</p></blockquote>`);
    const who = [c.speaker.name, c.speaker.role].filter(Boolean).map((s) => e(s!)).join(', ');
    const said = [
      c.medium ? `to ${e(c.medium)}` : '',
      c.saidAt ? `on ${e(dateText(c.saidAt, entry.dateApproximate)!)}` : '',
    ].filter(Boolean);
    parts.push(`<p>— ${who}${said.length ? `, ${said.join(' ')}` : ''}</p>`);
    if (c.context) parts.push(`<p>${e(c.context)}</p>`);
    if (c.outlet || c.url) {
      const label = e(c.outlet ?? c.url!);
      parts.push(`<p>Source: ${c.url ? `<a href="${e(c.url)}">${label}</a>` : label}</p>`);
    }
  }
  for (const note of entry.corrections) {
    parts.push(`<p><em>Correction (${e(note.recordedAt)}):</em> ${e(note.note)}</p>`);
  }
  return parts.join('');
}

export function entryCategories(entry: TimelineEntry, topics: string[]): string[] {
  const people = entry.content.kind === 'statement' ? [entry.content.speaker.name] : [];
  return [...new Set([...people, ...topics])];
}

export function storyFeed(head: StoryHead, entries: TimelineEntry[], ctx: FeedContext, format: 'atom' | 'rss' | 'json'): FeedDocument {
  const storyUrl = `${ctx.baseUrl}/stories/${head.storyId}`;
  return {
    id: storyTag(ctx, head.storyId),
    title: head.headline,
    subtitle: head.status === 'concluded' ? `Concluded. ${head.summary}` : head.summary,
    updated: head.lastEventAt,
    language: head.language,
    selfUrl: `${storyUrl}/feed.${format}`,
    alternateUrl: storyUrl,
    author: { name: 'Newsroom', uri: ctx.baseUrl + '/' },
    entries: entries.map((entry) => ({
      id: entryTag(ctx, head.storyId, entry.updateId),
      title: entryTitle(entry),
      url: `${storyUrl}#update-${entry.updateId}`,
      ...(!entry.retraction && entry.content.url ? { externalUrl: entry.content.url } : {}),
      published: entry.recordedAt,
      updated: entry.updatedAt,
      contentHtml: entryHtml(entry),
      authors: [{ name: entry.recordedBy }],
      categories: entry.retraction ? [] : entryCategories(entry, head.topics),
      retracted: !!entry.retraction,
    })),
  };
}
