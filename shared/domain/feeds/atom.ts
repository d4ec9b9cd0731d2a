/**
 * Atom 1.0 (RFC 4287) with xml:lang, RFC 5005 archive links, RFC 6721 tombstones for retracted
 * entries and a WebSub hub link. Titles are `type="text"`: editor text is never markup. An entry
 * of the all-stories feed names its story in `source` and says its language when it differs.
 */
import type { FeedDocument } from './model';
import { NS, rfc3339, XmlBuilder } from './xml';

export function renderAtom(doc: FeedDocument): string {
  const tombstones = doc.entries.filter((e) => e.retraction);
  const x = new XmlBuilder(NS.atom, 'feed', {
    ...(tombstones.length > 0 ? { at: NS.tombstones } : {}),
    ...(doc.archive ? { fh: NS.history } : {}),
  });
  const feed = x.root;
  if (doc.language) feed.setAttributeNS(NS.xml, 'xml:lang', doc.language);
  x.el(feed, NS.atom, 'id', {}, doc.id);
  x.el(feed, NS.atom, 'title', { type: 'text' }, doc.title);
  x.el(feed, NS.atom, 'subtitle', { type: 'text' }, doc.subtitle);
  x.el(feed, NS.atom, 'updated', {}, rfc3339(doc.updated));
  x.el(feed, NS.atom, 'link', { rel: 'self', type: 'application/atom+xml', href: doc.links.self });
  x.el(feed, NS.atom, 'link', { rel: 'alternate', type: 'text/html', href: doc.links.alternate });
  if (doc.links.hub) x.el(feed, NS.atom, 'link', { rel: 'hub', href: doc.links.hub });
  if (doc.links.current) x.el(feed, NS.atom, 'link', { rel: 'current', type: 'application/atom+xml', href: doc.links.current });
  if (doc.links.prevArchive) x.el(feed, NS.atom, 'link', { rel: 'prev-archive', type: 'application/atom+xml', href: doc.links.prevArchive });
  if (doc.links.nextArchive) x.el(feed, NS.atom, 'link', { rel: 'next-archive', type: 'application/atom+xml', href: doc.links.nextArchive });
  const author = x.el(feed, NS.atom, 'author');
  x.el(author, NS.atom, 'name', {}, doc.author.name);
  x.el(author, NS.atom, 'uri', {}, doc.author.uri);
  x.el(feed, NS.atom, 'generator', {}, 'newsroom-feed');
  // RFC 5005 §4: an archive document says so.
  if (doc.archive) x.el(feed, NS.history, 'fh:archive');
  // RFC 6721: readers that honour tombstones drop the retracted entry; the others still see the
  // entry itself, whose content is now the retraction notice.
  for (const entry of tombstones) {
    const tomb = x.el(feed, NS.tombstones, 'at:deleted-entry', { ref: entry.id, when: rfc3339(entry.retraction!.when) });
    x.el(tomb, NS.atom, 'link', { rel: 'alternate', type: 'text/html', href: entry.url });
    x.el(tomb, NS.tombstones, 'at:comment', {}, `Retracted: ${entry.retraction!.reason}`);
  }

  for (const entry of doc.entries) {
    const e = x.el(feed, NS.atom, 'entry', { 'xml:lang': entry.language });
    x.el(e, NS.atom, 'id', {}, entry.id);
    x.el(e, NS.atom, 'title', { type: 'text' }, entry.title);
    x.el(e, NS.atom, 'link', { rel: 'alternate', type: 'text/html', href: entry.url });
    if (entry.externalUrl) x.el(e, NS.atom, 'link', { rel: 'related', href: entry.externalUrl });
    x.el(e, NS.atom, 'published', {}, rfc3339(entry.published));
    x.el(e, NS.atom, 'updated', {}, rfc3339(entry.updated));
    for (const a of entry.authors) x.el(x.el(e, NS.atom, 'author'), NS.atom, 'name', {}, a.name);
    for (const term of entry.categories) x.el(e, NS.atom, 'category', { term });
    if (entry.source) {
      // RFC 4287 §4.2.11: the feed the entry comes from, here its story's own feed.
      const source = x.el(e, NS.atom, 'source');
      x.el(source, NS.atom, 'id', {}, entry.source.id);
      x.el(source, NS.atom, 'title', { type: 'text' }, entry.source.title);
      x.el(source, NS.atom, 'link', { rel: 'self', type: 'application/atom+xml', href: entry.source.feedUrl });
      x.el(source, NS.atom, 'link', { rel: 'alternate', type: 'text/html', href: entry.source.url });
      x.el(source, NS.atom, 'updated', {}, rfc3339(entry.source.updated));
    }
    x.el(e, NS.atom, 'content', { type: 'html' }, entry.contentHtml);
  }
  return x.toString();
}
