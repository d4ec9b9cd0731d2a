/**
 * Registers an app's handlers from the route table. The compiler asks each app for one handler
 * per route of its own, so no route is served undocumented or documented unserved. Each handler
 * sits behind what its row asks for, in this order: the editor's edge (auth, rate limit) and the
 * JSON body (edge.ts), the story id checked, the route's own guards, the query validated, the body
 * validated. An editor's route is marked first, so that its answers carry no CORS headers (base.ts, methods.ts).
 * Only the asynchronous steps are composed as Hono middleware; the synchronous checks run in the
 * route's handler, and a public read, all of whose steps are synchronous, is one handler (which
 * Hono calls without composing a chain: the feeds' and pages' hot path).
 */
import type { Context, Hono, Handler as HonoHandler, MiddlewareHandler } from 'hono';
import * as core from 'zod/v4/core';
import { isStoryId } from '../../domain/story/story-id';
import type { Bodies } from './bodies';
import { correlate, framed, type Env } from './base';
import { problemAt, problemResponse, problems } from './problem';
import { honoPaths, isPage, queryParameters, routes, TRACKING_PARAMETER, type Route, type RouteId, type Routes } from './routes';

/** The request's validated query and JSON body, typed by the route's schemas. */
export interface Input<R> {
  query: R extends { query: infer Q extends core.$ZodType } ? core.output<Q> : undefined;
  body: R extends { body: infer B extends keyof Bodies } ? core.output<Bodies[B]> : undefined;
}

export type Handler<R> = (c: Context<Env>, input: Input<R>) => Response | Promise<Response>;

/** A handler, or one with guards of its own that run once the story id is checked, before the query and body are. */
export type Serving<R> = Handler<R> | { guards: MiddlewareHandler<Env>[]; handle: Handler<R> };

export type Handlers<App extends Route['app']> = { [K in RouteId as Routes[K]['app'] extends App ? K : never]: Serving<Routes[K]> };

/** The write API's edge: what editors' routes and JSON bodies pass through first. */
export interface Edge {
  editor: MiddlewareHandler<Env>[];
  json: MiddlewareHandler<Env>;
  /** The schemas of the bodies the routes name (bodies.ts): only the write app holds them. */
  bodies: Bodies;
}

/** A synchronous step before a handler: an answer that ends the request, or undefined to go on. */
type Check = (c: Context<Env>) => Response | undefined;

function validated(schema: core.$ZodType, from: 'query' | 'body', refuse?: Check): Check {
  // Most reads come without a query string (a page, a feed poll): their answer is parsed once.
  let noQuery: ReturnType<typeof core.safeParse> | undefined;
  return (c) => {
    const refused = refuse?.(c);
    if (refused) return refused;
    const input =
      from === 'query' && !c.req.url.includes('?')
        ? (noQuery ??= core.safeParse(schema, {}))
        : core.safeParse(schema, from === 'query' ? c.req.query() : c.get('body'));
    if (!input.success) return from === 'query' ? problemResponse(c, problems.query(input.error)) : problemAt(c, problems.validation(input.error));
    c.set(from, input.data);
    return undefined;
  };
}

/**
 * A public GET reads the query parameters of its route and no others: an unknown one is a 400
 * naming it, never ignored, so a made-up parameter cannot turn a read into a cache entry of its
 * own (on a direct request to the origin; CloudFront forwards only the known ones). Pages ignore
 * the tracking parameters of shared links. Checked inside the route's last handler (or its query
 * validation), not as a middleware of its own: the common read has no query string (one
 * indexOf), and a feed's chain stays as short as it was (Hono calls a lone handler without composing).
 */
function unknownQuery(route: Route): Check | undefined {
  if (route.method !== 'get' || route.editor) return undefined;
  const known = queryParameters(route);
  const allowed = new Set(known);
  const tolerated = isPage(route) ? TRACKING_PARAMETER : undefined;
  return (c) => {
    const url = c.req.url;
    const at = url.indexOf('?');
    if (at === -1) return undefined;
    const unknown = [...new Set(new URLSearchParams(url.slice(at + 1)).keys())].filter((name) => !allowed.has(name) && !tolerated?.test(name));
    return unknown.length > 0 ? problemResponse(c, problems.unknownQuery(unknown, known)) : undefined;
  };
}

