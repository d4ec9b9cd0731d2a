/**
 * RFC 9457 problem details. Every error a client sees goes through here, so statuses, titles and
 * detail texts are decided once and no stack trace or internal message leaks.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import * as core from 'zod/v4/core';
import { ConcurrencyError, ConflictError, NotFoundError, ValidationError, type FieldIssue } from '../../domain/errors';
import { IdempotencyInFlightError, IdempotencyMismatchError, InvalidCursorError, StoreUnavailableError } from '../../application/errors';
import type { AuthResult } from './auth';
import type { Body } from './responses';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** Each field at fault, as a JSON pointer into the request body. */
  errors?: FieldIssue[];
  [extension: string]: unknown;
}

const TYPE_BASE = 'https://newsroom.example/problems/';

function problem(status: number, slug: string, title: string, extra: Partial<Problem> = {}): Problem {
  return { type: `${TYPE_BASE}${slug}`, title, status, ...extra };
}

export function problemResponse(c: Context, p: Problem, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(p satisfies Body<'Problem'>), p.status as ContentfulStatusCode, {
    'Content-Type': 'application/problem+json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
  });
}

/** A problem that names the request path as its `instance` (the write API's refusals and every thrown error). */
export const problemAt = (c: Context, p: Problem, headers?: Record<string, string>) => problemResponse(c, { ...p, instance: c.req.path }, headers);

/** RFC 6901 pointer: `''` is the whole body, `/speaker/name` a field. Header faults use `/headers/<name>`. */
export function pointerOf(path: readonly PropertyKey[]): string {
  return path.map((part) => '/' + String(part).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

function validationProblem(error: core.$ZodError): Problem {
  const errors = error.issues
    .map((issue) => {
      const pointer = pointerOf(issue.path);
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ pointer: pointerOf([...issue.path, key]), detail: 'is not a known field' }));
      }
      return [{ pointer, detail: issue.message }];
    })
    .flat();
  const first = errors[0];
  return problem(400, 'validation', 'The request is not valid', {
    detail: first ? `${first.pointer || 'the body'}: ${first.detail}` : 'invalid request',
    errors,
  });
}

/** Every "No such …" 404 (a story, an update, a feed format, an archive page, a path). */
const notFound = (what: string, extra?: Partial<Problem>) => problem(404, 'not-found', `No such ${what}`, extra);

const wholeBody = (detail: string) => [{ pointer: '', detail }];

/** The problems the routes and the HTTP edge answer with, by name. */
export const problems = {
  /** A body that breaks its zod schema: every field at fault, by pointer. */
  validation: validationProblem,

  /** A query string that breaks its schema: the same, with pointers under `/query`. */
  query(error: core.$ZodError): Problem {
    const p = validationProblem(error);
    return { ...p, errors: p.errors?.map((e) => ({ ...e, pointer: `/query${e.pointer}` })), detail: p.detail ? `query ${p.detail}` : undefined };
  },

  /**
   * Query parameters the route does not read (serve.ts): refused rather than ignored, so that no
   * made-up parameter can make a request its own cache entry (CloudFront keys on the allow-listed
   * ones only, infra/constructs/cdn.ts). Each one named under `/query`.
   */
  unknownQuery: (names: readonly string[], known: readonly string[]) =>
    problem(400, 'validation', 'The request is not valid', {
      detail: `query ${pointerOf([names[0]!])}: is not a query parameter of this resource (${known.length ? `it reads ${known.join(', ')}` : 'it reads none'})`,
      errors: names.map((name) => ({ pointer: `/query${pointerOf([name])}`, detail: 'is not a query parameter of this resource' })),
    }),

  /**
   * The one "No such story". The routes have always differed in the detail only: a route names the
   * id it looked up (`names-id`, the writer's NotFoundError text), does not echo back an id that can
   * never name a story (`hides-id`), or, for the feeds, answers with the title alone (`none`).
   */
  storyNotFound(storyId: string, detail: 'names-id' | 'hides-id' | 'none' = 'names-id'): Problem {
    if (detail === 'names-id') return notFoundProblem(new NotFoundError('story', storyId));
    return notFound('story', detail === 'hides-id' ? { detail: 'no story has this id' } : {});
  },

  noSuchFeedFormat: () => notFound('feed format', { detail: 'a feed is .atom, .rss or .json (feed.atom, key-events.rss, …)' }),

  noSuchArchivePage: (feedSize: number) =>
    notFound('archive page', { detail: `archive pages are complete ranges of ${feedSize} versions of an existing story` }),

  noSuchResource: () => notFound('resource'),

  noSuchUpdate: () => notFound('update', { detail: 'this story has no article or statement with this id' }),

  methodNotAllowed: (allow: string) => problem(405, 'method-not-allowed', 'Method not allowed', { detail: `this resource answers ${allow}` }),

  notThroughCdn: () =>
    problem(403, 'forbidden', 'Read through the public URL', {
      detail: 'this origin answers CloudFront only: send the request to the public (CloudFront) URL',
    }),

  unavailable: () => problem(503, 'unavailable', 'The store is not reachable'),

  unauthorized(reason: (AuthResult & { ok: false })['reason']): Problem {
    return problem(401, 'unauthorized', 'An editor token is required', {
      detail: reason === 'missing' ? 'send Authorization: Bearer <token>' : `the bearer token is ${reason}`,
      errors: [{ pointer: '/headers/authorization', detail: reason === 'missing' ? 'is missing' : `is ${reason}` }],
    });
  },

  rateLimited: (retryAfterSeconds: number) =>
    problem(429, 'rate-limited', 'Too many writes', {
      detail: `this editor may write again in ${retryAfterSeconds} s`,
      errors: [{ pointer: '/headers/authorization', detail: 'this editor is over its write rate' }],
    }),

  unsupportedMediaType: () =>
    problem(415, 'unsupported-media-type', 'Send JSON', {
      detail: 'Content-Type must be application/json (UTF-8)',
      errors: [{ pointer: '/headers/content-type', detail: 'must be application/json' }],
    }),

  payloadTooLarge: (maxBytes: number) =>
    problem(413, 'payload-too-large', 'The body is too large', {
      detail: `a request body may hold at most ${maxBytes} bytes`,
      errors: wholeBody(`is larger than ${maxBytes} bytes`),
    }),

  notUtf8: () =>
    problem(400, 'malformed-json', 'The body is not UTF-8', { detail: 'the body is not valid UTF-8', errors: wholeBody('is not valid UTF-8') }),

  // The parser's own message may quote the input back: say what is wrong, not what it said.
  malformedJson: () =>
    problem(400, 'malformed-json', 'The body is not valid JSON', { detail: 'the body is not valid JSON', errors: wholeBody('is not valid JSON') }),
};

