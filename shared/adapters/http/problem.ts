/**
 * RFC 9457 problem details. Every error a client sees goes through here, so statuses are decided
 * once and no stack trace or internal message leaks.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import * as z from 'zod';
import { ConcurrencyError, ConflictError, NotFoundError, ValidationError, type FieldIssue } from '../../domain/errors';
import { IdempotencyInFlightError, IdempotencyMismatchError } from '../../application/errors';

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

export function problem(status: number, slug: string, title: string, extra: Partial<Problem> = {}): Problem {
  return { type: `${TYPE_BASE}${slug}`, title, status, ...extra };
}

export function problemResponse(c: Context, p: Problem, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(p), p.status as ContentfulStatusCode, {
    'Content-Type': 'application/problem+json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
  });
}

/** RFC 6901 pointer: `''` is the whole body, `/speaker/name` a field. Header faults use `/headers/<name>`. */
export function pointerOf(path: readonly PropertyKey[]): string {
  return path.map((part) => '/' + String(part).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function validationProblem(error: z.ZodError, prefix: readonly PropertyKey[] = []): Problem {
  const errors = error.issues.map((issue) => {
    const pointer = pointerOf([...prefix, ...issue.path]);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ pointer: pointerOf([...prefix, ...issue.path, key]), detail: 'is not a known field' }));
    }
    return [{ pointer, detail: issue.message }];
  }).flat();
  const first = errors[0];
  return problem(400, 'validation', 'The request is not valid', {
    detail: first ? `${first.pointer || 'the body'}: ${first.detail}` : 'invalid request',
    errors,
  });
}

/** Maps a thrown error to a problem; unknown errors become an opaque 500. */
export function problemFor(error: unknown): Problem {
  if (error instanceof z.ZodError) return validationProblem(error);
  if (error instanceof ValidationError) {
    return problem(400, 'validation', 'The request is not valid', { detail: error.message, errors: error.issues });
  }
  if (error instanceof NotFoundError) {
    return problem(404, 'not-found', `No such ${error.resource}`, {
      detail: error.message,
      ...(error.resource === 'update' ? { errors: [{ pointer: '/target', detail: error.message }] } : {}),
    });
  }
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
  return problem(500, 'internal', 'Internal error', { detail: 'The server could not complete the request.' });
}
