import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ContainerRuntime } from '#runtime';
import { DockerHost, type Tenant } from '../entities/index.js';
import type { UnreachableEngine } from '../hosts/engine-hint.js';

/** Whether the tenant's Docker engine answers at all (a port: the runner waits for a missing engine instead of failing). */
export abstract class EngineProbe {
  /** The tenant's host when nothing answers there; null when it answers or the tenant has no host yet. */
  abstract unreachable(tenant: Pick<Tenant, 'dockerHostId'>): Promise<UnreachableEngine | null>;
}

/** Pings the tenant's host (a few seconds at most). */
@Injectable()
export class PingingEngineProbe extends EngineProbe {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runtime: ContainerRuntime,
  ) {
    super();
  }

  async unreachable(tenant: Pick<Tenant, 'dockerHostId'>): Promise<UnreachableEngine | null> {
    if (!tenant.dockerHostId) return null;
    const host = await this.dataSource.manager.findOne(DockerHost, { where: { id: tenant.dockerHostId } });
    if (!host) return null;
    const status = await this.runtime.ping(host, 3000);
    return status.reachable ? null : { host: host.name, endpoint: host.endpoint, error: status.error ?? 'no answer' };
  }
}
