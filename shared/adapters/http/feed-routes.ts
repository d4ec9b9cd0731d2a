/** Feed routes: per-story feeds, their RFC 5005 archive pages, and the all-stories feeds. */
import type { Context, Hono } from 'hono';
import { FEED_FORMATS, type FeedFormat, type StoryReader } from '../../application/story-reader';
import type { Env } from './base';
import { respond } from './conditional';
import { problemResponse, problems } from './problem';

const formatOf = (file: string): FeedFormat | undefined => {
  const format = file.slice('feed.'.length);
  return (FEED_FORMATS as readonly string[]).includes(format) ? (format as FeedFormat) : undefined;
};

const noFormat = (c: Context<Env>) => problemResponse(c, problems.noSuchFeedFormat());

export function feedRoutes(app: Hono<Env>, reader: StoryReader): void {
  // Hono answers HEAD with these GET handlers; respond() sends the headers without the body.
  app.get('/stories/:id/:file{feed\\.[a-z]+}', async (c) => {
    const format = formatOf(c.req.param('file'));
    if (!format) return noFormat(c);
    const storyId = c.req.param('id');
    const rep = await reader.feed(storyId, format);
    if (!rep) return problemResponse(c, problems.storyNotFound(storyId, 'none'));
    return respond(c.req.raw, rep);
  });

  app.get('/stories/:id/archive/:range/:file{feed\\.[a-z]+}', async (c) => {
    const format = formatOf(c.req.param('file'));
    if (!format) return noFormat(c);
    const rep = await reader.archive(c.req.param('id'), c.req.param('range'), format);
    if (!rep) return problemResponse(c, problems.noSuchArchivePage(reader.feedSize));
    return respond(c.req.raw, rep);
  });

  app.get('/:file{feed\\.[a-z]+}', async (c) => {
    const format = formatOf(c.req.param('file'));
    if (!format) return noFormat(c);
    return respond(c.req.raw, await reader.allStoriesFeed(format));
  });
}
