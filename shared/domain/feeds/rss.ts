/**
 * RSS 2.0 with Atom links (self, hub, RFC 5005 archives) and `dc:creator` (RSS `author` must be an
 * e-mail address). Corrections keep the guid; `atom:updated` tells readers that know it when.
 *
 * Each field goes out the way readers read it (checked with feedparser and newsboat in
 * test/domain/feeds/output.test.ts):
 * - titles (channel and item), categories and `source`: plain text. newsboat shows them as text
 *   (a title escaped as HTML would show `&lt;script&gt;`); feedparser reads them as text too unless
 *   they look like harmless HTML (an entity reference such as a literal `&amp;`, or a closing tag of
 *   an element it allows: then it sanitizes and renders them), and never as HTML when they hold a
 *   `<script>`. Atom, whose titles say type="text", is exact everywhere.
 * - descriptions: HTML. The channel's is the story summary escaped once (feedparser always reads it
 *   as HTML; unescaped, a `<script>` in it would be markup); an item's is the entry's HTML.
 */
import { escapeHtml } from '../html';
import type { FeedDocument } from './model';
import { NS, rfc3339, rfc822, XmlBuilder } from './xml';

export function renderRss(doc: FeedDocument): string {
  const x = new XmlBuilder(null, 'rss', { atom: NS.atom, dc: NS.dc, ...(doc.archive ? { fh: NS.history } : {}) });
  x.root.setAttribute('version', '2.0');
  const channel = x.el(x.root, null, 'channel');
  x.el(channel, null, 'title', {}, doc.title);
  x.el(channel, null, 'link', {}, doc.links.alternate);
  // Readers take a channel description as HTML (feedparser always does), so the plain text goes out escaped once.
  x.el(channel, null, 'description', {}, escapeHtml(doc.subtitle));
  if (doc.language) x.el(channel, null, 'language', {}, doc.language);
  x.el(channel, null, 'lastBuildDate', {}, rfc822(doc.updated));
  x.el(channel, null, 'generator', {}, 'newsroom-feed');
  x.el(channel, null, 'docs', {}, 'https://www.rssboard.org/rss-specification');
  x.el(channel, NS.atom, 'atom:link', { rel: 'self', type: 'application/rss+xml', href: doc.links.self });
  if (doc.links.hub) x.el(channel, NS.atom, 'atom:link', { rel: 'hub', href: doc.links.hub });
  if (doc.links.current) x.el(channel, NS.atom, 'atom:link', { rel: 'current', type: 'application/rss+xml', href: doc.links.current });
  if (doc.links.prevArchive) x.el(channel, NS.atom, 'atom:link', { rel: 'prev-archive', type: 'application/rss+xml', href: doc.links.prevArchive });
  if (doc.links.nextArchive) x.el(channel, NS.atom, 'atom:link', { rel: 'next-archive', type: 'application/rss+xml', href: doc.links.nextArchive });
  if (doc.archive) x.el(channel, NS.history, 'fh:archive');

  for (const entry of doc.entries) {
    const item = x.el(channel, null, 'item');
    x.el(item, null, 'title', {}, entry.title);
    x.el(item, null, 'link', {}, entry.url);
    x.el(item, null, 'guid', { isPermaLink: 'false' }, entry.id);
    x.el(item, null, 'pubDate', {}, rfc822(entry.published));
    if (entry.updated !== entry.published) x.el(item, NS.atom, 'atom:updated', {}, rfc3339(entry.updated));
    for (const a of entry.authors) x.el(item, NS.dc, 'dc:creator', {}, a.name);
    if (entry.language) x.el(item, NS.dc, 'dc:language', {}, entry.language);
    for (const term of entry.categories) x.el(item, null, 'category', {}, term);
    // RSS 2.0 <source>: the channel the item comes from, here its story's own feed.
    if (entry.source) x.el(item, null, 'source', { url: entry.source.feedUrl }, entry.source.title);
    x.el(item, null, 'description', {}, entry.contentHtml);
  }
  return x.toString();
}
