/**
 * The route table: every route of the API, once. Both Hono apps register their handlers from it
 * (serve.ts: the compiler asks each app for a handler per route of its own) and openapi.ts
 * generates the document's paths from it, so what is served and what is documented cannot part.
 * It is part of the read bundle: plain data and zod schemas, no generator.
 */
import type * as core from 'zod/v4/core';
import type { Bodies } from './bodies';
import { MAX_BODY_BYTES } from './limits';
import { FEED_FORMATS } from '../../domain/feeds/urls';
import {
  changesQuery,
  deskQuery,
  eventsQuery,
  frontPageQuery,
  idempotencyKeyHeader,
  ifMatchHeader,
  pageQuery,
  storyListQuery,
  viewQuery,
} from './requests';
import type { ResponseBody } from './responses';

/** A response header, in OpenAPI form. */
export interface HeaderDoc {
  description?: string;
  schema: { type: 'string' | 'integer' };
}

/** What a route answers with one status. */
export interface Answer {
  description: string;
  headers?: Record<string, HeaderDoc>;
  /** JSON (a schema of responses.ts, by name), problem+json, an HTML page, a feed in the format of its path, or a static asset. */
  body?: { json: ResponseBody } | 'problem' | 'html' | 'feed' | 'asset';
}

export interface Route {
  method: 'get' | 'post';
  /** OpenAPI form, `{name}` for a path parameter; `<name>.{format}` (feed, key-events) stands for one path per feed format. */
  path: string;
  /** The Lambda function (and Hono app) that serves it. */
  app: 'read' | 'write';
  /** `{format}` in a feed route's summary is the format's name. */
  summary: string;
  description?: string;
  /** Needs an editor's bearer token; the editor's rate limit applies. */
  editor?: true;
  /** A read only editors may make, served by the read function: its own guard checks the token (documented as the editor's). */
  editorRead?: true;
  query?: core.$ZodObject | core.$ZodType;
  /** Request headers the route reads, by name. */
  headers?: Record<string, core.$ZodType>;
  /** The JSON request body, by its name in bodies.ts. */
  body?: keyof Bodies;
  responses: Record<number, Answer>;
}

/** The query parameters a route reads (its schema's keys): any other is refused (serve.ts), and only these are in CloudFront's cache key for its path (infra/constructs/cdn.ts). */
export function queryParameters(route: Route): string[] {
  const shape = (route.query as core.$ZodObject | undefined)?._zod.def.shape;
  return shape ? Object.keys(shape) : [];
}

/**
 * Parameters that links shared on the web arrive with (campaign and click ids): an HTML page
 * ignores them rather than refuse a reader, and CloudFront neither keys on them nor forwards them.
 */
export const TRACKING_PARAMETER = /^(?:utm_[a-z_]+|fbclid|gclid|msclkid|mc_cid|mc_eid)$/;

/** Answers an HTML page (a reader's browser), rather than data for a program. */
export const isPage = (route: Route) => route.responses[200]?.body === 'html';

/**
 * The table's path in the forms Hono routes by: a feed's path (`….{format}`) as one static path per
 * format, so that every path is one Hono's RegExpRouter takes (two routes with different patterns
 * in one segment, `:file{feed\\.[a-z]+}` and `:file{key-events\\.[a-z]+}`, sent every request to
 * its slower TrieRouter). Another format (`feed.xml`) matches no route: the fallback answers it
 * (methods.ts).
 */
export const honoPaths = (path: string): string[] =>
  (path.includes('.{format}') ? FEED_FORMATS.map((format) => path.replace('{format}', format)) : [path]).map((p) => p.replace(/\{(\w+)\}/g, ':$1'));

