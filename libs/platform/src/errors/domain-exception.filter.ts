import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, DomainErrorKind, TooManyRequestsError } from './domain-error.js';
import { type ProblemWords, wordsOfCode } from './problem.js';
import { isConnectionFailure, RETRY_AFTER_SECONDS } from './unavailable.js';

const STATUS: Record<DomainErrorKind, number> = {
  validation: HttpStatus.BAD_REQUEST,
  unauthenticated: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  invalid_state: HttpStatus.CONFLICT,
  payment_required: HttpStatus.PAYMENT_REQUIRED,
  rate_limited: HttpStatus.TOO_MANY_REQUESTS,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

/** The HTTP status of a domain error: the one mapping, used by the filter and by the pages. */
export function httpStatusOf(error: DomainError): number {
  return STATUS[error.kind];
}

export interface ErrorBody {
  error: string;
  message: string;
  /** Field -> what is wrong, in words. */
  fields?: Record<string, string>;
  /** Field -> the problem's code, for clients that say it in their own words. */
  problems?: Record<string, string>;
  requestId?: string;
}

/** The page a browser gets while the service is briefly unavailable (503): reloads itself after `retryAfterSeconds`. */
export type UnavailablePage = (retryAfterSeconds: number) => string;

/** Plain words, no input in them; an entry point may pass the storefront's own page instead. */
export const defaultUnavailablePage: UnavailablePage = (seconds) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${Math.max(1, Math.floor(seconds))}"><title>Back in a moment</title></head>
<body><main><h1>Back in a moment</h1><p>This service is briefly unavailable. Nothing you entered is lost; this page tries again by itself in a few seconds.</p></main></body></html>
`;

/** Whether the client is a browser asking for a page (not an API client). */
function wantsHtml(request: Request): boolean {
  if (request.path?.startsWith('/api/') || request.path?.startsWith('/webhooks')) return false;
  return typeof request.accepts === 'function' && request.accepts(['json', 'html']) === 'html';
}

export interface DomainExceptionFilterOptions {
  unavailablePage?: UnavailablePage;
}

/**
 * The one place where errors become HTTP: domain errors by kind, Nest's own
 * HttpExceptions (404 for unknown routes, 413 for big bodies) by status, a lost database
 * (or other system we depend on) as a 503 with Retry-After, anything else as a 500 that
 * reveals nothing but the request id.
 */
@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');
  private readonly unavailablePage: UnavailablePage;

  /** `words` says field problems (the storefront's English texts); without it, the codes are shown. */
  constructor(
    private readonly words: ProblemWords = wordsOfCode,
    options: DomainExceptionFilterOptions = {},
  ) {
    this.unavailablePage = options.unavailablePage ?? defaultUnavailablePage;
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request & { id?: string }>();
    const { status, body } = this.toHttp(exception);
    body.requestId = request.id === undefined ? undefined : String(request.id);
    if (status === 503) {
      // expected while the database restarts: one line, no stack
      this.logger.warn(`${request.method} ${request.path}: unavailable (${(exception as Error)?.message ?? exception}); asked to retry in ${RETRY_AFTER_SECONDS} s`);
    } else if (status >= 500) {
      this.logger.error({ err: exception, requestId: body.requestId }, 'request failed');
    }
    if (response.headersSent) return;
    if (exception instanceof TooManyRequestsError) response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    if (status === 503) {
      response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      if (wantsHtml(request)) return void response.status(503).type('html').send(this.unavailablePage(RETRY_AFTER_SECONDS));
    }
    // HTML forms render their own errors; everything else gets JSON
    response.status(status).json(body);
  }

  toHttp(exception: unknown): { status: number; body: ErrorBody } {
    if (exception instanceof DomainError) {
      const problems = exception.fields ? Object.entries(exception.fields) : undefined;
      const fields = problems && Object.fromEntries(problems.map(([field, problem]) => [field, this.words(problem)]));
      const message = exception.kind === 'validation' && fields ? Object.entries(fields).map(([field, words]) => `${field}: ${words}`).join('; ') : exception.message;
      return {
        status: STATUS[exception.kind],
        body: { error: exception.code, message, fields, problems: problems && Object.fromEntries(problems.map(([field, problem]) => [field, problem.code])) },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? exception.message);
      return { status, body: { error: httpCode(status), message } };
    }
    if (isBodyParserError(exception)) {
      return { status: exception.status, body: { error: httpCode(exception.status), message: exception.message } };
    }
    if (isConnectionFailure(exception)) {
      return {
        status: 503,
        body: { error: 'service.unavailable', message: `The database (or another system Allmende needs) does not answer right now; try again in ${RETRY_AFTER_SECONDS} seconds` },
      };
    }
    return { status: 500, body: { error: 'internal_error', message: 'Something went wrong on our side; the request id identifies it in our logs' } };
  }
}

function isBodyParserError(error: unknown): error is { status: number; message: string } {
  const candidate = error as { status?: unknown; type?: unknown };
  return typeof candidate?.status === 'number' && candidate.status >= 400 && candidate.status < 500 && typeof candidate.type === 'string';
}

function httpCode(status: number): string {
  switch (status) {
    case 400: return 'bad_request';
    case 401: return 'auth.unauthenticated';
    case 403: return 'auth.forbidden';
    case 404: return 'not_found';
    case 405: return 'method_not_allowed';
    case 409: return 'conflict';
    case 413: return 'payload_too_large';
    case 415: return 'unsupported_media_type';
    case 429: return 'too_many_requests';
    default: return status >= 500 ? 'internal_error' : 'bad_request';
  }
}
