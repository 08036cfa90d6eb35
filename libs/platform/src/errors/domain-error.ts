import type { FieldProblem, FieldProblems } from './problem.js';

/**
 * Errors the domain raises. Services throw these, never HttpException; the one
 * DomainExceptionFilter maps `kind` to an HTTP status.
 */
export type DomainErrorKind =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'invalid_state'
  | 'payment_required'
  | 'rate_limited'
  | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    /** Stable machine-readable code, e.g. `tenant.invalid_transition`. */
    readonly code: string,
    message: string,
    /** Field path -> what is wrong with it (a problem code), for forms and API clients. */
    readonly fields?: FieldProblems,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationFailedError extends DomainError {
  constructor(fields: FieldProblems, message?: string) {
    // the summary is said by the exception filter, in words, unless given
    super('validation', 'validation_failed', message ?? `Invalid: ${Object.keys(fields).join(', ')}`, fields);
  }

  static field(field: string, problem: FieldProblem): ValidationFailedError {
    return new ValidationFailedError({ [field]: problem });
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id?: string) {
    super('not_found', `${what.toLowerCase().replace(/\s+/g, '_')}.not_found`, id ? `${what} ${id} was not found` : `${what} was not found`);
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, message: string, fields?: FieldProblems) {
    super('conflict', code, message, fields);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'Authentication required: send Authorization: Bearer <token>') {
    super('unauthenticated', 'auth.unauthenticated', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'You are not allowed to do this') {
    super('forbidden', 'auth.forbidden', message);
  }
}

export class InvalidStateError extends DomainError {
  constructor(code: string, message: string) {
    super('invalid_state', code, message);
  }
}

/** Too many tries: the caller may try again after `retryAfterSeconds` (sent as Retry-After). */
export class TooManyRequestsError extends DomainError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', code, message);
  }
}

export class UnavailableError extends DomainError {
  constructor(code: string, message: string) {
    super('unavailable', code, message);
  }
}