const conditionalGet: Record<string, HeaderDoc> = {
  ETag: { description: 'Strong validator of the bytes.', schema: { type: 'string' } },
  'Last-Modified': { description: 'When the story last changed.', schema: { type: 'string' } },
  'Cache-Control': { schema: { type: 'string' } },
};
const ok = (description: string, body: Answer['body']): Answer => ({ description, headers: conditionalGet, body });
const problem = (description: string, headers?: Record<string, HeaderDoc>): Answer => ({
  description,
  ...(headers ? { headers } : {}),
  body: 'problem',
});
const notModified: Answer = { description: 'Not modified.' };

/** What every write can answer: the edge's refusals (edge.ts), a bad body, the writer's conflicts. */
const written = {
  201: {
    description: 'Recorded. A retry with the same Idempotency-Key and body returns this same response (with `Idempotent-Replayed: true`).',
    headers: {
      Location: { schema: { type: 'string' } },
      ETag: { description: 'The new story version, quoted: use it as the next If-Match.', schema: { type: 'string' } },
      'Idempotent-Replayed': { description: 'Present (true) when this is the stored first response.', schema: { type: 'string' } },
    },
    body: { json: 'WriteResult' },
  },
  400: problem('Malformed JSON, a field that breaks the schema, an unknown field, a bad header. `errors` names each field.'),
  401: problem('Missing, malformed or wrong bearer token.', {
    'WWW-Authenticate': { description: 'Bearer realm="newsroom"', schema: { type: 'string' } },
  }),
  409: problem('Conflicts with the story (it exists already; the target is retracted) or the Idempotency-Key is still in flight.'),
  413: problem(`The body is over ${MAX_BODY_BYTES} bytes.`),
  415: problem('Content-Type is not application/json.', { Accept: { description: 'application/json', schema: { type: 'string' } } }),
  422: problem('The Idempotency-Key was used before with a different request.'),
  429: problem('This editor is over its write rate.', { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } }),
} satisfies Record<number, Answer>;

const feed = { description: 'The feed; its bytes change only when its content does.', headers: conditionalGet, body: 'feed' } satisfies Answer;