function notFoundProblem(error: NotFoundError): Problem {
  return notFound(error.resource, {
    detail: error.message,
    ...(error.resource === 'update' ? { errors: [{ pointer: '/target', detail: error.message }] } : {}),
  });
}

/** Maps a thrown error to a problem; unknown errors become an opaque 500. */
export function problemFor(error: unknown): Problem {
  if (error instanceof core.$ZodError) return validationProblem(error);
  if (error instanceof ValidationError) {
    return problem(400, 'validation', 'The request is not valid', { detail: error.message, errors: error.issues });
  }
  if (error instanceof NotFoundError) return notFoundProblem(error);
  if (error instanceof ConcurrencyError) {
    return problem(412, 'version-mismatch', 'The story has moved on', {
      detail: error.message,
      storyId: error.storyId,
      expectedVersion: error.expectedVersion,
      ...(error.actualVersion === undefined ? {} : { currentVersion: error.actualVersion }),
      errors: [{ pointer: '/headers/if-match', detail: 'does not match the story version' }],
    });
  }
  if (error instanceof ConflictError) {
    return problem(409, 'conflict', 'The request conflicts with the story', {
      detail: error.message,
      ...(error.pointer ? { errors: [{ pointer: error.pointer, detail: error.message }] } : {}),
    });
  }
  if (error instanceof InvalidCursorError) {
    // Only the timeline's pages take a cursor, and only as `?cursor=` (the view and the story page).
    return problem(400, 'validation', 'The request is not valid', {
      detail: 'query /cursor: is not a cursor this server handed out',
      errors: [{ pointer: '/query/cursor', detail: 'is not a cursor this server handed out' }],
    });
  }
  if (error instanceof IdempotencyMismatchError) {
    return problem(422, 'idempotency-key-reused', 'Idempotency-Key reused with a different request', {
      detail: error.message,
      errors: [{ pointer: '/headers/idempotency-key', detail: error.message }],
    });
  }
  if (error instanceof IdempotencyInFlightError) {
    return problem(409, 'idempotency-key-in-flight', 'A request with this Idempotency-Key is in progress', {
      detail: error.message,
      errors: [{ pointer: '/headers/idempotency-key', detail: error.message }],
    });
  }
  if (error instanceof StoreUnavailableError) {
    return {
      ...problems.unavailable(),
      detail: `the store did not answer in time or is overloaded; nothing is known to be stored; retry in ${error.retryAfterSeconds} s`,
    };
  }
  return problem(500, 'internal', 'Internal error', { detail: 'The server could not complete the request.' });
}

/** The headers that go with a thrown error's problem: when to try again, for a store that is unavailable. */
export function problemHeadersFor(error: unknown): Record<string, string> {
  return error instanceof StoreUnavailableError ? { 'Retry-After': String(error.retryAfterSeconds) } : {};
}
