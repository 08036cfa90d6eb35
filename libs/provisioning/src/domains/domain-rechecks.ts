import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '#platform';
import { Scheduler } from '#platform/jobs';
import { CustomDomainsService } from './custom-domains.service.js';

const BATCH = 50;

/** The worker's periodic DNS re-check of every pending, verified, flagged and withdrawn custom domain. */
@Injectable()
export class DomainRechecks implements OnModuleInit {
  constructor(
    private readonly domains: CustomDomainsService,
    private readonly scheduler: Scheduler,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // passes are frequent and cheap; each domain is looked at once per re-check interval
    this.scheduler.register({
      name: 'provisioning.domain-recheck',
      intervalMs: Math.min(this.config.domains.recheckIntervalMs, 60_000),
      run: async () => ((await this.domains.recheckDue(new Date(), BATCH)).length >= BATCH ? 'more' : 'idle'),
    });
  }
}
