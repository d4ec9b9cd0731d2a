/** Feed routes: per-story feeds, their RFC 5005 archive pages, and the all-stories feeds. */
import type { Context, Hono } from 'hono';
import type { StoryReader } from '../../application/story-reader';
import { FEED_FORMATS, type FeedFormat } from '../../domain/feeds/urls';
import type { Env } from './base';
import { respond } from './conditional';
import { problem, problemResponse } from './problem';

const formatOf = (file: string): FeedFormat | undefined => {
  const format = file.slice('feed.'.length);
  return (FEED_FORMATS as readonly string[]).includes(format) ? (format as FeedFormat) : undefined;
};

const noFormat = (c: Context<Env>) => problemResponse(c, problem(404, 'not-found', 'No such feed format', { detail: 'feeds are feed.atom, feed.rss and feed.json' }));

export function feedRoutes(app: Hono<Env>, reader: StoryReader): void {
  // Hono answers HEAD with these GET handlers; respond() sends the headers without the body.
  app.get('/stories/:id/:file{feed\\.[a-z]+}', async (c) => {
    const format = formatOf(c.req.param('file'));
    if (!format) return noFormat(c);
    const rep = await reader.feed(c.req.param('id'), format);
    if (!rep) return problemResponse(c, problem(404, 'not-found', 'No such story'));
    return respond(c.req.raw, rep);
  });

  app.get('/stories/:id/archive/:range/:file{feed\\.[a-z]+}', async (c) => {
    const format = formatOf(c.req.param('file'));
    if (!format) return noFormat(c);
    const rep = await reader.archive(c.req.param('id'), c.req.param('range'), format);
    if (!rep) {
      return problemResponse(
        c,
        problem(404, 'not-found', 'No such archive page', { detail: `archive pages are complete ranges of ${reader.feedSize} versions of an existing story` }),
      );
    }
    return respond(c.req.raw, rep);
  });

  app.get('/:file{feed\\.[a-z]+}', async (c) => {
    const format = formatOf(c.req.param('file'));
    if (!format) return noFormat(c);
    return respond(c.req.raw, await reader.allStoriesFeed(format));
  });
}
