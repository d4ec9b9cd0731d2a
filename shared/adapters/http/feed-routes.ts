/** Feed routes: per-story feeds, their RFC 5005 archive pages, the key-events feeds, and the all-stories feeds. */
import type { Context } from 'hono';
import type { FeedFormat } from '../../domain/feeds/urls';
import type { StoryReader } from '../../application/story-reader';
import type { Representation } from '../../application/representation';
import type { Env } from './base';
import { respond } from './conditional';
import { problemResponse, problems } from './problem';
import type { Handlers } from './serve';

// One handler serves every format of a route, registered at one path per format (routes.ts
// honoPaths): the format is the path's extension. Any other extension (`feed.xml`) matches no
// route, and the fallback answers it as no such format (methods.ts).
const formatOf = (c: Context<Env>): FeedFormat => {
  const path = c.req.path;
  return path.slice(path.lastIndexOf('.') + 1) as FeedFormat;
};

/**
 * A feed of one story, in the format its path names: the story's updates, or its key events only.
 * From the reader's cache at once when it is at hand (a feed poll between two changes), else read.
 */
const perStory =
  (
    cachedOf: (storyId: string, format: FeedFormat) => Representation | undefined,
    feedOf: (storyId: string, format: FeedFormat) => Promise<Representation | undefined>,
  ) =>
  (c: Context<Env>): Response | Promise<Response> => {
    const format = formatOf(c);
    const storyId = c.req.param('id')!;
    const cached = cachedOf(storyId, format);
    if (cached) return respond(c.req.raw, cached);
    return feedOf(storyId, format).then((rep) => (rep ? respond(c.req.raw, rep) : problemResponse(c, problems.storyNotFound(storyId, 'none'))));
  };

// Hono answers HEAD with these GET handlers; respond() sends the headers without the body.
export function feedHandlers(reader: StoryReader): Pick<Handlers<'read'>, 'storyFeed' | 'keyEventsFeed' | 'storyArchiveFeed' | 'allFeed'> {
  return {
    storyFeed: perStory(
      (storyId, format) => reader.cachedFeed(storyId, format),
      (storyId, format) => reader.feed(storyId, format),
    ),
    keyEventsFeed: perStory(
      (storyId, format) => reader.cachedFeed(storyId, format, true),
      (storyId, format) => reader.keyEventsFeed(storyId, format),
    ),

    storyArchiveFeed: async (c) => {
      const format = formatOf(c);
      const rep = await reader.archive(c.req.param('id')!, c.req.param('range')!, format);
      if (!rep) return problemResponse(c, problems.noSuchArchivePage(reader.feedSize));
      return respond(c.req.raw, rep);
    },

    allFeed: async (c) => respond(c.req.raw, await reader.allStoriesFeed(formatOf(c))),
  };
}
