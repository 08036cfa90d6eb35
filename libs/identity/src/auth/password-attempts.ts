import { applyDecorators, CanActivate, ExecutionContext, HttpException, HttpStatus, Injectable, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '#platform';

const WINDOW_MS = 60_000;

/**
 * Counts password attempts per client address and route in a fixed one-minute window, in
 * this process. (@nestjs/throttler does this too, but its CommonJS build cannot load the
 * ESM-only NestJS 12 under Jest; a window counter is all we need.)
 */
@Injectable()
export class PasswordAttemptsGuard implements CanActivate {
  private readonly windows = new Map<string, { startedAt: number; attempts: number }>();

  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const now = Date.now();
    const key = `${request.ip}|${request.route?.path ?? request.path}`;
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= WINDOW_MS) {
      window = { startedAt: now, attempts: 0 };
      this.windows.set(key, window);
      if (this.windows.size > 10_000) this.forgetOld(now);
    }
    window.attempts += 1;
    if (window.attempts > this.config.passwordAttemptsPerMinute) {
      const retryAfter = Math.ceil((window.startedAt + WINDOW_MS - now) / 1000);
      context.switchToHttp().getResponse().setHeader('Retry-After', String(retryAfter));
      throw new HttpException(`Too many password attempts from your address; try again in ${retryAfter} s`, HttpStatus.TOO_MANY_REQUESTS);
    }
    return true;
  }

  private forgetOld(now: number): void {
    for (const [key, window] of this.windows) if (now - window.startedAt >= WINDOW_MS) this.windows.delete(key);
  }
}

/** For every route that checks a password: too many tries from one address get 429 until the minute is over. */
export const LimitPasswordAttempts = () => applyDecorators(UseGuards(PasswordAttemptsGuard));
