import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '#platform';
import { Scheduler } from '#platform/jobs';
import { ReadinessService } from './readiness.service.js';

const BATCH = 20;

/** The worker's readiness checks of every running tenant, once per interval (daily by default). */
@Injectable()
export class ReadinessSchedule implements OnModuleInit {
  private readonly logger = new Logger(ReadinessSchedule.name);

  constructor(
    private readonly readiness: ReadinessService,
    private readonly scheduler: Scheduler,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({ name: 'provisioning.readiness', intervalMs: Math.min(this.config.domains.readinessIntervalMs, 600_000), run: () => this.pass() });
  }

  /** Checks the tenants whose report is older than the interval; 'more' while a full batch was due. */
  async pass(now = new Date()): Promise<'more' | 'idle'> {
    const due = await this.readiness.dueTenants(new Date(now.getTime() - this.config.domains.readinessIntervalMs), BATCH);
    for (const tenantId of due) {
      try {
        const report = await this.readiness.run(tenantId, 'daily');
        if (report.status === 'failing') this.logger.warn(`tenant ${tenantId}: ${report.results.filter((r) => r.status === 'failing').length} readiness checks failing`);
      } catch (error) {
        // stored as a failing report, so the tenant is not picked again at once
        this.logger.warn(`readiness of tenant ${tenantId} could not be checked: ${(error as Error).message}`);
        await this.readiness.recordFailure(tenantId, (error as Error).message, now).catch(() => undefined);
      }
    }
    return due.length >= BATCH ? 'more' : 'idle';
  }
}
