/**
 * The feed model: one story (or all stories) as a list of entries, built from the view and
 * independent of format. Renderers turn it into Atom, RSS or JSON Feed. Everything here is plain
 * text except `contentHtml` (see entry-html.ts); URLs and ids come from urls.ts.
 */
import type { StoryHead, TimelineEntry } from '../projection/story-view';
import type { ArchiveRange } from './archive';
import { closeBidi, cutText } from '../display-text';
import { entryHtml } from './entry-html';
import {
  allStoriesFeedUrl,
  allStoriesTag,
  archiveFeedUrl,
  archiveTag,
  entryTag,
  entryUrl,
  keyEventsFeedUrl,
  keyEventsTag,
  storyFeedUrl,
  storyTag,
  storyUrl,
  type FeedContext,
  type FeedFormat,
} from './urls';

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
  authors: { name: string }[];
  categories: string[];
  /** The entry's language when it differs from the feed's (the all-stories feed). */
  language?: string;
  /** The story the entry belongs to, in a feed of several stories (Atom `source`, RSS `source`, JSON Feed `_newsroom.story`). */
  source?: EntrySource;
  corrected: boolean;
  retraction?: { when: string; reason: string };
}

export interface EntrySource {
  /** The story's feed id (its `tag:` URI). */
  id: string;
  title: string;
  /** The story's page. */
  url: string;
  /** The story's own feed, in the format of the document. */
  feedUrl: string;
  updated: string;
}

export interface FeedLinks {
  self: string;
  alternate: string;
  hub?: string;
  /** RFC 5005 archive navigation. */
  prevArchive?: string;
  nextArchive?: string;
  current?: string;
}

export interface FeedDocument {
  id: string;
  title: string;
  subtitle: string;
  updated: string;
  /** The language of the feed's own text; entries in another say theirs. */
  language?: string;
  links: FeedLinks;
  /** RFC 5005 archive document: its set of entries never changes. */
  archive: boolean;
  /** JSON Feed `expired`: the story is concluded and the feed will not grow. */
  expired: boolean;
  author: { name: string; uri: string };
  entries: FeedEntry[];
}

export function entryTitle(entry: TimelineEntry): string {
  // Not even the title repeats what was retracted (a misattributed quote names its speaker).
  if (entry.retraction) return `Retracted ${entry.kind}`;
  return baseTitle(entry);
}

function baseTitle(entry: TimelineEntry): string {
  const c = entry.content;
  // Each piece of editor text closes what bidi controls it opens, so none reorders the rest.
  if (c.kind === 'article') return closeBidi(c.title);
  // Cut by grapheme cluster: never half an emoji, a flag or a letter with its accent.
  const quote = cutText(c.quote, 80);
  // Reported speech is the reporter's account, not the speaker's words: never in quotation marks.
  return c.speech === 'reported' ? `${closeBidi(c.speaker.name)} (reported): ${quote}` : `${closeBidi(c.speaker.name)}: “${quote}”`;
}

export function entryCategories(entry: TimelineEntry, topics: string[]): string[] {
  const people = entry.content.kind === 'statement' ? [entry.content.speaker.name] : [];
  return [...new Set([...people, ...topics])];
}

/**
 * One entry of a feed whose own text is in `feedLanguage`; `source` names its story in a feed of
 * several stories.
 */
export function feedEntry(
  entry: TimelineEntry,
  head: Pick<StoryHead, 'topics' | 'language'>,
  ctx: FeedContext,
  feedLanguage: string | undefined,
  source?: EntrySource,
): FeedEntry {
  return {
    id: entryTag(ctx, entry.storyId, entry.updateId),
    title: entryTitle(entry),
    url: entryUrl(ctx, entry.storyId, entry.updateId),
    // A retracted entry no longer points readers at what it retracted.
    ...(!entry.retraction && entry.content.url ? { externalUrl: entry.content.url } : {}),
    published: entry.recordedAt,
    updated: entry.updatedAt,
    contentHtml: entryHtml(entry),
    authors: [{ name: entry.recordedBy }],
    categories: entry.retraction ? [] : entryCategories(entry, head.topics),
    ...(head.language !== feedLanguage ? { language: head.language } : {}),
    ...(source ? { source } : {}),
    corrected: entry.corrections.length > 0,
    ...(entry.retraction ? { retraction: { when: entry.retraction.recordedAt, reason: entry.retraction.reason } } : {}),
  };
}

/**
 * A story's subscription feed (latest changes first) or one of its archive pages.
 * `prevArchive` is the newest complete archive page older than this document, if any.
 */