/**
 * An `{id}` that can never name a story names none: 404 on every route with one, before its query
 * or body is looked at and before any store is asked (an over-long id would break DynamoDB's key
 * limits). The detail does not echo the id back.
 */
function possibleStoryId(answer: typeof problemAt): Check {
  return (c) => {
    const storyId = c.req.param('id')!;
    return isStoryId(storyId) ? undefined : answer(c, problems.storyNotFound(storyId, 'hides-id'));
  };
}

/** A check as a step of a composed chain. */
const step =
  (check: Check): MiddlewareHandler<Env> =>
  async (c, next) => {
    const refused = check(c);
    if (refused) return refused;
    await next();
  };

/**
 * The first step of a composed chain: the correlation id (and an editor's route marked, so that
 * its answers carry no CORS headers), and on the way out what every answer carries (base.ts).
 */
const frame =
  (editor: boolean): MiddlewareHandler<Env> =>
  async (c, next) => {
    correlate(c);
    if (editor) c.set('editorRoute', true);
    await next();
    const res = framed(c, c.res);
    if (res !== c.res) {
      c.res = undefined; // replace the answer whole (assigning over it would keep the old headers)
      c.res = res;
    }
  };

/** The route's handler behind its synchronous checks, in order: the first refusal is the answer. */
function checked<R>(checks: Check[], handle: Handler<R>, input: (c: Context<Env>) => Input<R>) {
  return (c: Context<Env>): Response | Promise<Response> => {
    for (const check of checks) {
      const refused = check(c);
      if (refused) return refused;
    }
    return handle(c, input(c));
  };
}

export function serveRoutes<App extends Route['app']>(app: Hono<Env>, which: App, handlers: Handlers<App>, edge?: Edge): void {
  for (const [id, route] of Object.entries(routes) as [RouteId, Route][]) {
    if (route.app !== which) continue;
    const serving = (handlers as Record<string, Serving<Route>>)[id]!;
    const { guards, handle } = typeof serving === 'function' ? { guards: [], handle: serving } : serving;
    const refuse = unknownQuery(route);
    if ((route.editor || route.body) && !edge) throw new Error(`route ${id} needs the write edge`);
    // A write's refusals name the request path (`instance`), as the edge's do.
    const storyId = route.path.includes('{id}') ? [possibleStoryId(route.editor ? problemAt : problemResponse)] : [];
    const query: Check[] = [
      ...(route.query ? [validated(route.query, 'query', refuse)] : []),
      // Without a query schema, the unknown parameters are refused here (with one, by `validated`).
      ...(refuse && !route.query ? [refuse] : []),
    ];
    const input = (c: Context<Env>) => ({ query: c.get('query'), body: c.get('body') }) as Input<Route>;
    const paths = honoPaths(route.path);
    if (!route.editor && !route.body && guards.length === 0) {
      // Every step synchronous (a public read): one handler, which Hono calls without composing a chain.
      const run = checked([...storyId, ...query], handle, input);
      const lone: HonoHandler<Env> = (c): Response | Promise<Response> => {
        correlate(c);
        const res = run(c);
        return res instanceof Promise ? res.then((r: Response) => framed(c, r)) : framed(c, res);
      };
      app.on(route.method.toUpperCase(), paths, lone);
      continue;
    }
    // The asynchronous steps (the editor's edge, the body read, the route's guards) as a chain;
    // the synchronous checks after the last of them run in its handler.
    const bodyCheck = route.body ? [validated(edge!.bodies[route.body], 'body')] : [];
    const chain: MiddlewareHandler<Env>[] = [
      frame(!!route.editor),
      ...(route.editor ? edge!.editor : []),
      ...(route.body ? [edge!.json] : []),
      ...(guards.length > 0 ? [...storyId.map(step), ...guards] : []),
    ];
    const last: HonoHandler<Env> = checked([...(guards.length > 0 ? [] : storyId), ...query, ...bodyCheck], handle, input);
    app.on(route.method.toUpperCase(), paths, ...([...chain, last] as unknown as [HonoHandler<Env>, ...HonoHandler<Env>[]]));
  }
}
