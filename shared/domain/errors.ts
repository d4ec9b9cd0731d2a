/**
 * Typed domain errors. Each maps to exactly one HTTP status in shared/adapters/http/problem.ts;
 * nothing else in the code base decides status codes for domain failures.
 */
export interface FieldIssue {
  /** JSON path of the field at fault, e.g. `/speaker/name` (RFC 6901 pointer). */
  pointer: string;
  detail: string;
}

export class DomainError extends Error {
  override name = 'DomainError';
}

export class ValidationError extends DomainError {
  override name = 'ValidationError';
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super(`${resource} ${id} was not found`);
  }
}

/** The stream moved on: an expected version did not match (castore style: carries stream and version). */
export class ConcurrencyError extends DomainError {
  override name = 'ConcurrencyError';
  constructor(
    readonly storyId: string,
    readonly expectedVersion: number,
    readonly actualVersion?: number,
  ) {
    super(`story ${storyId} is not at version ${expectedVersion}` + (actualVersion === undefined ? '' : ` (it is at ${actualVersion})`));
  }
}

/** The request conflicts with the story's state: a story that exists already, a correction of a retracted update. */
export class ConflictError extends DomainError {
  override name = 'ConflictError';
  constructor(
    message: string,
    readonly pointer?: string,
  ) {
    super(message);
  }
}
