/** One entry point for the three formats, with their media types. */
import { renderAtom } from './atom';
import { renderJsonFeed } from './json-feed';
import type { FeedDocument } from './model';
import { renderRss } from './rss';
import type { FeedFormat } from './urls';

export const FEED_MEDIA_TYPES: Record<FeedFormat, string> = {
  atom: 'application/atom+xml; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};

export function renderFeed(doc: FeedDocument, format: FeedFormat): string {
  switch (format) {
    case 'atom':
      return renderAtom(doc);
    case 'rss':
      return renderRss(doc);
    case 'json':
      return renderJsonFeed(doc);
  }
}
