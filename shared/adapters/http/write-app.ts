/**
 * The editors' write API: authenticated, rate-limited, validated, idempotent appends.
 *
 * Every refusal is decided before the writer is called, by the edge (edge.ts: 401, 429, 415, 413,
 * 400), the body's schema (serve.ts: 400) or a route's own checks (404, 400), or comes as a typed
 * error from the writer (404, 409, 412, 422), mapped once in problem.ts. Nothing is stored for a
 * refused request.
 */
import type { Context, Hono } from 'hono';
import { ValidationError } from '../../domain/errors';
import type { StoryWriter, WriteContext, WriteResult } from '../../application/story-writer';
import type { Log } from '../../application/ports';
import { represent, type Representation } from '../../application/representation';
import type { TokenTable } from './auth';
import { baseApp, type Env } from './base';
import { respond, withHeadersOf } from './conditional';
import { openApiDocument } from './openapi';
import { MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY } from './limits';
import { rateLimitFromEnv, type RateLimit } from './rate-limit';
import { bodies } from './bodies';
import { editorAuth, editorRateLimit, jsonBody } from './edge';
import { idempotencyKeyHeader, ifMatchHeader } from './requests';
import type { Body } from './responses';
import { serveRoutes } from './serve';

export interface WriteDeps {
  writer: StoryWriter;
  tokens: () => Promise<TokenTable> | TokenTable;
  log: Log;
  /** Per-editor write limit of this process; default from NEWSROOM_WRITE_RATE / NEWSROOM_WRITE_BURST. */
  rateLimit?: RateLimit;
  /** Called after every stored write (e.g. to nudge the local stream poller). */
  onWrite?: (storyId: string) => void;
}

/** The expected version of `If-Match: "12"` (or `W/"12"`); none for `*`, which any existing story matches. */
function expectedVersion(header: string | undefined): number | undefined {
  const tag = header?.trim();
  if (tag === undefined || tag === '*') return undefined;
  if (!ifMatchHeader.safeParse(tag).success) {
    throw new ValidationError('If-Match must be a quoted story version, e.g. "12"', [
      { pointer: '/headers/if-match', detail: 'must be a quoted version number such as "12"' },
    ]);
  }
  return Number(/\d+/.exec(tag)![0]);
}

function writeContext(c: Context<Env>): WriteContext {
  const expected = expectedVersion(c.req.header('if-match'));
  const key = c.req.header('idempotency-key');
  if (key !== undefined && !idempotencyKeyHeader.safeParse(key).success) {
    throw new ValidationError(`Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} visible ASCII characters`, [
      { pointer: '/headers/idempotency-key', detail: `must be 1 to ${MAX_IDEMPOTENCY_KEY} visible ASCII characters` },
    ]);
  }
  return {
    editor: c.get('editor')!,
    correlationId: c.get('correlationId'),
    ...(expected === undefined ? {} : { expectedVersion: expected }),
    ...(key === undefined ? {} : { idempotencyKey: key }),
  };
}

export function writeApp(deps: WriteDeps): Hono<Env> {
  const app = baseApp(deps.log);
  let openApi: Representation | undefined;

  // One structured line per write, with the correlation id and the editor (never the token).
  app.on('POST', '/api/*', async (c, next) => {
    const started = performance.now();
    await next();
    deps.log.info('write', {
      correlationId: c.get('correlationId'),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      editor: c.get('editor') ?? null,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });
  });

  /** After the response is on its way: the nudged poller's reads should not delay this answer. */
  const stored = (storyId: string) => {
    if (deps.onWrite) setImmediate(() => deps.onWrite?.(storyId));
  };

  // Its headers as a plain object, the correlation id among them: @hono/node-server writes such a
  // response as it is (Headers built and copied per write cost the append path measurably).
  const created = (c: Context<Env>, result: WriteResult, location: string) =>
    withHeadersOf(
      new Response(JSON.stringify(result.body satisfies Body<'WriteResult'>), {
        status: result.status,
        headers: {
          'content-type': 'application/json',
          location,
          etag: `"${result.body.version}"`,
          'cache-control': 'no-store',
          ...(result.replayed ? { 'idempotent-replayed': 'true' } : {}),
          'x-correlation-id': c.get('correlationId'),
        },
      }),
    );

  serveRoutes(
    app,
    'write',
    {
      // The API's contract, generated from the route table (not served by the read function, whose
      // bundle would not fit the cold-start bar with the generator). Its bytes never change while the process runs.
      openApi: (c) => {
        openApi ??= represent(JSON.stringify(openApiDocument()), 'application/json; charset=utf-8', undefined, 'public, max-age=300');
        return respond(c.req.raw, openApi);
      },

      // The desk's sign-in: the edge has accepted the token (401 otherwise) and named its editor.
      whoAmI: (c) => {
        c.header('Cache-Control', 'no-store');
        return c.json({ editor: c.get('editor')! } satisfies Body<'Editor'>);
      },

      openStory: async (c, { body }) => {
        const result = await deps.writer.openStory(body, writeContext(c));
        if (!result.replayed) stored(body.id);
        return created(c, result, `/api/stories/${body.id}`);
      },

      // serve.ts answers 404 for an id that can never name a story, before the body's schema is checked.
      recordUpdate: async (c, { body }) => {
        const storyId = c.req.param('id')!;
        const result = await deps.writer.recordUpdate(storyId, body, writeContext(c));
        if (!result.replayed) stored(storyId);
        return created(c, result, `/api/stories/${storyId}/events?after=${result.body.version - 1}&limit=1`);
      },
    },
    // What every write meets before its own schema: the editor's token and rate limit, the JSON body.
    { editor: [editorAuth(deps.tokens), editorRateLimit(deps.rateLimit ?? rateLimitFromEnv())], json: jsonBody(MAX_BODY_BYTES), bodies },
  );

  return app;
}
