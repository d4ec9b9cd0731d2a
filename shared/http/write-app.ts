/** The editors' write API: authenticated, validated, idempotent appends. */
import type { Context } from 'hono';
import { ValidationError } from '../errors';
import { openStorySchema, storyIdSchema, updateSchema } from '../story/updates';
import type { StoryWriter, WriteResult } from '../store/story-writer';
import { authenticate, type TokenTable } from './auth';
import { baseApp, type Env, type Log } from './base';
import { problem, problemResponse, validationProblem } from './problem';
import type { Hono } from 'hono';

export const MAX_BODY_BYTES = 64 * 1024;

export interface WriteDeps {
  writer: StoryWriter;
  tokens: () => Promise<TokenTable> | TokenTable;
  log: Log;
  /** Called after every stored write (e.g. to nudge the local stream poller). */
  onWrite?: (storyId: string) => void;
}


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
  const app = baseApp(deps.log);

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
