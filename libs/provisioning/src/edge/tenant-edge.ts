import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, Not } from 'typeorm';
import { tenantNetworkName } from '#catalog';
import { EdgeProxy, type EdgeHostSettings, type EdgeReconcileReport, type EdgeSite, type EdgeSiteState } from '#edge';
import { OrganizationsService } from '#identity';
import { AppConfig } from '#platform';
import { ContainerRuntime } from '#runtime';
import { DockerHost, Domain, Tenant } from '../entities/index.js';
import type { AppDeployment } from '../pipeline/tenant-deployments.js';
import { edgeSiteOf } from './edge-site-plan.js';

type Report = (message: string) => Promise<void>;

/**
 * The tenants' side of the edge proxy: builds each tenant's EdgeSite from the database (the
 * source of truth) and hands it to the EdgeProxy port, tenant by tenant (operations) or host by
 * host (the reconcile loop); copies the edge's certificates into apps that speak TLS themselves.
 */
@Injectable()
export class TenantEdge {
  private readonly logger = new Logger(TenantEdge.name);
  /** tenant/host name -> fingerprint of the certificate last installed (a restart installs once more; the app skips an unchanged one). */
  private readonly installed = new Map<string, string>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly edge: EdgeProxy,
    private readonly runtime: ContainerRuntime,
    private readonly organizations: OrganizationsService,
    private readonly config: AppConfig,
  ) {}

  /** Where this host's edge listens. */
  settingsOf(host: DockerHost): EdgeHostSettings {
    return { publishIp: host.publishIp ?? this.config.runtime.publishIp, httpPort: this.config.edge.httpPort, httpsPort: this.config.edge.httpsPort };
  }

  /** The tenant's site as the database says (or with `state` forced), null when the edge should not know it. */
  async siteOf(tenant: Tenant, apps: readonly AppDeployment[], state?: EdgeSiteState): Promise<EdgeSite | null> {
    const domains = await this.dataSource.manager.find(Domain, { where: { tenantId: tenant.id } });
    const organization = tenant.state === 'suspended' ? await this.organizations.get(tenant.organizationId) : null;
    return edgeSiteOf({
      tenant,
      network: tenantNetworkName(tenant.slug),
      domains,
      routes: apps.flatMap((app) => app.web),
      certificateHosts: apps.flatMap((app) => app.certificates.map((certificate) => certificate.hostName)),
      ...(organization ? { notice: { clubName: organization.name, paymentUrl: `${new URL(this.config.http.publicUrl).origin}/` } } : {}),
      ...(state ? { state } : {}),
    });
  }

  /**
   * Brings the tenant's site on its host's edge to what the database says (or `state`), creating
   * the edge first if needed. The edge is the reconcile loop's to repair: when it does not answer,
   * this says so and returns false instead of failing the tenant's operation.
   */
  async publish(host: DockerHost, tenant: Tenant, apps: readonly AppDeployment[], report: Report, state?: EdgeSiteState): Promise<boolean> {
    const site = await this.siteOf(tenant, apps, state);
    try {
      await this.edge.ensureEdge(host, this.settingsOf(host));
      if (!site) {
        const removed = await this.edge.removeSite(host, tenant.id);
        await report(removed ? 'edge: site removed' : 'edge: nothing to serve');
        return true;
      }
      const applied = await this.edge.applySite(host, site);
      await report(`edge: ${site.state} at ${site.hosts.filter((h) => h.routes.length).map((h) => h.name).join(', ')} (site ${applied.site})`);
      return true;
    } catch (error) {
      await this.edgeFailed(host, error as Error);
      await report(`edge did not answer (${(error as Error).message.split('\n')[0]}); the reconcile loop applies the site when it is back`);
      return false;
    }
  }

  /** Takes the tenant off the edge and out of the tenant's network (before the network is removed). */
  async withdraw(host: DockerHost, tenant: Tenant, report: Report): Promise<void> {
    try {
      const removed = await this.edge.removeSite(host, tenant.id);
      await report(removed ? 'edge: site removed' : 'edge: nothing to remove');
    } catch (error) {
      // the network must not be removed while the edge is attached to it: let the step retry
      await this.edgeFailed(host, error as Error);
      throw error;
    }
  }

  /** One host: the edge serves exactly the sites of the tenants placed there. Records what it found for /readyz. */
  async reconcileHost(host: DockerHost, sites: EdgeSite[]): Promise<EdgeReconcileReport> {
    try {
      const result = await this.edge.reconcile(host, this.settingsOf(host), sites);
      const problems = result.problems.map((problem) => (problem.tenantId ? `tenant ${problem.tenantId}: ${problem.message}` : problem.message));
      await this.dataSource.manager.update(DockerHost, host.id, { edgeState: 'ok', edgeError: problems.length ? problems.join('; ').slice(0, 2000) : null, edgeCheckedAt: new Date() });
      if (result.mode !== 'none' || result.container.created || result.container.started) {
        this.logger.log(`edge of ${host.name}: ${result.container.created ? 'created, ' : result.container.started ? 'started, ' : ''}${result.mode} (${result.changes.length} change(s))`);
      }
      return result;
    } catch (error) {
      await this.edgeFailed(host, error as Error);
      throw error;
    }
  }

  /**
   * Copies the edge's certificates into the apps that present them (Prosody's c2s/s2s), when
   * they are new or renewed. Obtains a missing one from the edge (the site must be published).
   */
  async installCertificates(host: DockerHost, tenant: Tenant, apps: readonly AppDeployment[], report: Report): Promise<void> {
    for (const app of apps) {
      for (const { hostName, hook } of app.certificates) {
        const certificate = await this.edge.certificateFor(host, hostName, { obtain: true });
        const bundle = `${certificate.certificatePem.trim()}\n${certificate.privateKeyPem.trim()}\n`;
        const fingerprint = createHash('sha256').update(bundle).digest('hex');
        const key = `${tenant.id}/${hostName}`;
        if (this.installed.get(key) === fingerprint) continue;
        const result = await this.runtime.runHook(host, app.plan, { ...hook, stdin: bundle });
        this.installed.set(key, fingerprint);
        await report(`${app.template.name}: certificate for ${hostName} ${result.stdout.includes('unchanged') ? 'up to date' : 'installed'} (valid until ${certificate.notAfter.toISOString().slice(0, 10)})`);
      }
    }
  }

  /** Tenants placed on the host whose state gives them a site, for the reconcile loop. */
  tenantsOn(host: DockerHost): Promise<Tenant[]> {
    return this.dataSource.manager.find(Tenant, { where: { dockerHostId: host.id, state: Not(In(['ordered', 'awaiting_payment'])) }, order: { slug: 'ASC' } });
  }

  private async edgeFailed(host: DockerHost, error: Error): Promise<void> {
    this.logger.warn(`edge of ${host.name}: ${error.message.split('\n')[0]}`);
    await this.dataSource.manager
      .update(DockerHost, host.id, { edgeState: 'failed', edgeError: error.message.slice(0, 2000), edgeCheckedAt: new Date() })
      .catch(() => undefined);
  }
}
