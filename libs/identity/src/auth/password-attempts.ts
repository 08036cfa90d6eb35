import { Injectable } from '@nestjs/common';
import { AppConfig, TooManyRequestsError } from '#platform';
import { type LimitRule, RateLimits } from '#platform/limits';

/**
 * Slows down password guessing on every route that checks a password (login, the order page's
 * forms, accepting an invitation): attempts per client address, and failures per account from
 * any address. Counted in Postgres, so the limits hold across API processes and restarts. The
 * address is the socket's, or the forwarded one only from configured proxies (ALLMENDE_TRUSTED_PROXIES).
 */
@Injectable()
export class PasswordAttempts {
  private readonly perAddress: LimitRule;
  private readonly perAccount: LimitRule;

  constructor(
    private readonly limits: RateLimits,
    config: AppConfig,
  ) {
    this.perAddress = { name: 'password:address', max: config.passwordAttemptsPerMinute, windowSeconds: 60 };
    this.perAccount = { name: 'password:account', max: config.passwordFailuresPerAccount, windowSeconds: 900 };
  }

  /** Counts an attempt from `address` and refuses it (429) when the address or the account is over its limit. */
  async begin(email: string, address: string | undefined): Promise<void> {
    const account = await this.limits.check(this.perAccount, email);
    if (!account.allowed) throw this.tooMany(account.retryAfterSeconds);
    if (address === undefined) return;
    const byAddress = await this.limits.hit(this.perAddress, address);
    if (!byAddress.allowed) throw this.tooMany(byAddress.retryAfterSeconds);
  }

  /** A wrong password for `email`: counts against the account, whatever address it came from. */
  async failed(email: string): Promise<void> {
    await this.limits.hit(this.perAccount, email);
  }

  private tooMany(retryAfterSeconds: number): TooManyRequestsError {
    return new TooManyRequestsError('too_many_requests', `Too many password attempts; try again in ${retryAfterSeconds} s`, retryAfterSeconds);
  }
}
