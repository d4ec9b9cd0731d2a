/**
 * The write API's edge as Hono middleware, in the order a write meets it: the editor's token (401),
 * the editor's rate limit (429), then the body: JSON only (415), bounded (413), UTF-8 JSON (400).
 * A refusal is problem+json naming the request path, and nothing behind it runs, so nothing is
 * stored. Hono's own bodyLimit is not used: it trusts a declared Content-Length (a malformed one
 * passes) and would answer 413 before 415; these answers are the API's contract.
 */
import type { Context, HonoRequest, MiddlewareHandler } from 'hono';
import { authenticate, type AuthResult, type TokenTable } from './auth';
import type { Env } from './base';
import { problemAt, problems } from './problem';
import { TokenBuckets, type RateLimit } from './rate-limit';

/** Accepts an editor's bearer token and names the editor (`c.var.editor`) for the routes and the logs. */
export function editorAuth(tokens: () => Promise<TokenTable> | TokenTable): MiddlewareHandler<Env> {
  return async (c, next) => {
    const auth = authenticate(c.req.header('authorization'), await tokens());
    if (!auth.ok) return refused(c, auth.reason);
    c.set('editor', auth.editor.name);
    await next();
  };
}

/**
 * For a public read that an editor may read in full: without Authorization the request goes on as
 * the public's; with it, the token must be an editor's (`c.var.editor`), else 401, so that an
 * editor never mistakes the public answer for the full one. Either answer varies on the header.
 */
export function editorIfPresent(tokens: (() => Promise<TokenTable> | TokenTable) | undefined): MiddlewareHandler<Env> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const auth = authenticate(header, tokens ? await tokens() : { hashes: [] });
      if (!auth.ok) return refused(c, auth.reason, { Vary: 'Authorization' });
      c.set('editor', auth.editor.name);
    }
    await next();
  };
}

/**
 * For a read that only editors may make, served by the read function: the route is marked an
 * editor's (no CORS headers, base.ts), and without an editor's token it is a 401.
 */
export function editorRequired(tokens: (() => Promise<TokenTable> | TokenTable) | undefined): MiddlewareHandler<Env> {
  return async (c, next) => {
    c.set('editorRoute', true);
    const auth = authenticate(c.req.header('authorization'), tokens ? await tokens() : { hashes: [] });
    if (!auth.ok) return refused(c, auth.reason, { Vary: 'Authorization', 'Cache-Control': 'no-store' });
    c.set('editor', auth.editor.name);
    await next();
  };
}

function refused(c: Context<Env>, reason: (AuthResult & { ok: false })['reason'], headers: Record<string, string> = {}) {
  const error = reason === 'missing' ? '' : `, error="invalid_token"`;
  return problemAt(c, problems.unauthorized(reason), { 'WWW-Authenticate': `Bearer realm="newsroom"${error}`, ...headers });
}

/** A token bucket per editor (see rate-limit.ts); behind editorAuth. */
export function editorRateLimit(limit: RateLimit): MiddlewareHandler<Env> {
  const buckets = new TokenBuckets(limit);
  return async (c, next) => {
    const admission = buckets.take(c.get('editor')!);
    if (!admission.ok) {
      return problemAt(c, problems.rateLimited(admission.retryAfterSeconds), { 'Retry-After': String(admission.retryAfterSeconds) });
    }
    await next();
  };
}

/** `application/json`, optionally with `charset=utf-8`: the only body this API reads. */
/** Stateless for a whole-buffer decode (no `stream` option): one for every request. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

const JSON_MEDIA_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/** Reads the body as JSON of at most `maxBytes` bytes into `c.var.body`. */
export function jsonBody(maxBytes: number): MiddlewareHandler<Env> {
  return async (c, next) => {
    const type = c.req.header('content-type');
    if (type === undefined || !JSON_MEDIA_TYPE.test(type.trim()))
      return problemAt(c, problems.unsupportedMediaType(), { Accept: 'application/json' });
    const bytes = await readBounded(c.req, maxBytes);
    if (!bytes) return problemAt(c, problems.payloadTooLarge(maxBytes));
    let text: string;
    try {
      text = UTF8.decode(bytes);
    } catch {
      return problemAt(c, problems.notUtf8());
    }
    try {
      c.set('body', JSON.parse(text));
    } catch {
      return problemAt(c, problems.malformedJson());
    }
    await next();
  };
}

/** The body's bytes, or undefined when it holds more than `maxBytes`. */
async function readBounded(req: HonoRequest, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = req.header('content-length');
  if (declared !== undefined) {
    // The HTTP parser holds the body to its Content-Length, so a declared size within the limit
    // can be read whole, on @hono/node-server's direct (no web stream) path: the common, fast case.
    if (!/^\d+$/.test(declared) || Number(declared) > maxBytes) return undefined;
    const bytes = new Uint8Array(await req.arrayBuffer());
    return bytes.byteLength > maxBytes ? undefined : bytes;
  }
  // No Content-Length (chunked): count while reading and stop at the limit, so such a body is
  // never buffered whole before it is refused.
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.raw.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        return undefined;
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks);
}
