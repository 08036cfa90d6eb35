import { DomainError, type DomainErrorKind } from '#platform';

/**
 * Why the edge could not do what was asked, as a stable code:
 * - edge.unavailable: the edge container is missing, stopped, or its admin API does not answer
 * - edge.admin_refused: Caddy's admin API refused a request (its own message is included)
 * - edge.concurrent_change: the configuration changed between reading and writing it (If-Match)
 * - edge.certificate_missing: the edge holds no certificate for the host name
 * - edge.certificate_refused: the edge would not get a certificate (the host is not allowed, or issuing failed)
 * - edge.no_internal_ca: a root certificate was asked for while the edge uses an ACME CA
 * Bad input is a ValidationFailedError naming the field.
 */
export type EdgeErrorCode =
  | 'edge.unavailable'
  | 'edge.admin_refused'
  | 'edge.concurrent_change'
  | 'edge.certificate_missing'
  | 'edge.certificate_refused'
  | 'edge.no_internal_ca';

const KIND: Record<EdgeErrorCode, DomainErrorKind> = {
  'edge.unavailable': 'unavailable',
  'edge.admin_refused': 'invalid_state',
  'edge.concurrent_change': 'conflict',
  'edge.certificate_missing': 'not_found',
  'edge.certificate_refused': 'invalid_state',
  'edge.no_internal_ca': 'invalid_state',
};

export class EdgeError extends DomainError {
  constructor(code: EdgeErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(KIND[code], code, message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
    this.status = options?.status;
  }

  /** The admin API's HTTP status, when it answered. */
  readonly status?: number;
}
