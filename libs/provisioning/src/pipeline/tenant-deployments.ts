import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AdminAccess, type AdminPasswordReset, AppTemplate, CertificateInstall, generateSecrets, publishedPortsOf, renderAdminAccess, renderAdminPasswordReset, renderCertificateInstalls, renderDeploymentPlan, renderWebRoutes, TemplateCatalog, WebRoute } from '#catalog';
import { OrganizationsService } from '#identity';
import { DockerHost, HostPort, ServiceInstance, Tenant } from '../entities/index.js';
import { hostPortKey } from '../edge/host-ports.js';
import { AppConfig, SecretBox } from '#platform';
import type { DeploymentPlan } from '#runtime';

/** One app of a tenant, ready to apply: its row, its template, its rendered plan. */
export interface AppDeployment {
  instance: ServiceInstance;
  template: AppTemplate;
  plan: DeploymentPlan;
  admin: AdminAccess;
  secrets: Record<string, string>;
  /** Where the edge proxy sends the app's web requests. */
  web: WebRoute[];
  /** Certificates the app presents itself, from the edge (Prosody). */
  certificates: CertificateInstall[];
  /** Its published ports with their host ports and SRV service names (for DNS records). */
  published: { service: string; container: number; protocol: 'tcp' | 'udp'; srv?: string; hostPort?: number }[];
}

const secretsAad = (instanceId: string) => `service_instance:${instanceId}`;

/**
 * Turns stored state into deployment plans. Secrets are generated once and sealed in
 * the database before any container sees them, so a crash and a re-run render the
 * very same plan (same passwords, same hash) instead of a second set.
 */
