/**
 * The HTTP API as Hono apps: the same code runs on Lambda (hono/aws-lambda) and locally
 * (@hono/node-server). Routes stay thin: parse, call the writer or reader, map errors.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { ValidationError } from '../errors';
import { openStorySchema, storyIdSchema, updateSchema } from '../story/updates';
import { orderedEntries, type StoryReader, type FeedFormat, FEED_MEDIA_TYPES } from '../store/story-reader';
import type { StoryWriter, WriteResult } from '../store/story-writer';
import type { StoryHead, StoryView, TimelineEntry, KeyPoint, Person, Source } from '../projection/story-view';
import { authenticate, type TokenTable } from './auth';
import { LIVE_CACHE_CONTROL, represent, respond } from './conditional';
import { pointerOf, problem, problemFor, problemResponse, validationProblem } from './problem';

export const MAX_BODY_BYTES = 64 * 1024;

/** Structured logging (Powertools Logger on Lambda and locally): a message plus attributes. */
export interface Log {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface WriteDeps {
  writer: StoryWriter;
  tokens: () => Promise<TokenTable> | TokenTable;
  log: Log;
  /** Called after every stored write (e.g. to nudge the local stream poller). */
  onWrite?: (storyId: string) => void;
}

export interface ReadDeps {
  reader: StoryReader;
  log: Log;
  /** True when the store answers. */
  health: () => Promise<boolean>;
}

type Env = { Variables: { correlationId: string } };

function base(log: Log): Hono<Env> {
  const app = new Hono<Env>();
  app.use('*', async (c, next) => {
    const correlationId = c.req.header('x-correlation-id')?.slice(0, 100) || crypto.randomUUID();
    c.set('correlationId', correlationId);
    await next();
    c.header('X-Correlation-Id', correlationId);
  });
  app.onError((error, c) => {
    const p = problemFor(error);
    if (p.status >= 500) {
      log.error('request failed', { correlationId: c.get('correlationId'), path: c.req.path, error: String(error), stack: error instanceof Error ? error.stack : undefined });
    }
    return problemResponse(c, { ...p, instance: c.req.path });
  });
  app.notFound((c) => problemResponse(c, problem(404, 'not-found', 'No such resource', { instance: c.req.path })));
  return app;
}

// ---------------------------------------------------------------------------------------------
// Writes

async function readJson(c: Context): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([a-z.+-]*\+)?json\s*(;|$)/i.test(type)) {
    return {
      ok: false,
      response: problemResponse(
        c,
        problem(415, 'unsupported-media-type', 'Send JSON', {
          detail: 'Content-Type must be application/json',
          errors: [{ pointer: '/headers/content-type', detail: 'must be application/json' }],
        }),
      ),
    };
  }
  const declared = Number(c.req.header('content-length') ?? 0);
  const tooLarge = () =>
    problemResponse(
      c,
      problem(413, 'payload-too-large', 'The body is too large', {
        detail: `a request body may hold at most ${MAX_BODY_BYTES} bytes`,
        errors: [{ pointer: '/', detail: `larger than ${MAX_BODY_BYTES} bytes` }],
      }),
    );
  if (declared > MAX_BODY_BYTES) return { ok: false, response: tooLarge() };
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES) return { ok: false, response: tooLarge() };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, response: problemResponse(c, problem(400, 'malformed-json', 'The body is not UTF-8', { errors: [{ pointer: '/', detail: 'is not valid UTF-8' }] })) };
  }
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch (error) {
    return {
      ok: false,
      response: problemResponse(
        c,
        problem(400, 'malformed-json', 'The body is not valid JSON', {
          detail: error instanceof Error ? error.message : 'invalid JSON',
          errors: [{ pointer: '/', detail: 'is not valid JSON' }],
        }),
      ),
    };
  }
}

function parseIfMatch(header: string | undefined): number | undefined | 'invalid' {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(header);
  return match ? Number(match[1]) : 'invalid';
}

