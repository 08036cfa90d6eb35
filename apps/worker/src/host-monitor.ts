import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '#platform';
import { DockerHostsService } from '#provisioning';

/** Pings every Docker host periodically, so operators see when one goes away. */
@Injectable()
export class HostMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HostMonitor.name);
  private timer?: NodeJS.Timeout;
  private readonly down = new Set<string>();

  constructor(
    private readonly hosts: DockerHostsService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.hosts.registerConfigured();
    await this.check();
    this.timer = setInterval(() => void this.check(), this.config.reconcileIntervalSeconds * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    try {
      for (const host of await this.hosts.checkAll()) {
        // log changes only, not every tick
        if (!host.status.reachable && !this.down.has(host.id)) {
          this.down.add(host.id);
          this.logger.warn(`Docker host ${host.name} is unreachable: ${host.status.error}`);
        } else if (host.status.reachable && this.down.delete(host.id)) {
          this.logger.log(`Docker host ${host.name} is reachable again (Docker ${host.status.version})`);
        }
      }
    } catch (error) {
      this.logger.error(`host check failed: ${(error as Error).message}`);
    }
  }
}
