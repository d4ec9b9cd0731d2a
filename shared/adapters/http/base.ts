/**
 * What every Hono app of the API shares: correlation ids, problem+json errors, logging.
 * The same apps run on Lambda (hono/aws-lambda) and locally (@hono/node-server).
 */
import { Hono } from 'hono';
import type { Log } from '../../application/ports';
import { hasCorrelationId, hasPublicReadHeaders, noteCorrelationId } from './conditional';
import { PUBLIC_READ_HEADERS, unmatched } from './methods';
import { problemAt, problemFor, problemHeadersFor } from './problem';

/**
 * Set on the way to a handler: `editorRoute` first on an editor's route, `editor` once a token is
 * accepted (edge.ts), `body` and `query` once read and validated (serve.ts).
 */
export type Env = { Variables: { correlationId: string; editor?: string; editorRoute?: true; body?: unknown; query?: unknown } };

/** What the store itself said (`ThrottlingException: …`, `ECONNREFUSED`), for the operator. */
function causeOf(error: Error): string | undefined {
  const cause = error.cause as (Error & { code?: string }) | undefined;
  if (!(cause instanceof Error)) return undefined;
  return [cause.name, cause.code, cause.message].filter(Boolean).join(': ');
}

export function baseApp(log: Log): Hono<Env> {
  const app = new Hono<Env>();
  app.use('*', async (c, next) => {
    // One id per request, also when apps are mounted in one (the local server): the outer one's.
    const correlationId = c.get('correlationId') ?? (c.req.header('x-correlation-id')?.slice(0, 100) || crypto.randomUUID());
    c.set('correlationId', correlationId);
    // Representations (conditional.ts) put it among the headers they build.
    noteCorrelationId(c.req.raw, correlationId);
    await next();
    // On the response itself: c.header() after the handler re-creates the Response around a
    // stream of its body, which costs cached bytes (feeds) the fast path of @hono/node-server.
    if (!hasCorrelationId(c.res)) {
      try {
        c.res.headers.set('X-Correlation-Id', correlationId);
      } catch {
        c.header('X-Correlation-Id', correlationId); // immutable headers (e.g. a fetched Response)
      }
    }
    // Any origin may read what a GET or HEAD of anything but an editor's route answers (methods.ts);
    // representations (conditional.ts) carry the headers from the start.
    const method = c.req.method;
    if ((method === 'GET' || method === 'HEAD') && !c.get('editorRoute') && !hasPublicReadHeaders(c.res)) {
      for (const [name, value] of Object.entries(PUBLIC_READ_HEADERS)) c.header(name, value);
    }
  });
  app.onError((error, c) => {
    const p = problemFor(error);
    if (p.status === 503) {
      // A store that is down or throttling is an operating condition, not a bug: no stack, a warning.
      log.warn('store unavailable', { correlationId: c.get('correlationId'), path: c.req.path, error: String(error), cause: causeOf(error) });
    } else if (p.status >= 500) {
      log.error('request failed', {
        correlationId: c.get('correlationId'),
        path: c.req.path,
        error: String(error),
        stack: error instanceof Error ? error.stack : undefined,
      });
    }
    return problemAt(c, p, problemHeadersFor(error));
  });
  // 404, or 405 with Allow for a path of the route table (methods.ts).
  app.notFound(unmatched);
  return app;
}