export function writeApp(deps: WriteDeps): Hono<Env> {
  const app = base(deps.log);

  const guard = async (c: Context<Env>) => {
    const result = authenticate(c.req.header('authorization'), await deps.tokens());
    if (result.ok) return result.editor;
    const error = result.reason === 'missing' ? undefined : 'invalid_token';
    return problemResponse(
      c,
      problem(401, 'unauthorized', 'An editor token is required', {
        detail: result.reason === 'missing' ? 'send Authorization: Bearer <token>' : 'the bearer token is not valid',
        errors: [{ pointer: '/headers/authorization', detail: result.reason }],
      }),
      { 'WWW-Authenticate': `Bearer realm="newsroom"${error ? `, error="${error}"` : ''}` },
    );
  };

  const context = (c: Context<Env>, editor: { name: string }) => {
    const expected = parseIfMatch(c.req.header('if-match'));
    if (expected === 'invalid') {
      throw new ValidationError('If-Match must be a quoted story version, e.g. "12"', [
        { pointer: '/headers/if-match', detail: 'must be a quoted version number such as "12"' },
      ]);
    }
    const key = c.req.header('idempotency-key');
    if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new ValidationError('Idempotency-Key must be 1 to 255 visible ASCII characters', [
        { pointer: '/headers/idempotency-key', detail: 'must be 1 to 255 visible ASCII characters' },
      ]);
    }
    return {
      editor: editor.name,
      correlationId: c.get('correlationId'),
      ...(expected === undefined ? {} : { expectedVersion: expected }),
      ...(key === undefined ? {} : { idempotencyKey: key }),
    };
  };

  const created = (c: Context<Env>, result: WriteResult, location: string) => {
    c.header('Location', location);
    c.header('ETag', `"${result.body.version}"`);
    if (result.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(result.body, result.status as 201);
  };

  app.post('/api/stories', async (c) => {
    const editor = await guard(c);
    if (editor instanceof Response) return editor;
    const parsed = await readJson(c);
    if (!parsed.ok) return parsed.response;
    const input = openStorySchema.safeParse(parsed.body);
    if (!input.success) return problemResponse(c, validationProblem(input.error));
    const result = await deps.writer.openStory(input.data, context(c, editor));
    deps.log.info('story opened', { storyId: input.data.id, editor: editor.name, correlationId: c.get('correlationId') });
    deps.onWrite?.(input.data.id);
    return created(c, result, `/api/stories/${input.data.id}`);
  });

  app.post('/api/stories/:id/updates', async (c) => {
    const editor = await guard(c);
    if (editor instanceof Response) return editor;
    const storyId = c.req.param('id');
    const id = storyIdSchema.safeParse(storyId);
    if (!id.success) return problemResponse(c, problem(404, 'not-found', 'No such story', { detail: `story ${storyId} was not found` }));
    const parsed = await readJson(c);
    if (!parsed.ok) return parsed.response;
    const input = updateSchema.safeParse(parsed.body);
    if (!input.success) return problemResponse(c, validationProblem(input.error));
    const result = await deps.writer.recordUpdate(storyId, input.data, context(c, editor));
    deps.log.info('update recorded', {
      storyId,
      type: input.data.type,
      version: result.body.version,
      editor: editor.name,
      replayed: result.replayed,
      correlationId: c.get('correlationId'),
    });
    deps.onWrite?.(storyId);
    return created(c, result, `/api/stories/${storyId}/events?after=${result.body.version - 1}&limit=1`);
  });

  return app;
}

// ---------------------------------------------------------------------------------------------
// Reads

const FEED_FORMATS = new Set<FeedFormat>(['atom']);

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
      feeds: { atom: `/stories/${head.storyId}/feed.atom` },
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
  const app = base(deps.log);
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

  app.get('/stories/:id/:file{feed\\.[a-z]+}', async (c) => {
    const format = c.req.param('file').slice('feed.'.length) as FeedFormat;
    if (!FEED_FORMATS.has(format)) return problemResponse(c, problem(404, 'not-found', 'No such feed format'));
    const rep = await reader.feed(c.req.param('id'), format);
    if (!rep) return problemResponse(c, problem(404, 'not-found', 'No such story'));
    return respond(c.req.raw, rep);
  });

  return app;
}

export { FEED_MEDIA_TYPES, pointerOf };
