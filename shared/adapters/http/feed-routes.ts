/** Feed routes: per-story feeds, their RFC 5005 archive pages, the key-events feeds, and the all-stories feeds. */
import type { Context } from 'hono';
import { FEED_FORMATS, type FeedFormat } from '../../domain/feeds/urls';
import type { StoryReader } from '../../application/story-reader';
import type { Representation } from '../../application/representation';
import type { Env } from './base';
import { respond } from './conditional';
import { problemResponse, problems } from './problem';
import type { Handlers } from './serve';

// One handler serves every format of a route (its path ends in `:file{feed\.[a-z]+}` or
// `:file{key-events\.[a-z]+}`, see routes.ts), so that `feed.xml` is answered as no such format
// rather than no such path.
const formatOf = (c: Context<Env>): FeedFormat | undefined => {
  const file = c.req.param('file')!;
  const format = file.slice(file.lastIndexOf('.') + 1);
  return (FEED_FORMATS as readonly string[]).includes(format) ? (format as FeedFormat) : undefined;
};

const noFormat = (c: Context<Env>) => problemResponse(c, problems.noSuchFeedFormat());

/** A feed of one story, in the format its path names: the story's updates, or its key events only. */
const perStory =
  (feedOf: (storyId: string, format: FeedFormat) => Promise<Representation | undefined>) =>
  async (c: Context<Env>): Promise<Response> => {
    const format = formatOf(c);
    if (!format) return noFormat(c);
    const storyId = c.req.param('id')!;
    const rep = await feedOf(storyId, format);
    if (!rep) return problemResponse(c, problems.storyNotFound(storyId, 'none'));
    return respond(c.req.raw, rep);
  };

// Hono answers HEAD with these GET handlers; respond() sends the headers without the body.
export function feedHandlers(reader: StoryReader): Pick<Handlers<'read'>, 'storyFeed' | 'keyEventsFeed' | 'storyArchiveFeed' | 'allFeed'> {
  return {
    storyFeed: perStory((storyId, format) => reader.feed(storyId, format)),
    keyEventsFeed: perStory((storyId, format) => reader.keyEventsFeed(storyId, format)),

    storyArchiveFeed: async (c) => {
      const format = formatOf(c);
      if (!format) return noFormat(c);
      const rep = await reader.archive(c.req.param('id')!, c.req.param('range')!, format);
      if (!rep) return problemResponse(c, problems.noSuchArchivePage(reader.feedSize));
      return respond(c.req.raw, rep);
    },

    allFeed: async (c) => {
      const format = formatOf(c);
      if (!format) return noFormat(c);
      return respond(c.req.raw, await reader.allStoriesFeed(format));
    },
  };
}