export function storyFeed(
  head: StoryHead,
  entries: TimelineEntry[],
  ctx: FeedContext,
  format: FeedFormat,
  page: { archive?: ArchiveRange; prevArchive?: ArchiveRange; nextArchive?: ArchiveRange } = {},
): FeedDocument {
  const home = storyUrl(ctx, head.storyId);
  const current = storyFeedUrl(ctx, head.storyId, format);
  const archiveUrl = (range: ArchiveRange) => archiveFeedUrl(ctx, head.storyId, range, format);
  const feedEntries = entries.map((entry) => feedEntry(entry, head, ctx, head.language));
  return {
    id: page.archive ? archiveTag(ctx, head.storyId, page.archive) : storyTag(ctx, head.storyId),
    title: closeBidi(head.headline),
    subtitle: head.status === 'concluded' ? `Concluded. ${head.summary}` : head.summary,
    // An archive page's time is that of its own latest change, so later events elsewhere in the
    // story do not touch its bytes.
    updated: page.archive ? (latest(feedEntries.map((e) => e.updated)) ?? head.openedAt) : head.lastEventAt,
    language: head.language,
    links: {
      self: page.archive ? archiveUrl(page.archive) : current,
      alternate: home,
      ...(ctx.hubUrl && !page.archive ? { hub: ctx.hubUrl } : {}),
      ...(page.prevArchive ? { prevArchive: archiveUrl(page.prevArchive) } : {}),
      ...(page.nextArchive ? { nextArchive: archiveUrl(page.nextArchive) } : {}),
      ...(page.archive ? { current } : {}),
    },
    archive: !!page.archive,
    expired: head.status === 'concluded',
    author: { name: 'Newsroom', uri: ctx.baseUrl + '/' },
    entries: feedEntries,
  };
}

/**
 * A story's key-events feed: its latest key events, newest first by when they happened. Entries
 * are those of the story feed (same ids, permalinks, corrections and retraction notices); a key
 * event retracted since stays, as its notice (an Atom tombstone), so subscribers learn of it. No
 * WebSub hub: pings go to the story feeds only, so this feed does not advertise one.
 */
export function keyEventsFeed(head: StoryHead, entries: TimelineEntry[], ctx: FeedContext, format: FeedFormat): FeedDocument {
  return {
    id: keyEventsTag(ctx, head.storyId),
    title: `${closeBidi(head.headline)}: key events`,
    subtitle: head.status === 'concluded' ? `Concluded. Key events only. ${head.summary}` : `Key events only. ${head.summary}`,
    updated: head.lastEventAt,
    language: head.language,
    links: { self: keyEventsFeedUrl(ctx, head.storyId, format), alternate: storyUrl(ctx, head.storyId) },
    archive: false,
    expired: head.status === 'concluded',
    author: { name: 'Newsroom', uri: ctx.baseUrl + '/' },
    entries: entries.map((entry) => feedEntry(entry, head, ctx, head.language)),
  };
}

/** The language of the newsroom's own text (the all-stories feed's title and subtitle). */
export const NEWSROOM_LANGUAGE = 'en';

/**
 * The all-stories feed: the latest changes across the most recently active stories, newest first.
 * Its own text is the newsroom's; each entry names its story and, when it differs, its language.
 */
export function allStoriesFeed(
  stories: { head: Pick<StoryHead, 'storyId' | 'headline' | 'topics' | 'language' | 'lastEventAt'>; entries: TimelineEntry[] }[],
  ctx: FeedContext,
  format: FeedFormat,
  size: number,
): FeedDocument {
  const merged = stories
    .flatMap(({ head, entries }) => entries.map((entry) => ({ head, entry })))
    .sort((a, b) => b.entry.updatedAt.localeCompare(a.entry.updatedAt) || b.entry.updateId.localeCompare(a.entry.updateId))
    .slice(0, size);
  const sourceOf = (head: (typeof stories)[number]['head']): EntrySource => ({
    id: storyTag(ctx, head.storyId),
    title: closeBidi(head.headline),
    url: storyUrl(ctx, head.storyId),
    feedUrl: storyFeedUrl(ctx, head.storyId, format),
    updated: head.lastEventAt,
  });
  return {
    id: allStoriesTag(ctx),
    title: 'Newsroom: all stories',
    subtitle: 'The latest updates of every developing story',
    updated: latest(stories.map((s) => s.head.lastEventAt)) ?? '1970-01-01T00:00:00.000Z',
    language: NEWSROOM_LANGUAGE,
    links: { self: allStoriesFeedUrl(ctx, format), alternate: ctx.baseUrl + '/', ...(ctx.hubUrl ? { hub: ctx.hubUrl } : {}) },
    archive: false,
    expired: false,
    author: { name: 'Newsroom', uri: ctx.baseUrl + '/' },
    entries: merged.map(({ head, entry }) => feedEntry(entry, head, ctx, NEWSROOM_LANGUAGE, sourceOf(head))),
  };
}

const latest = (times: string[]) => times.reduce<string | undefined>((max, t) => (max === undefined || t > max ? t : max), undefined);

/**
 * An entry with each of its texts cut to `maxChars` graphemes (with "…"): for the rare feed whose
 * full texts would pass what one answer may hold (StoryReader renders it so only then). The
 * entry's permalink still shows every word.
 */
export function clippedEntry(entry: TimelineEntry, maxChars: number): TimelineEntry {
  const cut = (text: string) => cutText(text, maxChars);
  const c = entry.content;
  const content =
    c.kind === 'article'
      ? { ...c, title: cut(c.title), ...(c.summary === undefined ? {} : { summary: cut(c.summary) }) }
      : { ...c, quote: cut(c.quote), ...(c.context === undefined ? {} : { context: cut(c.context) }) };
  return {
    ...entry,
    content,
    corrections: entry.corrections.map((n) => ({ ...n, note: cut(n.note) })),
    ...(entry.retraction ? { retraction: { ...entry.retraction, reason: cut(entry.retraction.reason) } } : {}),
  };
}
