/**
 * The editors' write API: authenticated, rate-limited, validated, idempotent appends.
 *
 * Every refusal is decided here before the writer is called (401, 429, 415, 413, 400) or by a
 * typed error from the writer (404, 409, 412, 422), mapped once in problem.ts. Nothing is stored
 * for a refused request.
 */
import type { Context, Hono } from 'hono';
import { ValidationError } from '../../domain/errors';
import { openStorySchema, storyIdSchema, updateSchema } from '../../domain/story/updates';
import type { StoryWriter, WriteContext, WriteResult } from '../../application/story-writer';
import { authenticate, type Editor, type TokenTable } from './auth';
import { baseApp, type Env, type Log } from './base';
import { represent, respond, type Representation } from './conditional';
import { openApiDocument } from './openapi';
import { problemAt, problems, type Problem } from './problem';
import { MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY } from './limits';
import { rateLimitFromEnv, TokenBuckets, type RateLimit } from './rate-limit';

export { MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY };

export interface WriteDeps {
  writer: StoryWriter;
  tokens: () => Promise<TokenTable> | TokenTable;
  log: Log;
  /** Per-editor write limit of this process; default from NEWSROOM_WRITE_RATE / NEWSROOM_WRITE_BURST. */
  rateLimit?: RateLimit;
  /** Called after every stored write (e.g. to nudge the local stream poller). */
  onWrite?: (storyId: string) => void;
}

type Refusal = { ok: false; problem: Problem; headers?: Record<string, string> };

const refuse = (p: Problem, headers?: Record<string, string>): Refusal => ({ ok: false, problem: p, ...(headers ? { headers } : {}) });

/** `application/json`, optionally with `charset=utf-8`: the only body this API reads. */
const JSON_MEDIA_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

async function readJson(c: Context): Promise<{ ok: true; body: unknown } | Refusal> {
  const type = c.req.header('content-type');
  if (type === undefined || !JSON_MEDIA_TYPE.test(type.trim())) {
    return refuse(problems.unsupportedMediaType(), { Accept: 'application/json' });
  }
  const tooLarge = refuse(problems.payloadTooLarge(MAX_BODY_BYTES));
  const declared = c.req.header('content-length');
  let bytes: Uint8Array;
  if (declared !== undefined) {
    // The HTTP parser holds the body to its Content-Length, so a declared size within the limit
    // can be read whole, on @hono/node-server's direct (no web stream) path: the common, fast case.
    if (!/^\d+$/.test(declared) || Number(declared) > MAX_BODY_BYTES) return tooLarge;
    bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > MAX_BODY_BYTES) return tooLarge;
  } else {
    // No Content-Length (chunked): count while reading and stop at the limit, so such a body is
    // never buffered whole before it is refused.
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = c.req.raw.body?.getReader();
    if (reader) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > MAX_BODY_BYTES) {
          await reader.cancel().catch(() => undefined);
          return tooLarge;
        }
        chunks.push(value);
      }
    }
    bytes = Buffer.concat(chunks);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refuse(problems.notUtf8());
  }
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch {
    return refuse(problems.malformedJson());
  }
}

/** `"12"` (or `W/"12"`, or `*`, which any existing story matches). */
function parseIfMatch(header: string | undefined): number | undefined | 'invalid' {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(header);
  return match ? Number(match[1]) : 'invalid';
}

function writeContext(c: Context<Env>, editor: Editor): WriteContext {
  const expected = parseIfMatch(c.req.header('if-match'));
  if (expected === 'invalid') {
    throw new ValidationError('If-Match must be a quoted story version, e.g. "12"', [
      { pointer: '/headers/if-match', detail: 'must be a quoted version number such as "12"' },
    ]);
  }
  const key = c.req.header('idempotency-key');
  if (key !== undefined && !new RegExp(`^[\\x21-\\x7e]{1,${MAX_IDEMPOTENCY_KEY}}$`).test(key)) {
    throw new ValidationError(`Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} visible ASCII characters`, [
      { pointer: '/headers/idempotency-key', detail: `must be 1 to ${MAX_IDEMPOTENCY_KEY} visible ASCII characters` },
    ]);
  }
  return {
    editor: editor.name,
    correlationId: c.get('correlationId'),
    ...(expected === undefined ? {} : { expectedVersion: expected }),
    ...(key === undefined ? {} : { idempotencyKey: key }),
  };
}

