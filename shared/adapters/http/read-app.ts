/** Public reads: the story list, the developing-story view, the raw log, health, and the feeds. */
import type { Hono } from 'hono';
import { orderedEntries, type StoryReader } from '../../application/story-reader';
import { personOf, type StoryHead, type TimelineEntry, type KeyPoint, type Person, type Source } from '../../domain/projection/story-view';
import { STORY_PAGE_SIZE, type Log } from '../../application/ports';
import { VIEW_KEY_EVENTS, type PastView } from '../../application/time-travel';
import { STORE_RETRY_AFTER_SECONDS } from '../../application/errors';
import { LIVE_CACHE_CONTROL, PRIVATE_CACHE_CONTROL, represent } from '../../application/representation';
import type { TokenTable } from './auth';
import { editorIfPresent, editorRequired } from './edge';
import { baseApp, type Env } from './base';
import { respond } from './conditional';
import { deskHandlers } from './desk-routes';
import { feedHandlers } from './feed-routes';
import { fromCdnOnly } from './origin';
import { pageHandlers, type PageOptions } from './page-routes';
import { problemResponse, problems } from './problem';
import type { Body } from './responses';
import { serveRoutes } from './serve';

export interface ReadDeps {
  reader: StoryReader;
  log: Log;
  /** True when the store answers. */
  health: () => Promise<boolean>;
  /**
   * Projection health the runtime knows of, reported with /health: locally, the stream records the
   * poller quarantined (on AWS they are in the projector's DLQ, watched by an alarm).
   */
  projection?: () => { quarantined: number };
  /**
   * Editors' token hashes (the write API's, auth.ts): a valid `Authorization: Bearer` on the event
   * log reads the full record, retracted payloads included. Without them every token is refused.
   */
  tokens?: () => Promise<TokenTable> | TokenTable;
  pages?: PageOptions;
  /**
   * On AWS, the secret CloudFront sends as ORIGIN_VERIFY_HEADER (origin.ts): any request without it
   * or an editor's token is refused (403). Unset locally, where nothing stands in front of the server.
   */
  originSecret?: string;
}

const json = (value: unknown) => JSON.stringify(value);
const JSON_TYPE = 'application/json; charset=utf-8';

/** The head's fields the view shows as they are, in the order it has always shown them. */
const HEAD_FIELDS = ['storyId', 'headline', 'summary', 'status', 'language', 'topics', 'version', 'openedAt'] as const;

const pick = <T, K extends keyof T>(from: T, keys: readonly K[]) => Object.fromEntries(keys.map((key) => [key, from[key]])) as Pick<T, K>;

/** An entry as the public reads it: a retracted one shows its notice only, neither its content nor its correction notes (which may repeat it). */
const publicEntry = (e: TimelineEntry) => (e.retraction ? { ...e, content: undefined, corrections: [], retracted: true as const } : e);

const feedLinks = (storyId: string, name: string) => ({
  atom: `/stories/${storyId}/${name}.atom`,
  rss: `/stories/${storyId}/${name}.rss`,
  json: `/stories/${storyId}/${name}.json`,
});

function storyJson(
  head: StoryHead,
  parts: {
    timeline: TimelineEntry[];
    keyPoints: KeyPoint[];
    people: Person[];
    sources: Source[];
    keyEvents: TimelineEntry[];
    pinned: TimelineEntry | undefined;
    next?: string;
  },
): Body<'StoryView'> {
  return {
    ...pick(head, HEAD_FIELDS),
    firstUpdateAt: head.firstUpdateAt ?? null,
    lastUpdateAt: head.lastUpdateAt ?? null,
    lastEventAt: head.lastEventAt,
    counts: {
      updates: head.updateCount,
      corrections: head.correctionCount,
      retractions: head.retractionCount,
      keyEvents: head.keyEventCount ?? 0,
    },
    keyPoints: parts.keyPoints,
    people: parts.people,
    sources: parts.sources,
    // A retracted update shows its notice only: neither its content nor its correction notes (which may repeat it).
    corrections: parts.timeline.flatMap((e) => (e.retraction ? [] : e.corrections.map((n) => ({ target: e.updateId, ...n })))),
    retractions: parts.timeline.flatMap((e) => (e.retraction ? [{ target: e.updateId, ...e.retraction }] : [])),
    timeline: parts.timeline.map(publicEntry),
    ...(parts.next ? { timelineNext: parts.next } : {}),
    keyEvents: parts.keyEvents.map(publicEntry),
    pinned: parts.pinned ? publicEntry(parts.pinned) : null,
    links: {
      self: `/api/stories/${head.storyId}`,
      page: `/stories/${head.storyId}`,
      events: `/api/stories/${head.storyId}/events`,
      feeds: feedLinks(head.storyId, 'feed'),
      keyEventFeeds: feedLinks(head.storyId, 'key-events'),
    },
  };
}

function viewOf(view: PastView) {
  const timeline = orderedEntries(view);
  return storyJson(view.head, {
    timeline,
    keyEvents: view.keyEvents,
    pinned: view.pinned,
    keyPoints: [...view.keyPoints].reverse(),
    people: [...view.people.values()].filter((p) => p.statementCount > 0).map(personOf),
    sources: [...view.sources.values()].filter((s) => s.updateCount > 0),
  });
}

