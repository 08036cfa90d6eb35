import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DockerHost, Tenant } from '../entities/index.js';
import { PermanentFailure } from './pipeline-errors.js';

/** Chooses the Docker host for a new tenant: the active host with the most free capacity. */
@Injectable()
export class Placement {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async ensureHost(tenant: Tenant): Promise<DockerHost> {
    if (tenant.dockerHostId) {
      const current = await this.dataSource.manager.findOne(DockerHost, { where: { id: tenant.dockerHostId } });
      if (current) return current;
    }
    return this.dataSource.transaction(async (manager) => {
      // serialise placements so concurrent provisionings cannot overfill a host
      await manager.query(`select pg_advisory_xact_lock(hashtextextended('allmende:placement', 0))`);
      const candidates: { id: string; free: number }[] = await manager.query(
      `select h.id, h.capacity - count(t.id)::int as free
         from docker_host h
         left join tenant t on t.docker_host_id = h.id and t.state <> 'terminated'
        where h.state = 'active'
        group by h.id
       having h.capacity - count(t.id) > 0
        order by free desc, h.name
        limit 1`,
    );
      if (candidates.length === 0) throw new PermanentFailure('No active Docker host has free capacity; an operator must add a host or raise a capacity');
      await manager.update(Tenant, tenant.id, { dockerHostId: candidates[0].id });
      tenant.dockerHostId = candidates[0].id;
      return manager.findOneOrFail(DockerHost, { where: { id: candidates[0].id } });
    });
  }

  async hostOf(tenant: Tenant): Promise<DockerHost> {
    if (!tenant.dockerHostId) throw new PermanentFailure(`tenant ${tenant.slug} has no Docker host yet`);
    return this.dataSource.manager.findOneOrFail(DockerHost, { where: { id: tenant.dockerHostId } });
  }
}