@Injectable()
export class TenantDeployments {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalog: TemplateCatalog,
    private readonly secretBox: SecretBox,
    private readonly config: AppConfig,
    private readonly organizations: OrganizationsService,
  ) {}

  /** Generates and seals the secrets each app still lacks (keeps existing ones: some keys must never change). */
  async ensureSecrets(tenant: Tenant): Promise<void> {
    const instances = await this.instances(tenant.id);
    for (const instance of instances) {
      const template = this.catalog.get(instance.app);
      const existing = instance.sealedSecrets ? this.secretBox.openJson<Record<string, string>>(instance.sealedSecrets, secretsAad(instance.id)) : {};
      const secrets = generateSecrets(template, instance.version, existing);
      const changed = Object.keys(secrets).some((name) => existing[name] !== secrets[name]);
      if (changed || !instance.sealedSecrets) {
        await this.dataSource.manager.update(ServiceInstance, instance.id, { sealedSecrets: this.secretBox.sealJson(secrets, secretsAad(instance.id)) });
      }
    }
  }

  /** Renders every app of the tenant from what is stored. Pure apart from the reads. */
  async load(tenant: Tenant): Promise<AppDeployment[]> {
    return (await this.loadWithContext(tenant)).deployments;
  }

  /** The tenant's apps as deployed, with the club and the host ports they were rendered with. */
  private async loadWithContext(tenant: Tenant) {
    const organization = await this.organizations.get(tenant.organizationId);
    const instances = await this.instances(tenant.id);
    const hostPorts = Object.fromEntries((await this.dataSource.manager.find(HostPort, { where: { tenantId: tenant.id } })).map((row) => [row.key, row.port]));
    const host = tenant.dockerHostId ? await this.dataSource.manager.findOne(DockerHost, { where: { id: tenant.dockerHostId } }) : null;
    const ports = { hostIp: host?.publishIp ?? this.config.runtime.publishIp, hostPorts };
    const deployments = instances
      .filter((instance) => instance.state !== 'removed')
      .map((instance) => {
        if (!instance.sealedSecrets) throw new Error(`secrets of ${instance.app} are not prepared yet`);
        const secrets = this.secretBox.openJson<Record<string, string>>(instance.sealedSecrets, secretsAad(instance.id));
        return this.render(tenant, { id: tenant.id, slug: tenant.slug }, instance, instance.version, secrets, organization, ports);
      });
    return { deployments, organization, ports };
  }

  /**
   * The tenant's apps rendered as another tenant (a restore drill's scratch copy: its own id and
   * slug, hence its own container, volume and network names and labels), with the secrets and
   * versions a backup kept. The same domain: the data (XMPP accounts, posts) belongs to it. No
   * fixed host ports: those belong to the tenant itself.
   */
  async loadAs(tenant: Tenant, as: { id: string; slug: string }, apps: { app: string; version: string; secrets: Record<string, string> }[]): Promise<AppDeployment[]> {
    const organization = await this.organizations.get(tenant.organizationId);
    const instances = await this.instances(tenant.id);
    return apps.map((app) => {
      const instance = instances.find((candidate) => candidate.app === app.app);
      if (!instance) throw new Error(`tenant ${tenant.slug} has no ${app.app}`);
      return this.render(tenant, as, instance, app.version, app.secrets, organization, { hostIp: this.config.runtime.publishIp, hostPorts: {} });
    });
  }

  /** Whether the app's template can set a new admin password (the dashboard's reset). */
  canResetAdminPassword(app: string): boolean {
    return this.catalog.get(app).admin.passwordReset !== undefined;
  }

  /**
   * One app of the tenant rendered with a new admin password (and its other secrets as stored),
   * with the template's password reset: what the dashboard's "new admin password" runs. Null
   * when the tenant has no such app.
   */
  async withNewAdminPassword(tenant: Tenant, app: string): Promise<{ deployment: AppDeployment; reset: AdminPasswordReset | null; secrets: Record<string, string> } | null> {
    const { deployments, organization, ports } = await this.loadWithContext(tenant);
    const deployment = deployments.find((candidate) => candidate.instance.app === app);
    if (!deployment) return null;
    const { passwordSecret } = deployment.admin;
    const { [passwordSecret]: _old, ...kept } = deployment.secrets;
    // the template's own rule (length, alphabet) makes the new one; every other secret is kept
    const secrets = generateSecrets(deployment.template, deployment.instance.version, kept);
    const input = this.inputOf(tenant, { id: tenant.id, slug: tenant.slug }, deployment.instance, deployment.instance.version, secrets, organization, ports);
    return { deployment, reset: renderAdminPasswordReset(input), secrets };
  }

  /**
   * Seals these secrets as the apps' own (a restore or a clone brings back the keys its data was
   * made with). Apps not named keep theirs. True when anything changed.
   */
  async replaceSecrets(tenantId: string, secretsByApp: Record<string, Record<string, string>>, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    let changed = false;
    const instances = await manager.createQueryBuilder(ServiceInstance, 'i').addSelect('i.sealedSecrets').where('i.tenantId = :tenantId', { tenantId }).getMany();
    for (const instance of instances) {
      const secrets = secretsByApp[instance.app];
      if (!secrets) continue;
      const current = instance.sealedSecrets ? this.secretBox.openJson<Record<string, string>>(instance.sealedSecrets, secretsAad(instance.id)) : {};
      const same = Object.keys(secrets).length === Object.keys(current).length && Object.entries(secrets).every(([name, value]) => current[name] === value);
      if (same) continue;
      await manager.update(ServiceInstance, instance.id, { sealedSecrets: this.secretBox.sealJson(secrets, secretsAad(instance.id)) });
      changed = true;
    }
    return changed;
  }

  private render(
    tenant: Tenant,
    as: { id: string; slug: string },
    instance: ServiceInstance,
    version: string,
    secrets: Record<string, string>,
    organization: { contactEmail: string; name: string },
    ports: { hostIp: string; hostPorts: Record<string, number> },
  ): AppDeployment {
    const template = this.catalog.get(instance.app);
    const hostPortOf = (key: string) => ports.hostPorts[hostPortKey(instance.app, key)];
    const input = this.inputOf(tenant, as, instance, version, secrets, organization, ports);
    const published = publishedPortsOf(template).map((port) => ({ service: port.service, container: port.container, protocol: port.protocol, ...(port.srv ? { srv: port.srv } : {}), ...(hostPortOf(port.key) ? { hostPort: hostPortOf(port.key) } : {}) }));
    return {
      instance, template, plan: renderDeploymentPlan(input), admin: renderAdminAccess(input), secrets,
      web: renderWebRoutes(input), certificates: renderCertificateInstalls(input), published,
    };
  }

  private inputOf(
    tenant: Tenant,
    as: { id: string; slug: string },
    instance: ServiceInstance,
    version: string,
    secrets: Record<string, string>,
    organization: { contactEmail: string; name: string },
    ports: { hostIp: string; hostPorts: Record<string, number> },
  ) {
    const template = this.catalog.get(instance.app);
    return {
      manifest: template,
      tenant: as,
      version,
      domains: { primary: tenant.primaryDomain ?? `${tenant.slug}.${this.config.baseDomain}` },
      secrets,
      admin: { email: organization.contactEmail },
      clubName: organization.name,
      imageOverrides: { ...this.config.catalog.imageOverrides },
      web: { httpsPort: this.config.edge.httpsPort },
      published: { hostIp: ports.hostIp, ports: this.publishedPorts(template, instance.app, ports.hostPorts) },
    };
  }

  /** The app's host ports by the template's key (those not given yet are left to Docker). */
  private publishedPorts(template: AppTemplate, app: string, hostPorts: Record<string, number>): Record<string, number> {
    const ports: Record<string, number> = {};
    for (const port of publishedPortsOf(template)) if (hostPorts[hostPortKey(app, port.key)]) ports[port.key] = hostPorts[hostPortKey(app, port.key)];
    return ports;
  }

  instances(tenantId: string): Promise<ServiceInstance[]> {
    return this.dataSource.manager
      .createQueryBuilder(ServiceInstance, 'i')
      .addSelect('i.sealedSecrets')
      .where('i.tenantId = :tenantId', { tenantId })
      .orderBy('i.app', 'ASC')
      .getMany();
  }
}
