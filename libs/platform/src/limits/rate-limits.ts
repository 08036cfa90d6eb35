import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scheduler } from '../jobs/scheduler.js';

/** How many events one key may have in a window. */
export interface LimitRule {
  /** Part of the stored key, e.g. "password:account". */
  readonly name: string;
  readonly max: number;
  readonly windowSeconds: number;
}

export interface LimitDecision {
  allowed: boolean;
  count: number;
  /** Seconds until the window ends (for Retry-After). */
  retryAfterSeconds: number;
}

const KEY_LENGTH = 200;

/** The window `now` falls in (fixed windows: cheap, and exact enough for abuse limits). */
export function windowOf(now: Date, windowSeconds: number): { start: Date; retryAfterSeconds: number } {
  const size = windowSeconds * 1000;
  const start = Math.floor(now.getTime() / size) * size;
  return { start: new Date(start), retryAfterSeconds: Math.max(1, Math.ceil((start + size - now.getTime()) / 1000)) };
}

/**
 * Rate limits kept in Postgres, so they hold across API processes and restarts: password
 * guessing per account and per address, orders per address, invitations per club.
 */
@Injectable()
export class RateLimits implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scheduler: Scheduler,
  ) {}

  onModuleInit(): void {
    // windows of a day ago tell nothing any more
    this.scheduler.register({ name: 'platform.rate-limit-cleanup', intervalMs: 3_600_000, run: () => this.forgetOld() });
  }

  /** Counts one event for `subject` and says whether it is still within the rule. */
  async hit(rule: LimitRule, subject: string, now = new Date()): Promise<LimitDecision> {
    const window = windowOf(now, rule.windowSeconds);
    const [{ count }]: { count: number }[] = await this.dataSource.query(
      `insert into rate_limit (key, window_start, count) values ($1, $2, 1)
       on conflict (key, window_start) do update set count = rate_limit.count + 1
       returning count`,
      [keyOf(rule, subject), window.start],
    );
    return { allowed: count <= rule.max, count, retryAfterSeconds: window.retryAfterSeconds };
  }

  /** Whether `subject` is within the rule now, without counting. */
  async check(rule: LimitRule, subject: string, now = new Date()): Promise<LimitDecision> {
    const window = windowOf(now, rule.windowSeconds);
    const rows: { count: number }[] = await this.dataSource.query(`select count from rate_limit where key = $1 and window_start = $2`, [keyOf(rule, subject), window.start]);
    const count = rows[0]?.count ?? 0;
    return { allowed: count < rule.max, count, retryAfterSeconds: window.retryAfterSeconds };
  }

  async forgetOld(): Promise<void> {
    await this.dataSource.query(`delete from rate_limit where window_start < now() - interval '1 day'`);
  }
}

function keyOf(rule: LimitRule, subject: string): string {
  return `${rule.name}:${subject}`.slice(0, KEY_LENGTH);
}
