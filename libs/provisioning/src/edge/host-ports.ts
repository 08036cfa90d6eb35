import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { publishedPortsOf, TemplateCatalog } from '#catalog';
import { AppConfig } from '#platform';
import { HostPort, ServiceInstance, Tenant } from '../entities/index.js';
import { PermanentFailure } from '../pipeline/pipeline-errors.js';
import { chooseHostPorts } from './edge-site-plan.js';

/** The key of an app's published port in host_port: "<app>/<service>:<port>/<protocol>". */
export const hostPortKey = (app: string, key: string): string => `${app}/${key}`;

/**
 * Fixed host ports for tenants' published ports (XMPP's c2s and s2s), one per port, from the
 * configured range, for as long as the tenant lives on its host: DNS (SRV records) advertises them.
 */
@Injectable()
export class HostPorts {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalog: TemplateCatalog,
    private readonly config: AppConfig,
  ) {}

  /** Gives the tenant's apps the host ports they still lack (idempotent). */
  async ensure(tenant: Tenant): Promise<Record<string, number>> {
    if (!tenant.dockerHostId) throw new PermanentFailure(`tenant ${tenant.slug} has no Docker host yet`);
    const hostId = tenant.dockerHostId;
    const instances = await this.dataSource.manager.find(ServiceInstance, { where: { tenantId: tenant.id } });
    const wanted = instances.filter((instance) => instance.state !== 'removed').flatMap((instance) => publishedPortsOf(this.catalog.get(instance.app)).map((port) => hostPortKey(instance.app, port.key)));
    return this.dataSource.transaction(async (manager) => {
      // one allocation per host at a time, so two tenants never pick the same port
      await manager.query(`select pg_advisory_xact_lock(hashtextextended('allmende:host-ports:' || $1, 0))`, [hostId]);
      const held = await manager.find(HostPort, { where: { dockerHostId: hostId } });
      const mine = new Map(held.filter((row) => row.tenantId === tenant.id).map((row) => [row.key, row.port]));
      const missing = wanted.filter((key) => !mine.has(key));
      const ports = chooseHostPorts(missing.length, new Set(held.map((row) => row.port)), this.config.tenantPorts);
      if (!ports) throw new PermanentFailure(`Docker host has no free port left in ALLMENDE_TENANT_PORTS (${this.config.tenantPorts.from}-${this.config.tenantPorts.to}); widen the range`);
      for (const [index, key] of missing.entries()) {
        await manager.insert(HostPort, { dockerHostId: hostId, port: ports[index], tenantId: tenant.id, key });
        mine.set(key, ports[index]);
      }
      return Object.fromEntries(mine);
    });
  }

  /** The tenant's ports by key ("<app>/<service>:<port>/<protocol>"). */
  async of(tenantId: string): Promise<Record<string, number>> {
    const rows = await this.dataSource.manager.find(HostPort, { where: { tenantId } });
    return Object.fromEntries(rows.map((row) => [row.key, row.port]));
  }

  /** Frees them when the tenant's data is deleted. */
  async release(tenantId: string): Promise<void> {
    await this.dataSource.manager.delete(HostPort, { tenantId });
  }
}
