/** Public reads: the story list, the developing-story view, the raw log, health, and the feeds. */
import type { Context, Hono } from 'hono';
import * as z from 'zod';
import { orderedEntries, type StoryReader } from '../store/story-reader';
import type { StoryHead, StoryView, TimelineEntry, KeyPoint, Person, Source } from '../projection/story-view';
import { baseApp, type Env, type Log } from './base';
import { LIVE_CACHE_CONTROL, represent, respond } from './conditional';
import { feedRoutes } from './feed-routes';
import { pageRoutes } from './page-routes';
import { problem, problemResponse, validationProblem } from './problem';

export interface ReadDeps {
  reader: StoryReader;
  log: Log;
  /** True when the store answers. */
  health: () => Promise<boolean>;
}


const viewQuery = z.strictObject({
  version: z.coerce.number().int().min(1).optional(),
  asOf: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(2000).optional(),
});

const eventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

const json = (value: unknown) => JSON.stringify(value);
const JSON_TYPE = 'application/json; charset=utf-8';

function queryProblem(c: Context, error: z.ZodError) {
  const p = validationProblem(error);
  return problemResponse(c, {
    ...p,
    errors: p.errors?.map((e) => ({ ...e, pointer: `/query${e.pointer}` })),
    detail: p.detail ? `query ${p.detail}` : undefined,
  });
}

export function storyJson(
  head: StoryHead,
  parts: { timeline: TimelineEntry[]; keyPoints: KeyPoint[]; people: Person[]; sources: Source[]; next?: string },
) {
  return {
    storyId: head.storyId,
    headline: head.headline,
    summary: head.summary,
    status: head.status,
    language: head.language,
    topics: head.topics,
    version: head.version,
    openedAt: head.openedAt,
    firstUpdateAt: head.firstUpdateAt ?? null,
    lastUpdateAt: head.lastUpdateAt ?? null,
    lastEventAt: head.lastEventAt,
    counts: { updates: head.updateCount, corrections: head.correctionCount, retractions: head.retractionCount },
    keyPoints: parts.keyPoints,
    people: parts.people,
    sources: parts.sources,
    corrections: parts.timeline.flatMap((e) => e.corrections.map((n) => ({ target: e.updateId, ...n }))),
    retractions: parts.timeline.flatMap((e) => (e.retraction ? [{ target: e.updateId, ...e.retraction }] : [])),
    timeline: parts.timeline.map((e) => (e.retraction ? { ...e, content: undefined, retracted: true } : e)),
    ...(parts.next ? { timelineNext: parts.next } : {}),
    links: {
      self: `/api/stories/${head.storyId}`,
      page: `/stories/${head.storyId}`,
      events: `/api/stories/${head.storyId}/events`,
      feeds: { atom: `/stories/${head.storyId}/feed.atom`, rss: `/stories/${head.storyId}/feed.rss`, json: `/stories/${head.storyId}/feed.json` },
    },
  };
}

function viewOf(view: StoryView) {
  const timeline = orderedEntries(view);
  return storyJson(view.head, {
    timeline,
    keyPoints: [...view.keyPoints].reverse(),
    people: [...view.people.values()].filter((p) => p.statementCount > 0),
    sources: [...view.sources.values()].filter((s) => s.updateCount > 0),
  });
}

export function readApp(deps: ReadDeps): Hono<Env> {
  const app = baseApp(deps.log);
  const { reader } = deps;

  app.get('/health', async (c) => {
    const ok = await deps.health().catch(() => false);
    c.header('Cache-Control', 'no-store');
    return ok ? c.json({ status: 'ok' }) : problemResponse(c, problem(503, 'unavailable', 'The store is not reachable'));
  });

  app.get('/api/stories', async (c) => {
    const stories = await (await reader.views()).listStories();
    const last = stories.map((s) => s.lastEventAt).sort().at(-1);
    return respond(c.req.raw, represent(json({ stories }), JSON_TYPE, last));
  });

  app.get('/api/stories/:id', async (c) => {
    const q = viewQuery.safeParse(c.req.query());
    if (!q.success) return queryProblem(c, q.error);
    const storyId = c.req.param('id');
    const notFound = () => problemResponse(c, problem(404, 'not-found', 'No such story', { detail: `story ${storyId} was not found` }));
    if (q.data.version !== undefined || q.data.asOf !== undefined) {
      const view = await reader.viewAt(storyId, q.data);
      if (!view || (q.data.version !== undefined && view.head.version < q.data.version)) return notFound();
      return respond(c.req.raw, represent(json(viewOf(view)), JSON_TYPE, view.head.lastEventAt));
    }
    const views = await reader.views();
    const head = await views.head(storyId);
    if (!head) return notFound();
    const [page, keyPoints, people, sources] = await Promise.all([
      views.timeline(storyId, q.data.limit ?? 100, q.data.cursor),
      views.keyPoints(storyId, 20),
      views.people(storyId),
      views.sources(storyId),
    ]);
    const body = storyJson(head, { timeline: page.items, keyPoints, people, sources, ...(page.next ? { next: page.next } : {}) });
    return respond(c.req.raw, represent(json(body), JSON_TYPE, head.lastEventAt, LIVE_CACHE_CONTROL));
  });

  app.get('/api/stories/:id/events', async (c) => {
    const q = eventsQuery.safeParse(c.req.query());
    if (!q.success) return queryProblem(c, q.error);
    const storyId = c.req.param('id');
    const limit = q.data.limit ?? 100;
    const after = q.data.after ?? 0;
    const page = await reader.events.read(storyId, { after, limit });
    if (page.events.length === 0 && after === 0) {
      return problemResponse(c, problem(404, 'not-found', 'No such story', { detail: `story ${storyId} was not found` }));
    }
    const last = page.events.at(-1)?.metadata.version;
    const full = page.events.length === limit && last !== undefined;
    const body = {
      storyId,
      events: page.events,
      ...(full ? { next: `/api/stories/${storyId}/events?after=${last}&limit=${limit}` } : {}),
    };
    // A full page of an append-only log never changes; a partial one grows.
    return respond(
      c.req.raw,
      represent(json(body), JSON_TYPE, page.events.at(-1)?.metadata.recordedAt, full ? 'public, max-age=31536000, immutable' : LIVE_CACHE_CONTROL),
    );
  });

  feedRoutes(app, reader);
  pageRoutes(app, reader);

  return app;
}