export function readApp(deps: ReadDeps): Hono<Env> {
  const app = baseApp(deps.log);
  const { reader } = deps;
  if (deps.originSecret) app.use('*', fromCdnOnly(deps.originSecret, deps.tokens));
  serveRoutes(app, 'read', {
    health: async (c) => {
      const ok = await deps.health().catch(() => false);
      c.header('Cache-Control', 'no-store');
      if (!ok) return problemResponse(c, problems.unavailable(), { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) });
      const projection = deps.projection?.();
      // Quarantined records leave views behind the log: still serving (200), but degraded.
      return c.json({
        status: projection && projection.quarantined > 0 ? 'degraded' : 'ok',
        ...(projection ? { projection } : {}),
      } satisfies Body<'Health'>);
    },

    listStories: async (c, { query }) => {
      const page = { limit: query.limit ?? STORY_PAGE_SIZE, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) };
      const rep = await reader.storyList('json', page, ({ stories, next }) =>
        // Newest activity first: the page's first story changed last.
        represent(json({ stories, ...(next ? { next } : {}) } satisfies Body<'StoryList'>), JSON_TYPE, stories[0]?.lastEventAt),
      );
      return respond(c.req.raw, rep);
    },

    getStory: async (c, { query }) => {
      const storyId = c.req.param('id')!;
      const notFound = () => problemResponse(c, problems.storyNotFound(storyId));
      if (query.version !== undefined || query.asOf !== undefined) {
        // A fold of the log up to that point; nothing at all before the story was opened.
        const view = await reader.viewAt(storyId, query);
        if (!view || (query.version !== undefined && view.head.version < query.version)) return notFound();
        // Cached like the live view: a past version honours retractions recorded since (time-travel.ts).
        // Last-Modified moves with a later retraction too, so If-Modified-Since never keeps the withdrawn copy.
        return respond(c.req.raw, represent(json(viewOf(view)), JSON_TYPE, view.changedAt, LIVE_CACHE_CONTROL));
      }
      // Rendered once per story version, like the feeds and the pages.
      const head = await reader.head(storyId);
      if (!head) return notFound();
      const limit = query.limit ?? 100;
      const rep = await reader.rendering(`view\u0000${storyId}\u0000${limit}\u0000${query.cursor ?? ''}`, head.version, async () => {
        const views = await reader.views();
        const [page, keyPoints, people, sources, keyEvents, pinned] = await Promise.all([
          views.timeline(storyId, limit, query.cursor),
          views.keyPoints(storyId, 20),
          views.people(storyId),
          views.sources(storyId),
          views.keyEvents(storyId, VIEW_KEY_EVENTS),
          head.pinned === undefined ? undefined : views.entry(storyId, head.pinned),
        ]);
        const body = storyJson(head, {
          timeline: page.items,
          keyPoints,
          people,
          sources,
          keyEvents,
          pinned,
          ...(page.next ? { next: page.next } : {}),
        });
        return represent(json(body), JSON_TYPE, head.lastEventAt, LIVE_CACHE_CONTROL);
      });
      return respond(c.req.raw, rep);
    },

    listScheduled: {
      guards: [editorRequired(deps.tokens)],
      handle: async (c) => {
        const storyId = c.req.param('id')!;
        const views = await reader.views();
        const [head, pending] = await Promise.all([views.head(storyId), views.scheduled(storyId)]);
        const headers = { 'Cache-Control': PRIVATE_CACHE_CONTROL, Vary: 'Authorization' };
        if (!head) return problemResponse(c, problems.storyNotFound(storyId), headers);
        const body: Body<'ScheduledList'> = {
          storyId,
          scheduled: pending.map((e) => ({
            updateId: e.updateId,
            releaseAt: e.releaseAt!,
            kind: e.kind,
            content: e.content,
            keyEvent: e.keyEvent,
            version: e.version,
            recordedAt: e.recordedAt,
            recordedBy: e.recordedBy,
          })),
        };
        return c.body(json(body), 200, { 'Content-Type': JSON_TYPE, ...headers });
      },
    },

    listEvents: {
      guards: [editorIfPresent(deps.tokens)],
      handle: async (c, { query }) => {
        const storyId = c.req.param('id')!;
        const editor = c.get('editor') !== undefined;
        const limit = query.limit ?? 100;
        const after = query.after ?? 0;
        const page = await reader.events.read(storyId, { after, limit });
        // An empty page past the end of a real story is an answer; for no story at all it is a 404.
        if (page.events.length === 0 && (after === 0 || (await reader.events.headVersion(storyId)) === 0)) {
          return problemResponse(c, problems.storyNotFound(storyId));
        }
        const last = page.events.at(-1)?.metadata.version;
        // More to read whenever the store stopped early: at `limit`, or at DynamoDB's 1 MB a page (long events).
        const full = page.nextAfter !== undefined && last !== undefined;
        const body: Body<'EventsPage'> = {
          storyId,
          events: editor ? page.events : await reader.publicEvents(storyId, page.events),
          ...(full ? { next: `/api/stories/${storyId}/events?after=${last}&limit=${limit}` } : {}),
        };
        // Even a full page is cached like a live feed: a later retraction masks some of its events.
        // Last-Modified: the page's last event, or a later retraction that masked one of them.
        const changedAt = body.events
          .map((e) => (e.withheld?.reason === 'retracted' ? e.withheld.retraction.recordedAt : e.metadata.recordedAt))
          .sort()
          .at(-1);
        const rep = represent(json(body), JSON_TYPE, changedAt, editor ? PRIVATE_CACHE_CONTROL : LIVE_CACHE_CONTROL);
        const res = respond(c.req.raw, rep);
        res.headers.set('Vary', 'Accept-Encoding, Authorization');
        return res;
      },
    },

    ...feedHandlers(reader),
    ...pageHandlers(reader, deps.pages),
    ...deskHandlers(reader),
  });
  return app;
}