export function writeApp(deps: WriteDeps): Hono<Env> {
  const app = baseApp(deps.log);
  const buckets = new TokenBuckets(deps.rateLimit ?? rateLimitFromEnv());
  let openApi: Representation | undefined;

  // The API's contract, generated from the zod schemas this function validates with (served here,
  // not by the read function, whose bundle would not fit the cold-start bar with the generator).
  // Its bytes never change while the process runs.
  app.get('/api/openapi.json', (c) => {
    openApi ??= represent(JSON.stringify(openApiDocument()), 'application/json; charset=utf-8', undefined, 'public, max-age=300');
    return respond(c.req.raw, openApi);
  });

  // One structured line per write, with the correlation id and the editor (never the token).
  app.use('/api/*', async (c, next) => {
    if (c.req.method !== 'POST') return next();
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

  /** Authentication, rate limit, body: what every write needs before its own schema. */
  const admit = async (c: Context<Env>): Promise<{ ok: true; editor: Editor; body: unknown } | Refusal> => {
    const auth = authenticate(c.req.header('authorization'), await deps.tokens());
    if (!auth.ok) {
      const error = auth.reason === 'missing' ? '' : `, error="invalid_token"`;
      return refuse(problems.unauthorized(auth.reason), { 'WWW-Authenticate': `Bearer realm="newsroom"${error}` });
    }
    c.set('editor', auth.editor.name);
    const admission = buckets.take(auth.editor.name);
    if (!admission.ok) {
      return refuse(problems.rateLimited(admission.retryAfterSeconds), { 'Retry-After': String(admission.retryAfterSeconds) });
    }
    const parsed = await readJson(c);
    return parsed.ok ? { ok: true, editor: auth.editor, body: parsed.body } : parsed;
  };

  const refused = (c: Context<Env>, r: Refusal) => problemAt(c, r.problem, r.headers);

  /** After the response is on its way: the nudged poller's reads should not delay this answer. */
  const stored = (storyId: string) => {
    if (deps.onWrite) setImmediate(() => deps.onWrite?.(storyId));
  };

  const created = (c: Context<Env>, result: WriteResult, location: string) => {
    c.header('Location', location);
    c.header('ETag', `"${result.body.version}"`);
    c.header('Cache-Control', 'no-store');
    if (result.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(result.body, result.status as 201);
  };

  app.post('/api/stories', async (c) => {
    const admitted = await admit(c);
    if (!admitted.ok) return refused(c, admitted);
    const input = openStorySchema.safeParse(admitted.body);
    if (!input.success) return refused(c, refuse(problems.validation(input.error)));
    const result = await deps.writer.openStory(input.data, writeContext(c, admitted.editor));
    if (!result.replayed) stored(input.data.id);
    return created(c, result, `/api/stories/${input.data.id}`);
  });

  app.post('/api/stories/:id/updates', async (c) => {
    const storyId = c.req.param('id');
    const admitted = await admit(c);
    if (!admitted.ok) return refused(c, admitted);
    // An id that can never name a story cannot name this one.
    if (!storyIdSchema.safeParse(storyId).success) {
      return refused(c, refuse(problems.storyNotFound(storyId, 'hides-id')));
    }
    const input = updateSchema.safeParse(admitted.body);
    if (!input.success) return refused(c, refuse(problems.validation(input.error)));
    const result = await deps.writer.recordUpdate(storyId, input.data, writeContext(c, admitted.editor));
    if (!result.replayed) stored(storyId);
    return created(c, result, `/api/stories/${storyId}/events?after=${result.body.version - 1}&limit=1`);
  });

  return app;
}
