/**
 * Where a story's feeds and entries live (public URLs) and what identifies them (`tag:` URIs,
 * RFC 4151). Subscribers key on these ids, so the formulas never change.
 */
import type { ArchiveRange } from './archive';

export type FeedFormat = 'atom' | 'rss' | 'json';
export const FEED_FORMATS: readonly FeedFormat[] = ['atom', 'rss', 'json'];

export interface FeedContext {
  /** Public base URL, no trailing slash (e.g. https://news.example.org). */
  baseUrl: string;
  /** `tag:` URI prefix (RFC 4151) that entry and feed ids are minted under; it never changes. */
  tagPrefix: string;
  /** WebSub hub that subscribers are pointed to, when one is configured. */
  hubUrl?: string;
}

export const DEFAULT_TAG_PREFIX = 'tag:newsroom.example,2026:';

export const storyTag = (ctx: FeedContext, storyId: string) => `${ctx.tagPrefix}story/${storyId}`;
export const entryTag = (ctx: FeedContext, storyId: string, updateId: string) => `${storyTag(ctx, storyId)}/update/${updateId}`;
export const archiveTag = (ctx: FeedContext, storyId: string, range: ArchiveRange) =>
  `${storyTag(ctx, storyId)}/archive/${range.first}-${range.last}`;
export const allStoriesTag = (ctx: FeedContext) => `${ctx.tagPrefix}stories`;
/** The key-events feed of a story: a feed of its own (its entries keep the ids they have in the story feed). */
export const keyEventsTag = (ctx: FeedContext, storyId: string) => `${storyTag(ctx, storyId)}/key-events`;

export const storyUrl = (ctx: FeedContext, storyId: string) => `${ctx.baseUrl}/stories/${encodeURIComponent(storyId)}`;
/** An entry's permalink page (it always shows the update, with its corrections or its retraction notice). */
export const entryUrl = (ctx: FeedContext, storyId: string, updateId: string) => `${storyUrl(ctx, storyId)}/updates/${encodeURIComponent(updateId)}`;
export const storyFeedUrl = (ctx: FeedContext, storyId: string, format: FeedFormat) => `${storyUrl(ctx, storyId)}/feed.${format}`;
export const archiveFeedUrl = (ctx: FeedContext, storyId: string, range: ArchiveRange, format: FeedFormat) =>
  `${storyUrl(ctx, storyId)}/archive/${range.first}-${range.last}/feed.${format}`;
export const allStoriesFeedUrl = (ctx: FeedContext, format: FeedFormat) => `${ctx.baseUrl}/feed.${format}`;
export const keyEventsFeedUrl = (ctx: FeedContext, storyId: string, format: FeedFormat) => `${storyUrl(ctx, storyId)}/key-events.${format}`;
