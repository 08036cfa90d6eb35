import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { graceExpired, SYSTEM_ACTOR } from '#domain';
import { Scheduler } from '#platform/jobs';
import { Tenant } from '../entities/index.js';
import { TenantLifecycleService } from '../tenants/tenant-lifecycle.service.js';

const ACTOR = SYSTEM_ACTOR('grace-periods');
const BATCH = 200;

/** Ends grace periods: past-due tenants whose grace is over are suspended (containers stopped, data kept). */
@Injectable()
export class GracePeriods implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly lifecycle: TenantLifecycleService,
    private readonly scheduler: Scheduler,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({ name: 'provisioning.grace-periods', intervalMs: 60_000, run: () => this.endGracePeriods(new Date()).then(() => undefined) });
  }

  /** Suspends every tenant whose grace period is over at `now`; returns how many. */
  async endGracePeriods(now: Date): Promise<number> {
    const due = await this.dataSource.manager.find(Tenant, { where: { state: 'past_due', graceEndsAt: LessThanOrEqual(now) }, take: BATCH });
    let suspended = 0;
    for (const tenant of due.filter((candidate) => graceExpired(candidate, now))) {
      const result = await this.lifecycle.transition(tenant.id, 'grace_expired', ACTOR, { ifAllowed: true, reason: 'grace period ended', details: { graceEndsAt: tenant.graceEndsAt } });
      if (result.changed) suspended++;
    }
    return suspended;
  }
}
