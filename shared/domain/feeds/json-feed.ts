/** JSON Feed 1.1 (https://jsonfeed.org/version/1.1): plain data, so no library is needed. */
import type { FeedDocument, FeedEntry } from './model';
import { rfc3339 } from './xml';

/**
 * What JSON Feed has no member for, in the newsroom's extension object (JSON Feed 1.1,
 * "Extensions": a key of `_` and a letter, ignored by readers that do not know it): that an entry
 * was retracted (there are no tombstones), and which story an entry of the all-stories feed
 * belongs to.
 */
function newsroomExtension(entry: FeedEntry) {
  if (!entry.retraction && !entry.source) return {};
  return {
    _newsroom: {
      ...(entry.source ? { story: { id: entry.source.id, title: entry.source.title, url: entry.source.url, feed_url: entry.source.feedUrl } } : {}),
      ...(entry.retraction ? { retracted: true, retracted_at: rfc3339(entry.retraction.when) } : {}),
    },
  };
}

export function renderJsonFeed(doc: FeedDocument): string {
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: doc.title,
    home_page_url: doc.links.alternate,
    feed_url: doc.links.self,
    description: doc.subtitle,
    ...(doc.links.prevArchive ? { next_url: doc.links.prevArchive } : {}),
    ...(doc.language ? { language: doc.language } : {}),
    ...(doc.expired ? { expired: true } : {}),
    authors: [{ name: doc.author.name, url: doc.author.uri }],
    ...(doc.links.hub ? { hubs: [{ type: 'WebSub', url: doc.links.hub }] } : {}),
    items: doc.entries.map((entry) => ({
      id: entry.id,
      url: entry.url,
      ...(entry.externalUrl ? { external_url: entry.externalUrl } : {}),
      title: entry.title,
      content_html: entry.contentHtml,
      date_published: rfc3339(entry.published),
      date_modified: rfc3339(entry.updated),
      authors: entry.authors,
      ...(entry.categories.length > 0 ? { tags: entry.categories } : {}),
      ...(entry.language ? { language: entry.language } : {}),
      ...newsroomExtension(entry),
    })),
  };
  return JSON.stringify(feed, null, 1) + '\n';
}
