/**
 * RSS 2.0 with Atom links (self, hub, RFC 5005 archives) and `dc:creator` (RSS `author` must be an
 * e-mail address). Corrections keep the guid; `atom:updated` tells readers that know it when.
 *
 * RSS never says whether a title is text or HTML and readers differ: newsboat shows it as text,
 * feedparser guesses HTML when it looks like HTML (an entity reference such as a literal `&amp;`, or
 * a closing tag of a harmless element). Titles go out as plain text, exact in text readers and in
 * every reader for ordinary text (`Q&A`, `<script>`, quotes); escaping them as HTML instead would
 * show every `&` as `&amp;` in newsboat. Atom, whose titles say type="text", is exact everywhere.
 * Descriptions are the entry's HTML, as every reader expects.
 */
import type { FeedDocument } from './model';
import { NS, rfc3339, rfc822, XmlBuilder } from './xml';

export function renderRss(doc: FeedDocument): string {
  const x = new XmlBuilder(null, 'rss', { atom: NS.atom, dc: NS.dc, ...(doc.archive ? { fh: NS.history } : {}) });
  x.root.setAttribute('version', '2.0');
  const channel = x.el(x.root, null, 'channel');
  x.el(channel, null, 'title', {}, doc.title);
  x.el(channel, null, 'link', {}, doc.links.alternate);
  x.el(channel, null, 'description', {}, doc.subtitle);
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
    x.el(item, null, 'description', {}, entry.contentHtml);
  }
  return x.toString();
}
