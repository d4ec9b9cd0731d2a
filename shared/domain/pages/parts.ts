/**
 * What every page shares: the document around the content, the assets it links (a stylesheet and
 * the live script, static files under the pages' CSP: no inline script or style), and the small
 * pieces of markup that put editor text on a page. All editor text is escaped (it is plain text by
 * contract) and isolated from the text around it (bidi): blocks say `dir="auto"`, inline pieces
 * are `<bdi>`; multi-line text keeps its paragraphs and line breaks.
 */
import { escapeHtml as e, lineBreaksHtml } from '../html';

/** Where the page's static assets are served (content-hashed paths, see shared/adapters/http/static-assets.ts). */
export interface PageAssets {
  stylesheet: string;
  liveScript: string;
}

export interface PageDocument {
  title: string;
  lang?: string;
  /** Trusted markup for <head> (alternate links, structured data). */
  head?: string;
  body: string;
  /** The live script, for pages that keep themselves up to date. */
  live?: boolean;
  /** Where the skip link goes. */
  skipTo?: { id: string; label: string };
}

export function layout(assets: PageAssets, doc: PageDocument): string {
  return `<!doctype html>
<html lang="${e(doc.lang ?? 'en')}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(doc.title)}</title>
<link rel="stylesheet" href="${e(assets.stylesheet)}">
${doc.live ? `<script src="${e(assets.liveScript)}" defer></script>\n` : ''}${doc.head ?? ''}
</head>
<body>
${doc.skipTo ? `<a class="skip" href="#${e(doc.skipTo.id)}">${e(doc.skipTo.label)}</a>\n` : ''}<header class="site"><a href="/">Newsroom</a></header>
<main id="main">
${doc.body}
</main>
</body>
</html>
`;
}

/** Inline editor text: escaped, its direction its own. */
export const bdi = (text: string) => `<bdi>${e(text)}</bdi>`;
/** Editor text that may span lines, inside a paragraph. */
export const inline = (text: string) => `<bdi>${lineBreaksHtml(text)}</bdi>`;
export const AUTO = ' dir="auto"';

/** A time for readers: the date as given, or minutes in UTC; `about` when the date is approximate. */
export const when = (iso: string | undefined, approximate = false) =>
  iso
    ? `<time datetime="${e(iso)}">${approximate ? 'about ' : ''}${e(iso.length === 10 ? iso : iso.slice(0, 16).replace('T', ' ') + ' UTC')}</time>`
    : '';

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Site-relative paths of a story's pages (ids are URL-safe by the story id rule, see story-id.ts). */
export const storyPath = (storyId: string) => `/stories/${encodeURIComponent(storyId)}`;
export const updatePath = (storyId: string, updateId: string) => `${storyPath(storyId)}/updates/${encodeURIComponent(updateId)}`;
