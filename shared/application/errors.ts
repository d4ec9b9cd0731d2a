/**
 * Errors of the application layer: those adapters throw through the ports (declared here so that
 * the use cases recognise them by class, whatever the storage), and those the use cases throw
 * for the HTTP edge to map (shared/adapters/http/problem.ts). Domain errors are in shared/domain/errors.ts.
 */
import { DomainError } from '../domain/errors';

/** EventLog.append: the companion write's own condition failed; the caller decides what that means. */
export class CompanionConditionError extends Error {
  override name = 'CompanionConditionError';
}

/** ViewWriter.applySteps: the head moved while we wrote: another projector (or a redelivery) got there first. */
export class StaleHeadError extends Error {
  override name = 'StaleHeadError';
}

/** The pointer is no longer at the generation a switch expected: another replay switched first. */
export class GenerationMovedError extends Error {
  override name = 'GenerationMovedError';
}

/** The same Idempotency-Key was used for a different request. */
export class IdempotencyMismatchError extends DomainError {
  override name = 'IdempotencyMismatchError';
}

/** A request with this Idempotency-Key is still being processed. */
export class IdempotencyInFlightError extends DomainError {
  override name = 'IdempotencyInFlightError';
}

/**
 * GenerationViews.timeline: the cursor is not one the views handed out (forged, truncated, edited),
 * so it is never sent to the store. The HTTP edge answers 400 naming `/query/cursor`.
 */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/**
 * A store (DynamoDB, or the SSM parameter of the editors' tokens) that did not answer in time, was
 * unreachable, throttled the request or failed on its side. Nothing is known to be stored, and
 * trying again shortly may succeed: the HTTP edge answers 503 with `Retry-After`, never 500.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  readonly retryAfterSeconds: number;

  constructor(
    readonly store: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    // What the store said goes in the message for logs and the CLI (never to an HTTP client: problem.ts).
    super(`${store} is unavailable${said(options.cause)}`, options.cause === undefined ? {} : { cause: options.cause });
    this.retryAfterSeconds = options.retryAfterSeconds ?? STORE_RETRY_AFTER_SECONDS;
  }
}

/** ` (ThrottlingException)`, ` (ECONNREFUSED)`: the gist of an SDK or socket error. */
function said(cause: unknown): string {
  if (!(cause instanceof Error)) return '';
  const code = (cause as Error & { code?: unknown }).code;
  const gist = [cause.name === 'Error' ? undefined : cause.name, typeof code === 'string' ? code : undefined].filter(Boolean).join(' ');
  return ` (${gist || cause.message})`;
}

/** What a client is told to wait before trying a store again (`Retry-After`). */
export const STORE_RETRY_AFTER_SECONDS = 2;

/**
 * EventLog.append: DynamoDB refused the write because another transaction was touching the same
 * items at that moment (TransactionConflict). Nothing of ours was written: it is a lost race, to
 * be decided again on the story as it now stands, like a ConcurrencyError.
 */
export class TransactionConflictError extends Error {
  override name = 'TransactionConflictError';

  constructor(readonly storyId: string) {
    super(`another transaction was writing to story ${storyId}`);
  }
}
