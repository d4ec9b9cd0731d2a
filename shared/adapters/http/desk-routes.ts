/**
 * The editor's desk pages, served by the read function: HTML with only what the public may read
 * (the story list, a story's head and timeline) and the forms the desk script sends to the write
 * API with the editor's token (assets/desk.js). They need no token themselves: whoever opens one
 * without a token sees the sign-in form.
 *
 * Answered `no-store`: the desk fetches a story's page again after every write and must see the
 * story as the origin has it, never a cached copy (CloudFront honours the origin's Cache-Control,
 * infra/constructs/cdn.ts). Editors are few, so rendering per request costs little. The pages'
 * security headers (strict CSP: the script and stylesheet are static files) and `noindex`.
 */
import { DESK_PAGE_SIZE, deskHomePage, deskEntryHtml, deskStoryPage } from '../../domain/pages/desk';
import type { TimelineEntry } from '../../domain/projection/story-view';
import type { StoryReader } from '../../application/story-reader';
import { represent } from '../../application/representation';
import { respond } from './conditional';
import { PAGE_SECURITY_HEADERS } from './page-security';
import { problemResponse, problems } from './problem';
import type { Handlers } from './serve';
import { staticAssets } from './static-assets';
import { MAX_STORY_PAGE_SIZE } from '../../application/ports';

const HTML = 'text/html; charset=utf-8';
export const DESK_CACHE_CONTROL = 'no-store';
export const DESK_HEADERS: Readonly<Record<string, string>> = { ...PAGE_SECURITY_HEADERS, 'X-Robots-Tag': 'noindex, nofollow' };
/**
 * Lambda answers at most 6 MB, and a desk entry holds its text twice (shown, and in its correction
 * form): a page of the timeline ends early past this many bytes (its next page starts after the
 * last update it shows).
 */
const MAX_TIMELINE_BYTES = 2_000_000;

export function deskHandlers(reader: StoryReader): Pick<Handlers<'read'>, 'deskHome' | 'deskStory'> {
  return {
    deskHome: async (c) => {
      // The story list as the front page reads it (the activity index, kept per list change),
      // rendered for the desk: the most recently active page of it, which is where editors work.
      const html = await reader.storyList('desk', { limit: MAX_STORY_PAGE_SIZE }, ({ stories }) =>
        represent(deskHomePage(staticAssets().paths, stories), HTML, undefined, DESK_CACHE_CONTROL),
      );
      return respond(c.req.raw, html, DESK_HEADERS);
    },

    deskStory: async (c, { query }) => {
      const storyId = c.req.param('id')!;
      const head = await reader.head(storyId);
      if (!head) return problemResponse(c, problems.storyNotFound(storyId));
      const views = await reader.views();
      const page = await views.timeline(storyId, DESK_PAGE_SIZE, query.cursor, true);
      const shown: TimelineEntry[] = [];
      let bytes = 0;
      for (const entry of page.items) {
        bytes += Buffer.byteLength(deskEntryHtml(entry, entry.updateId === head.pinned));
        if (shown.length > 0 && bytes > MAX_TIMELINE_BYTES) break;
        shown.push(entry);
      }
      const next = shown.length < page.items.length ? views.timelineCursorAfter(shown.at(-1)!) : page.next;
      const html = deskStoryPage(staticAssets().paths, head, {
        timeline: shown,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(next ? { next } : {}),
      });
      return respond(c.req.raw, represent(html, HTML, head.lastEventAt, DESK_CACHE_CONTROL), DESK_HEADERS);
    },
  };
}
