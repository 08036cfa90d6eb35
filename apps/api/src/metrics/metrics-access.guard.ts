import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { actsAsOperator, TokensService } from '#identity';
import { AddressRanges, AppConfig, ForbiddenError, UnauthenticatedError } from '#platform';

/**
 * GET /metrics: a client address the operator allowed (ALLMENDE_METRICS_ALLOW, matched against
 * request.ip, which believes X-Forwarded-For only from ALLMENDE_TRUSTED_PROXIES), or an operator's
 * bearer token with the operator scope. Anyone else: 401 without a valid token, 403 with one.
 * The route is @Public() so the global guard does not demand a token from an allowed address.
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  private readonly allowed: AddressRanges;

  constructor(
    config: AppConfig,
    private readonly tokens: TokensService,
  ) {
    this.allowed = new AddressRanges(config.metrics.allow);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    if (this.allowed.includes(request.ip)) return true;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const principal = match ? await this.tokens.authenticate(match[1]) : null;
    if (!principal) throw new UnauthenticatedError('A valid bearer token is required (Authorization: Bearer alm_...)');
    if (!actsAsOperator(principal)) throw new ForbiddenError('This is for operators of the hosting cooperative');
    return true;
  }
}
