/**
 * What every Hono app of the API shares: correlation ids, problem+json errors, logging.
 * The same apps run on Lambda (hono/aws-lambda) and locally (@hono/node-server).
 */
import { Hono, type Context, type NotFoundHandler } from 'hono';
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

/**
 * The request's correlation id (its own X-Correlation-Id, or a new one), set once: the first step
 * of every route (serve.ts) and of the fallbacks. Representations (conditional.ts) put it among
 * the headers they build.
 */
export function correlate(c: Context<Env>): string {
  let id = c.get('correlationId');
  if (id === undefined) {
    // One id per request, also when apps are mounted in one (the local server).
    id = c.req.header('x-correlation-id')?.slice(0, 100) || crypto.randomUUID();
    c.set('correlationId', id);
    noteCorrelationId(c.req.raw, id);
  }
  return id;
}

function setHeader(res: Response, name: string, value: string): Response {
  try {
    res.headers.set(name, value);
    return res;
  } catch {
    // Immutable headers (e.g. a fetched Response): the same answer around a copy of them.
    const copy = new Response(res.body, res);
    copy.headers.set(name, value);
    return copy;
  }
}

/**
 * What every answer carries, whoever made it (a route, a refusal, the error handler, the 404/405
 * fallback): its request's X-Correlation-Id, and on a GET or HEAD of anything but an editor's route
 * the CORS headers of a public read (methods.ts). Representations (conditional.ts) carry both
 * from the start, so that cached bytes keep the fast path of @hono/node-server (a Response whose
 * headers are touched is rebuilt around a stream of its body).
 *
 * Applied per route (serve.ts), not as a `*` middleware: a middleware makes every request of
 * the app compose an async chain, which measured about 20 µs of CPU of a cached feed GET's 80
 * (docs/benchmarks.md), while a route whose steps are all synchronous checks runs as one handler.
 */
export function framed(c: Context<Env>, res: Response): Response {
  const id = correlate(c);
  if (!hasCorrelationId(res)) res = setHeader(res, 'X-Correlation-Id', id);
  const method = c.req.method;
  if ((method === 'GET' || method === 'HEAD') && !c.get('editorRoute') && !hasPublicReadHeaders(res)) {
    for (const [name, value] of Object.entries(PUBLIC_READ_HEADERS)) res = setHeader(res, name, value);
  }
  return res;
}

/** The fallback of every app (and of the local server's, which mounts them): 404, or 405 with Allow (methods.ts). */
export const notFound: NotFoundHandler = (c) => framed(c as Context<Env>, unmatched(c));

export function baseApp(log: Log): Hono<Env> {
  const app = new Hono<Env>();
  app.onError((error, c) => {
    correlate(c);
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
    return framed(c, problemAt(c, p, problemHeadersFor(error)));
  });
  app.notFound(notFound);
  return app;
}
