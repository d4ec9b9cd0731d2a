/**
 * The reader's pages: the front page, a story's live page (and the story as it stood at a past
 * version), an update's permalink, what an open page asks for to stay live, and the pages' static
 * assets. Pages are rendered bytes kept per story version (StoryReader.rendering), answered with
 * ETags and 304s like the feeds; the story list's pages per list fingerprint.
 */
import { frontPage } from '../../domain/pages/front-page';
import { entryHtml } from '../../domain/pages/entry';
import {
  FILTERED_KEY_EVENTS,
  headlineHistoryHtml,
  keyEventsHtml,
  PAGE_KEY_EVENTS,
  pastStoryPage,
  pinnedHtml,
  storyHeadHtml,
  storyPage,
  storyTitle,
  type PageContext,
} from '../../domain/pages/story-page';
import { updatePage } from '../../domain/pages/update-page';
import { personOf, timelineKey, type TimelineEntry } from '../../domain/projection/story-view';
import { UPDATE_ID_PATTERN } from '../../domain/story/update-id';
import type { StoryReader } from '../../application/story-reader';
import { orderedEntries } from '../../application/story-reader';
import { STORY_PAGE_SIZE } from '../../application/ports';
import { represent } from '../../application/representation';
import { respond } from './conditional';
import { PAGE_SECURITY_HEADERS } from './page-security';
import { problemResponse, problems } from './problem';
import type { Body } from './responses';
import type { Handlers } from './serve';
import { staticAssets } from './static-assets';

const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
/** Updates on one page of a story's timeline. */
export const PAGE_SIZE = 50;
/** How often an open story page asks what changed (docs/scale.md prices it). */
export const POLL_SECONDS = 15;
/**
 * What changed after a version is asked by every open page of the story every POLL_SECONDS:
 * shared caches (CloudFront) may answer it for a few seconds, no longer, so a new update reaches
 * an open page within POLL_SECONDS plus this.
 */
export const CHANGES_CACHE_CONTROL = 'public, max-age=5';
/** Headline changes a page lists. */
const HEADLINE_HISTORY = 20;
/**
 * Lambda answers at most 6 MB, and one update may be some hundred KB of HTML (60,000 characters of
 * quote and as many of context, escaped): an answer of changes stops adding updates past this many
 * bytes (the page asks again), a page of the timeline ends early (its next page starts after the
 * last update it shows).
 */
const MAX_CHANGES_BYTES = 1_000_000;
const MAX_TIMELINE_BYTES = 2_000_000;

/** The first entries whose HTML fits `budget` bytes (at least one), and whether any were left out. */
function withinBytes(entries: TimelineEntry[], budget: number): { entries: TimelineEntry[]; cut: boolean } {
  let bytes = 0;
  for (const [i, entry] of entries.entries()) {
    bytes += Buffer.byteLength(entryHtml(entry));
    if (i > 0 && bytes > budget) return { entries: entries.slice(0, i), cut: true };
  }
  return { entries, cut: false };
}

export interface PageOptions {
  pollSeconds?: number;
}

const NUL = '\u0000';

