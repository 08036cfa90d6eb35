import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '#platform';
import { Scheduler } from '#platform/jobs';
import { DockerHostsService } from '../hosts/docker-hosts.service.js';
import { engineHint } from '../hosts/engine-hint.js';

/** Pings every Docker host periodically and records what it saw, so operators see when one goes away. */
@Injectable()
export class HostMonitor implements OnModuleInit {
  private readonly logger = new Logger(HostMonitor.name);
  private readonly down = new Set<string>();

  constructor(
    private readonly hosts: DockerHostsService,
    private readonly scheduler: Scheduler,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({ name: 'provisioning.host-check', intervalMs: this.config.reconcileIntervalSeconds * 1000, run: () => this.check() });
  }

  async check(): Promise<void> {
    for (const host of await this.hosts.checkAll()) {
      // log changes only, not every pass
      if (!host.status.reachable && !this.down.has(host.id)) {
        this.down.add(host.id);
        this.logger.warn(`Docker host ${host.name} is unreachable: ${engineHint({ host: host.name, endpoint: host.endpoint })} (${host.status.error}); operations on it wait until it answers`);
      } else if (host.status.reachable && this.down.delete(host.id)) {
        this.logger.log(`Docker host ${host.name} is reachable again (Docker ${host.status.version})`);
      }
    }
  }
}