export const routes = {
  listStories: {
    method: 'get',
    path: '/api/stories',
    app: 'read',
    summary: 'The story list, a page at a time',
    query: storyListQuery,
    responses: {
      200: ok('A page of stories, newest activity first; `next` is the cursor of the page after it (older activity).', { json: 'StoryList' }),
      304: notModified,
      400: problem('A bad query parameter (a limit out of range, a cursor that no page gave).'),
    },
  },
  openStory: {
    method: 'post',
    path: '/api/stories',
    app: 'write',
    summary: 'Open a story',
    editor: true,
    headers: { 'Idempotency-Key': idempotencyKeyHeader },
    body: 'openStory',
    responses: written,
  },
  getStory: {
    method: 'get',
    path: '/api/stories/{id}',
    app: 'read',
    summary: 'The developing-story view, now or as it stood at a version or a time',
    query: viewQuery,
    responses: {
      200: ok('The view.', { json: 'StoryView' }),
      304: { description: 'Not modified (If-None-Match / If-Modified-Since).' },
      400: problem('A bad query parameter (e.g. both version and asOf).'),
      404: problem('No such story, or it did not exist yet at that version or time.'),
    },
  },
  recordUpdate: {
    method: 'post',
    path: '/api/stories/{id}/updates',
    app: 'write',
    summary: 'Record one update: an article, a statement, a correction, a retraction, a headline or a status',
    description:
      'An article or a statement with `releaseAt` is embargoed: recorded now (201 with `releaseAt`), public from that time on. ' +
      'Before its release a correction of it folds in silently, a retraction cancels it (nothing of it is ever public), a ' +
      '`reschedule` moves it; a `pin` or `key-event` of it is refused (409).',
    editor: true,
    headers: { 'If-Match': ifMatchHeader, 'Idempotency-Key': idempotencyKeyHeader },
    body: 'update',
    responses: {
      ...written,
      404: problem('No such story, or the correction/retraction target is not an update of this story.'),
      412: problem('If-Match named a version the story is no longer (or never was) at.'),
    },
  },
  listEvents: {
    method: 'get',
    path: '/api/stories/{id}/events',
    app: 'read',
    summary: 'The raw event log, oldest first, paginated',
    description:
      "Public reads mask what a retraction withdrew (see `withheld`). With an editor's `Authorization: Bearer <token>` it is the " +
      'full record, answered `Cache-Control: private, no-store`; every answer varies on Authorization.',
    query: eventsQuery,
    responses: {
      200: ok('One page of events; follow `next` until it is absent.', { json: 'EventsPage' }),
      304: notModified,
      400: problem('A bad query parameter.'),
      401: problem("An Authorization header that is not an editor's bearer token.", {
        'WWW-Authenticate': { description: 'Bearer realm="newsroom"', schema: { type: 'string' } },
      }),
      404: problem('No such story.'),
    },
  },
  listScheduled: {
    method: 'get',
    path: '/api/stories/{id}/scheduled',
    app: 'read',
    editorRead: true,
    summary: "The story's pending releases (embargoed updates), soonest first: editors only",
    description:
      "Needs an editor's `Authorization: Bearer <token>`. Each with its full content, as corrected so far. Answered " +
      '`Cache-Control: private, no-store`. Cancel one with a retraction of it, move it with a `reschedule` update. Behind ' +
      'CloudFront it is one of the editor paths, which pass the token on (docs/deploy.md, "The desk on AWS").',
    responses: {
      200: { description: 'The pending releases.', headers: { 'Cache-Control': { schema: { type: 'string' } } }, body: { json: 'ScheduledList' } },
      401: problem("No editor's bearer token.", { 'WWW-Authenticate': { description: 'Bearer realm="newsroom"', schema: { type: 'string' } } }),
      404: problem('No such story.'),
    },
  },
  storyFeed: {
    method: 'get',
    path: '/stories/{id}/feed.{format}',
    app: 'read',
    summary: "The story's {format} feed",
    responses: { 200: feed, 304: notModified, 404: problem('No such story.') },
  },
  keyEventsFeed: {
    method: 'get',
    path: '/stories/{id}/key-events.{format}',
    app: 'read',
    summary: "The story's key events as a {format} feed",
    description:
      'The latest key events, newest first by when they happened; a key event retracted since shows its notice only (Atom: an RFC 6721 ' +
      'tombstone). Entries keep the ids and permalinks they have in the story feed. Pinning changes nothing here.',
    responses: { 200: feed, 304: notModified, 404: problem('No such story.') },
  },
  storyArchiveFeed: {
    method: 'get',
    path: '/stories/{id}/archive/{range}/feed.{format}',
    app: 'read',
    summary: "An RFC 5005 archive page of the story's {format} feed",
    description:
      'Entries created by one fixed range of versions (`{first}-{last}`, NEWSROOM_FEED_SIZE versions per page), linked from the ' +
      'subscription feed through `prev-archive` (JSON Feed: `next_url`). Its set of entries never changes; a correction of one of ' +
      'them changes its bytes and ETag.',
    responses: { 200: { ...feed, description: 'The archive page.' }, 304: notModified, 404: problem('No such story or archive page.') },
  },
  allFeed: {
    method: 'get',
    path: '/feed.{format}',
    app: 'read',
    summary: '{format} feed of all stories',
    responses: { 200: feed, 304: notModified },
  },
  frontPage: {
    method: 'get',
    path: '/',
    app: 'read',
    summary: 'HTML front page: stories, newest activity first, a page at a time',
    query: frontPageQuery,
    responses: { 200: ok('The page.', 'html'), 400: problem('A cursor that no page gave.') },
  },
  storyPage: {
    method: 'get',
    path: '/stories/{id}',
    app: 'read',
    summary: 'HTML live page of one story, with feed autodiscovery links',
    description:
      'The timeline newest first (`?order=oldest` from the start), paged by `cursor`; `?version=N` is the story as it stood at that ' +
      'version (not live). Open pages follow `/api/stories/{id}/changes`. Sent with a strict Content-Security-Policy.',
    query: pageQuery,
    responses: {
      200: ok('The page.', 'html'),
      304: notModified,
      400: problem('A bad query parameter (a cursor the page did not give, version with another parameter).'),
      404: problem('No such story, or it had not reached that version.'),
    },
  },
  updatePage: {
    method: 'get',
    path: '/stories/{id}/updates/{updateId}',
    app: 'read',
    summary: 'HTML permalink of one update, with its corrections or its retraction notice',
    description: 'Feed entries link here.',
    responses: { 200: ok('The page.', 'html'), 304: notModified, 404: problem('No such story, or no such update of it.') },
  },
  storyChanges: {
    method: 'get',
    path: '/api/stories/{id}/changes',
    app: 'read',
    summary: 'What changed after a version: what an open story page asks for',
    description:
      'The updates created or changed after `since` as the story page shows them (HTML fragments, escaped by the server), and the ' +
      'page regions to replace. At most 100 events a call: when `complete` is false, ask again with `since` = `version`. ' +
      'Answer 304 to `If-None-Match` while nothing changed; cached for a few seconds only.',
    query: changesQuery,
    responses: {
      200: ok('What changed.', { json: 'StoryChanges' }),
      304: notModified,
      400: problem('A missing or bad `since`.'),
      404: problem('No such story.'),
    },
  },
  asset: {
    method: 'get',
    path: '/assets/{asset}',
    app: 'read',
    summary: "The pages' stylesheet and live script",
    description: 'Content-hashed names (the pages link them): cached for a year, immutable.',
    responses: { 200: ok('The file.', 'asset'), 304: notModified, 404: problem('No such asset.') },
  },
  // ── The editor's desk (issue 14): HTML shells the read function serves, and who a token names ──
  deskHome: {
    method: 'get',
    path: '/desk',
    app: 'read',
    summary: "The editor's desk: sign in with a token, the stories, open a new one",
    description:
      'An HTML page with only public data (the story list); its script keeps the editor token in the tab (sessionStorage) and sends it ' +
      "as `Authorization: Bearer`. No cookies. Answered `Cache-Control: no-store`, `X-Robots-Tag: noindex`, with the pages' CSP.",
    responses: { 200: { description: 'The page.', body: 'html' } },
  },
  deskStory: {
    method: 'get',
    path: '/desk/stories/{id}',
    app: 'read',
    summary: "One story at the editor's desk: post, correct, retract, mark key events, pin, schedule",
    description:
      'An HTML page with only public data (the head and the timeline, newest first, paged by `cursor`) and the forms the desk script ' +
      'sends to the write API with the editor token. Answered `Cache-Control: no-store` (the desk never sees an older story than the ' +
      "origin's), `X-Robots-Tag: noindex`, with the pages' CSP.",
    query: deskQuery,
    responses: {
      200: { description: 'The page.', body: 'html' },
      400: problem('A cursor the page did not give.'),
      404: problem('No such story.'),
    },
  },
  whoAmI: {
    method: 'get',
    path: '/api/editor',
    app: 'write',
    summary: 'The editor a bearer token names',
    description: 'What the desk signs in with: 200 names the editor, 401 refuses the token. Answered `Cache-Control: no-store`.',
    editor: true,
    responses: {
      200: { description: 'The token is an editor’s.', body: { json: 'Editor' } },
      401: written[401],
      429: written[429],
    },
  },
  // ── end of the desk's routes ──
  // Served by the write function: the generator would not fit the read bundle (see openapi.ts).
  openApi: {
    method: 'get',
    path: '/api/openapi.json',
    app: 'write',
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1', body: { json: 'OpenApiDocument' } } },
  },
  health: {
    method: 'get',
    path: '/health',
    app: 'read',
    summary: 'Liveness of the store',
    responses: {
      200: { description: 'The store answers.', body: { json: 'Health' } },
      503: problem('The store is not reachable.', { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } }),
    },
  },
} satisfies Record<string, Route>;

export type Routes = typeof routes;
export type RouteId = keyof Routes;
