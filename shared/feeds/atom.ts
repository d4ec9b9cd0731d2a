/** Atom 1.0 (RFC 4287) through the `feed` package. */
import { Feed } from 'feed';
import { escapeHtml, type FeedDocument } from './model';

export function renderAtom(doc: FeedDocument): string {
  const feed = new Feed({
    id: doc.id,
    title: doc.title,
    description: doc.subtitle,
    // Passed explicitly: left out, `feed` stamps the render time and the bytes change on every request.
    updated: new Date(doc.updated),
    language: doc.language,
    link: doc.alternateUrl,
    feedLinks: { atom: doc.selfUrl },
    author: { name: doc.author.name, link: doc.author.uri },
    generator: 'newsroom-feed',
    copyright: '',
  });
  for (const entry of doc.entries) {
    feed.addItem({
      id: entry.id,
      // `feed` marks titles type="html": escape so that text stays text.
      title: escapeHtml(entry.title),
      link: entry.url,
      date: new Date(entry.updated),
      published: new Date(entry.published),
      content: entry.contentHtml,
      author: entry.authors,
      category: entry.categories.map((term) => ({ term, name: term })),
    });
  }
  return feed.atom1();
}