export function pageHandlers(
  reader: StoryReader,
  options: PageOptions = {},
): Pick<Handlers<'read'>, 'frontPage' | 'storyPage' | 'updatePage' | 'storyChanges' | 'asset'> {
  const context = (): PageContext => ({
    assets: staticAssets().paths,
    baseUrl: reader.options.feed.baseUrl,
    pollSeconds: options.pollSeconds ?? POLL_SECONDS,
  });

  return {
    frontPage: async (c, { query }) => {
      const page = { limit: STORY_PAGE_SIZE, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) };
      const rep = await reader.storyList('page', page, ({ stories, next }) =>
        represent(frontPage(context().assets, stories, next), HTML, stories[0]?.lastEventAt),
      );
      return respond(c.req.raw, rep, PAGE_SECURITY_HEADERS);
    },

    storyPage: async (c, { query }) => {
      const storyId = c.req.param('id')!;
      const head = await reader.head(storyId);
      if (!head) return problemResponse(c, problems.storyNotFound(storyId));
      if (query.version !== undefined) {
        // The story as it stood then, honouring retractions recorded since: rendered again whenever the story moves on.
        const version = query.version;
        const rep = await reader.rendering(`page${NUL}${storyId}${NUL}v${version}`, head.version, async () => {
          const view = version <= head.version ? await reader.viewAt(storyId, { version }) : undefined;
          if (!view || view.head.version < version) return undefined;
          const html = pastStoryPage(context(), view.head, {
            timeline: withinBytes(orderedEntries(view).reverse(), MAX_TIMELINE_BYTES).entries,
            keyPoints: [...view.keyPoints].reverse(),
            people: [...view.people.values()].filter((p) => p.statementCount > 0).map(personOf),
            sources: [...view.sources.values()].filter((s) => s.updateCount > 0),
            at: view.head.lastEventAt,
            keyEvents: view.keyEvents,
            ...(view.pinned ? { pinned: view.pinned } : {}),
          });
          return represent(html, HTML, view.changedAt);
        });
        if (!rep) return problemResponse(c, problems.storyNotFound(storyId));
        return respond(c.req.raw, rep, PAGE_SECURITY_HEADERS);
      }
      const order = query.order ?? 'newest';
      const cursor = query.cursor;
      const keyEventsOnly = query.filter === 'key-events';
      const key = `page${NUL}${storyId}${NUL}${order}${NUL}${cursor ?? ''}${NUL}${keyEventsOnly ? 'key-events' : ''}`;
      const rep = await reader.rendering(key, head.version, async () => {
        const views = await reader.views();
        // A cursor the views did not hand out is a 400 naming /query/cursor (views/cursor.ts, problem.ts).
        const [page, keyPoints, people, sources, keyEvents, pinned] = await Promise.all([
          keyEventsOnly
            ? views.keyEvents(storyId, FILTERED_KEY_EVENTS).then((items) => ({ items, next: undefined }))
            : views.timeline(storyId, PAGE_SIZE, cursor, order === 'newest'),
          views.keyPoints(storyId, HEADLINE_HISTORY),
          views.people(storyId),
          views.sources(storyId),
          keyEventsOnly ? [] : views.keyEvents(storyId, PAGE_KEY_EVENTS),
          head.pinned === undefined ? undefined : views.entry(storyId, head.pinned),
        ]);
        const shown = withinBytes(page.items, MAX_TIMELINE_BYTES);
        const next = shown.cut && !keyEventsOnly ? views.timelineCursorAfter(shown.entries.at(-1)!) : page.next;
        const html = storyPage(context(), head, {
          timeline: shown.entries,
          order,
          ...(cursor ? { cursor } : {}),
          ...(next ? { next } : {}),
          keyPoints,
          people,
          sources,
          keyEvents,
          ...(pinned ? { pinned } : {}),
          keyEventsOnly,
        });
        return represent(html, HTML, head.lastEventAt);
      });
      return respond(c.req.raw, rep, PAGE_SECURITY_HEADERS);
    },

    updatePage: async (c) => {
      const storyId = c.req.param('id')!;
      const updateId = c.req.param('updateId')!;
      const head = await reader.head(storyId);
      if (!head) return problemResponse(c, problems.storyNotFound(storyId));
      const rep = UPDATE_ID_PATTERN.test(updateId)
        ? await reader.rendering(`update${NUL}${storyId}${NUL}${updateId}`, head.version, async () => {
            const entry = await (await reader.views()).entry(storyId, updateId);
            return entry && represent(updatePage(context(), head, entry), HTML, entry.updatedAt);
          })
        : undefined;
      if (!rep) return problemResponse(c, problems.noSuchUpdate());
      return respond(c.req.raw, rep, PAGE_SECURITY_HEADERS);
    },

    storyChanges: async (c, { query }) => {
      const storyId = c.req.param('id')!;
      const head = await reader.head(storyId);
      if (!head) return problemResponse(c, problems.storyNotFound(storyId));
      const rep = await reader.rendering(`changes${NUL}${storyId}${NUL}${query.since}`, head.version, async () => {
        const changes = await reader.changesSince(head, query.since);
        const updates: Body<'StoryChanges'>['updates'] = [];
        let version = changes.upTo;
        let bytes = 0;
        for (const [i, entry] of changes.entries.entries()) {
          const html = entryHtml(entry);
          // Past the byte budget the answer stops before this entry's change; the page asks again from there.
          if (updates.length > 0 && bytes + html.length > MAX_CHANGES_BYTES) {
            version = changes.changedAt[i]! - 1;
            break;
          }
          bytes += html.length;
          updates.push({ updateId: entry.updateId, version: entry.version, changedVersion: changes.changedAt[i]!, key: timelineKey(entry), html });
        }
        const moved = changes.upTo > changes.since;
        const regions: Record<string, string> = moved ? { 'story-head': storyHeadHtml(head) } : {};
        const views = await reader.views();
        if (changes.headlineChanged) regions['headline-history'] = headlineHistoryHtml(head, await views.keyPoints(storyId, HEADLINE_HISTORY));
        if (changes.keyEventsChanged) regions['key-events-region'] = keyEventsHtml(storyId, await views.keyEvents(storyId, PAGE_KEY_EVENTS));
        // The pinned copy changes with its pin, and with any change of the pinned update itself.
        if (changes.pinChanged || (head.pinned !== undefined && changes.entries.some((entry) => entry.updateId === head.pinned))) {
          regions['pinned-region'] = pinnedHtml(head.pinned === undefined ? undefined : await views.entry(storyId, head.pinned));
        }
        const body: Body<'StoryChanges'> = {
          storyId,
          since: query.since,
          version,
          complete: changes.complete && version === changes.upTo,
          title: storyTitle(head),
          regions,
          updates,
        };
        return represent(JSON.stringify(body), JSON_TYPE, head.lastEventAt, CHANGES_CACHE_CONTROL);
      });
      return respond(c.req.raw, rep);
    },

    asset: (c) => {
      const rep = staticAssets().byPath.get(c.req.path);
      if (!rep) return problemResponse(c, problems.noSuchResource());
      return respond(c.req.raw, rep);
    },
  };
}
