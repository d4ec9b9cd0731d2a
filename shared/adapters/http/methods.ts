/**
 * What a request that matches no handler gets, and the CORS policy; both from the route table, so
 * they hold on Lambda (each app alone) and locally (both apps mounted on one Hono app, whose own
 * fallback this is too, see functions/local/server.ts):
 *
 * - a path of the table with another method: 405 with `Allow` (problem+json); OPTIONS: 204 with `Allow`;
 * - a GET of a feed's path in a format there is none of (`feed.xml`): 404, no such feed format;
 * - any other path: 404 (problem+json).
 *
 * CORS: public reads are for everyone, browser-based readers included: every GET/HEAD answer of a
 * public route (and every 404/405 to a GET) says `Access-Control-Allow-Origin: *` (representations
 * carry it from conditional.ts, base.ts adds it to every other answer: no middleware of its own on
 * the feeds' hot path); a preflight of a public read (a script sending If-None-Match) is approved
 * for GET and HEAD only. The editors' write API has no CORS at all: its preflight is answered
 * without Access-Control-* headers, so a browser never sends a cross-origin write (the desk is
 * same-origin; the CLI is not a browser), and an editor's token cannot be put to use by another
 * site's script.
 */
import type { Context } from 'hono';
import { FEED_FORMATS } from '../../domain/feeds/urls';
import { problemAt, problemResponse, problems } from './problem';
import { routes, type Route } from './routes';

/** Response headers a cross-origin script may read besides the CORS-safelisted ones. */
const EXPOSED = 'ETag, X-Correlation-Id, Retry-After, Allow';
/** Request headers a preflight approves for public reads: the validators of a conditional GET. */
const PREFLIGHT_HEADERS = 'If-None-Match, If-Modified-Since';

/** What every answer to a public GET/HEAD says (base.ts adds them; editor routes are marked and left out). */
export const PUBLIC_READ_HEADERS = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': EXPOSED } as const;

/** A route's OpenAPI path as an anchored pattern (`{format}` is a word, any other parameter one segment). */
function pattern(path: string): RegExp {
  const source = path
    .split(/(\{\w+\})/)
    .map((part) => (part === '{format}' ? '[a-z]+' : /^\{\w+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

const table = (Object.values(routes) as Route[]).map((route) => ({ route, pattern: pattern(route.path) }));

const hasFeedFormat = (path: string) => (FEED_FORMATS as readonly string[]).includes(path.slice(path.lastIndexOf('.') + 1));

/** The routes of the table at `path`, whatever their method. */
const routesAt = (path: string) => table.filter((t) => t.pattern.test(path)).map((t) => t.route);

function allowOf(at: Route[]): string {
  const methods = new Set(at.flatMap((r) => (r.method === 'get' ? ['GET', 'HEAD'] : ['POST'])));
  return [...methods, 'OPTIONS'].join(', ');
}

/** The fallback of every app: 405 with Allow, OPTIONS (with a preflight for public reads), or 404. */
export function unmatched(c: Context): Response {
  const method = c.req.method;
  const at = routesAt(c.req.path);
  // GET and HEAD answers get the CORS headers of public reads from base.ts, as every route's do.
  if (at.length === 0) return problemAt(c, problems.noSuchResource());
  // A feed's path in a format there is none of (`feed.xml`): each format has a path of its own (routes.ts honoPaths).
  if ((method === 'GET' || method === 'HEAD') && at.some((r) => r.method === 'get' && r.path.endsWith('.{format}')) && !hasFeedFormat(c.req.path)) {
    return problemResponse(c, problems.noSuchFeedFormat());
  }
  const allow = allowOf(at);
  if (method === 'OPTIONS') {
    const headers: Record<string, string> = { Allow: allow, 'Cache-Control': 'public, max-age=86400' };
    // The same answer with or without Origin, so that a shared cache may keep it.
    if (at.some((r) => r.method === 'get' && !r.editor)) {
      Object.assign(headers, {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, HEAD',
        'Access-Control-Allow-Headers': PREFLIGHT_HEADERS,
        'Access-Control-Max-Age': '86400',
      });
    }
    return new Response(null, { status: 204, headers });
  }
  return problemAt(c, problems.methodNotAllowed(allow), { Allow: allow });
}
