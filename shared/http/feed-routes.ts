/** Feed routes: per-story feeds (and, later, all-stories feeds and archives). */
import type { Hono } from 'hono';
import type { FeedFormat, StoryReader } from '../store/story-reader';
import type { Env } from './base';
import { respond } from './conditional';
import { problem, problemResponse } from './problem';

const FEED_FORMATS = new Set<FeedFormat>(['atom']);

export function feedRoutes(app: Hono<Env>, reader: StoryReader): void {
  app.get('/stories/:id/:file{feed\\.[a-z]+}', async (c) => {
    const format = c.req.param('file').slice('feed.'.length) as FeedFormat;
    if (!FEED_FORMATS.has(format)) return problemResponse(c, problem(404, 'not-found', 'No such feed format'));
    const rep = await reader.feed(c.req.param('id'), format);
    if (!rep) return problemResponse(c, problem(404, 'not-found', 'No such story'));
    return respond(c.req.raw, rep);
  });

}
