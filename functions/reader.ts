/**
 * The read side's wiring, apart from functions/runtime.ts so that the write function's bundle
 * does not carry the feed renderers.
 */
import type { FeedContext } from '../shared/domain/feeds/urls';
import { StoryReader } from '../shared/application/story-reader';
import { activeReads } from '../shared/adapters/dynamodb/views/reads';
import type { PageOptions } from '../shared/adapters/http/page-routes';
import type { ReadRuntime } from './runtime';

export function createReader(rt: ReadRuntime, feed: FeedContext, options: { headTtlMs?: number } = {}): StoryReader {
  return new StoryReader(activeReads(rt.viewsDb, rt.tables.views), rt.events, {
    feed,
    feedSize: Number(process.env.NEWSROOM_FEED_SIZE ?? 50),
    ...options,
  });
}

/** How the pages behave: `NEWSROOM_PAGE_POLL_SECONDS`, how often an open story page asks what changed (default 15). */
export function pageOptions(env: NodeJS.ProcessEnv = process.env): PageOptions {
  const poll = Number(env.NEWSROOM_PAGE_POLL_SECONDS);
  return Number.isFinite(poll) && poll >= 2 ? { pollSeconds: poll } : {};
}
