import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { EdgeProxy, type EdgeSite } from '#edge';
import { AppConfig } from '#platform';
import { Scheduler } from '#platform/jobs';
import { DockerHost, Tenant } from '../entities/index.js';
import { TenantDeployments } from '../pipeline/tenant-deployments.js';
import { EDGE_CHANGED } from './edge-wiring.js';
import { HostPorts } from './host-ports.js';
import { TenantEdge } from './tenant-edge.js';

/** How often the edge's certificates are copied into apps that present them (Caddy renews well before expiry). */
const CERTIFICATE_SYNC_MS = 60 * 60 * 1000;

/**
 * The edge's reconcile loop (worker): every interval, each host's edge is created or repaired
 * and made to serve exactly what the database says; hourly, renewed certificates reach Prosody.
 */
@Injectable()
export class EdgeMaintenance implements OnModuleInit {
  private readonly logger = new Logger(EdgeMaintenance.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tenantEdge: TenantEdge,
    private readonly edge: EdgeProxy,
    private readonly deployments: TenantDeployments,
    private readonly hostPorts: HostPorts,
    private readonly scheduler: Scheduler,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({ name: 'provisioning.edge', intervalMs: this.config.reconcileIntervalSeconds * 1000, wakeOn: EDGE_CHANGED, run: () => this.pass() });
    this.scheduler.register({ name: 'provisioning.edge-certificates', intervalMs: CERTIFICATE_SYNC_MS, run: () => this.syncCertificates() });
  }

  /** One pass over every host that is not disabled. A host that fails does not stop the others. */
  async pass(): Promise<void> {
    for (const host of await this.hosts()) {
      try {
        await this.reconcile(host);
      } catch (error) {
        this.logger.warn(`edge of ${host.name} not reconciled: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }

  /** The host's edge serves exactly its tenants' sites. */
  async reconcile(host: DockerHost): Promise<void> {
    const sites: EdgeSite[] = [];
    const broken: string[] = [];
    for (const tenant of await this.tenantEdge.tenantsOn(host)) {
      try {
        // tenants from before fixed host ports get theirs; the drift check then moves their containers onto them
        if (['active', 'past_due', 'suspended'].includes(tenant.state)) await this.hostPorts.ensure(tenant);
        const site = await this.tenantEdge.siteOf(tenant, await this.deployments.load(tenant));
        if (site) sites.push(site);
      } catch (error) {
        broken.push(`${tenant.slug}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    if (broken.length) {
      // reconciling without them would remove their routes: keep the edge running, change nothing
      await this.edge.ensureEdge(host, this.tenantEdge.settingsOf(host));
      throw new Error(`sites could not be computed for ${broken.join('; ')}`);
    }
    await this.tenantEdge.reconcileHost(host, sites);
  }

  /** Renewed certificates into the running apps that present them. */
  async syncCertificates(): Promise<void> {
    for (const host of await this.hosts()) {
      const tenants = await this.dataSource.manager.find(Tenant, { where: { dockerHostId: host.id, state: In(['active', 'past_due']) } });
      for (const tenant of tenants) {
        try {
          const apps = (await this.deployments.load(tenant)).filter((app) => app.certificates.length);
          if (apps.length) await this.tenantEdge.installCertificates(host, tenant, apps, async (message) => this.logger.log(`${tenant.slug}: ${message}`));
        } catch (error) {
          this.logger.warn(`certificates of ${tenant.slug} not installed: ${(error as Error).message.split('\n')[0]}`);
        }
      }
    }
  }

  private hosts(): Promise<DockerHost[]> {
    return this.dataSource.manager.find(DockerHost, { where: { state: In(['active', 'draining', 'unreachable']) } });
  }
}
