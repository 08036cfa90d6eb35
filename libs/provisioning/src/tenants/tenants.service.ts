import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { PlansService, TemplateCatalog, type CatalogProblemCode, type Plan } from '#catalog';
import { AuditActor, AuditLog, type TenantState } from '#domain';
import { OrganizationsService } from '#identity';
import { AppConfig, ConflictError, type FieldProblem, NotFoundError, problem, ValidationFailedError } from '#platform';
import { newVerificationToken } from '../domains/dns-records.js';
import { Domain, ServiceInstance, Tenant } from '../entities/index.js';
import type { ProvisioningProblemCode } from '../problems.js';
import { TenantDirectory } from './tenant-directory.js';
import { checkCustomDomain, checkSubdomain } from './tenant-names.js';

export interface NewTenant {
  organizationId: string;
  planCode: string;
  /** The club's name under the cooperative's domain: <subdomain>.<base domain>. */
  subdomain?: string;
  /** The club's own domain; the subdomain is then optional. */
  customDomain?: string;
  /** Only orderable plans unless an operator says otherwise. */
  allowRetiredPlan?: boolean;
  /** Template version per app; each app's default when omitted. */
  versions?: Record<string, string>;
}


/** Whether a name can be ordered; `taken` tells a conflict (someone has it) from a name that is not valid. */
export type Availability = { available: true; domain: string } | { available: false; reason: FieldProblem; taken: boolean };

@Injectable()
export class TenantsService extends TenantDirectory {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
    private readonly catalog: TemplateCatalog,
    private readonly plans: PlansService,
    private readonly organizations: OrganizationsService,
  ) {
    super();
  }

  /** Whether a subdomain can be ordered now; the form's live check and the server's final word. */
  async subdomainAvailability(subdomain: string, manager: EntityManager = this.dataSource.manager): Promise<Availability> {
    const check = checkSubdomain(subdomain);
    if (!check.ok) return { available: false, reason: check.problem, taken: false };
    const domain = `${check.value}.${this.config.baseDomain}`;
    const taken = (await manager.exists(Domain, { where: { name: domain } })) || (await manager.exists(Tenant, { where: { slug: check.value } }));
    return taken ? { available: false, reason: problem<ProvisioningProblemCode>('subdomain.taken'), taken: true } : { available: true, domain };
  }

  /** Whether a club's own domain can be ordered now (valid, not under our base domain, not in use). */
  async customDomainAvailability(customDomain: string, manager: EntityManager = this.dataSource.manager): Promise<Availability> {
    const check = checkCustomDomain(customDomain, this.config.baseDomain);
    if (!check.ok) return { available: false, reason: check.problem, taken: false };
    if (await manager.exists(Domain, { where: { name: check.value } })) return { available: false, reason: problem<ProvisioningProblemCode>('domain.in_use'), taken: true };
    return { available: true, domain: check.value };
  }

  /**
   * Creates a tenant in state `ordered` with its domains. Every field is checked before
   * anything is written; errors name the field (subdomain, customDomain, planCode).
   */
  async create(input: NewTenant, actor: AuditActor, manager?: EntityManager): Promise<Tenant> {
    const run = (m: EntityManager) => this.createIn(m, input, actor);
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  private async createIn(manager: EntityManager, input: NewTenant, actor: AuditActor): Promise<Tenant> {
    const organization = await this.organizations.get(input.organizationId, manager);
    const plan = await this.plans.getByCode(input.planCode).catch(() => null);
    if (!plan || (!plan.orderable && !input.allowRetiredPlan)) throw ValidationFailedError.field('planCode', problem<CatalogProblemCode>('plan.not_orderable'));
    const versions = this.resolveVersions(plan, input.versions ?? {});
    if (!input.subdomain && !input.customDomain) {
      throw ValidationFailedError.field('subdomain', problem<ProvisioningProblemCode>('address.missing'));
    }

    const domains: { name: string; kind: 'subdomain' | 'custom' }[] = [];
    let slug: string;
    if (input.subdomain) {
      const availability = await this.subdomainAvailability(input.subdomain, manager);
      if (!availability.available) {
        throw availability.taken
          ? new ConflictError('tenant.subdomain_taken', `The subdomain "${input.subdomain}" is already taken`, { subdomain: availability.reason })
          : ValidationFailedError.field('subdomain', availability.reason);
      }
      slug = input.subdomain.trim().toLowerCase();
      domains.push({ name: availability.domain, kind: 'subdomain' });
    } else {
      slug = await this.freeSlug(manager, organization.slug);
      domains.push({ name: `${slug}.${this.config.baseDomain}`, kind: 'subdomain' });
    }
    if (input.customDomain) {
      const availability = await this.customDomainAvailability(input.customDomain, manager);
      if (!availability.available) {
        throw availability.taken
          ? new ConflictError('tenant.domain_taken', `The domain ${input.customDomain.trim()} is already in use here`, { customDomain: availability.reason })
          : ValidationFailedError.field('customDomain', availability.reason);
      }
      domains.push({ name: availability.domain, kind: 'custom' });
    }
    // the club's own domain is what its members use; the subdomain stays as a fallback
    const primary = domains.find((d) => d.kind === 'custom') ?? domains[0];

    const tenant = await manager.save(
      manager.create(Tenant, {
        organizationId: organization.id,
        slug,
        state: 'ordered',
        planId: plan.id,
        primaryDomain: primary.name,
        stateChangedAt: new Date(),
      }),
    );
    for (const domain of domains) {
      await manager.save(
        manager.create(Domain, {
          tenantId: tenant.id,
          name: domain.name,
          kind: domain.kind,
          isPrimary: domain === primary,
          // our own subdomains are ours to vouch for; a club's domain must prove itself by DNS
          verificationState: domain.kind === 'subdomain' ? 'verified' : 'pending',
          verifiedAt: domain.kind === 'subdomain' ? new Date() : null,
          verificationToken: domain.kind === 'custom' ? newVerificationToken() : null,
        }),
      );
    }
    for (const [app, version] of Object.entries(versions)) {
      await manager.save(manager.create(ServiceInstance, { tenantId: tenant.id, app, version, state: 'pending' }));
    }
    await this.audit.record(
      { actor, action: 'tenant.ordered', target: { type: 'tenant', id: tenant.id }, organizationId: organization.id, details: { plan: plan.code, versions, domains: domains.map((d) => d.name) } },
      manager,
    );
    return tenant;
  }

  /** app -> version for every app of the plan; an unknown app or version is a 400 naming it. */
  private resolveVersions(plan: Plan, requested: Record<string, string>): Record<string, string> {
    const unknown = Object.keys(requested).filter((app) => !plan.apps.includes(app));
    if (unknown.length) throw ValidationFailedError.field('versions', problem<ProvisioningProblemCode>('versions.not_in_plan', { plan: plan.code, apps: unknown.join(', ') }));
    return Object.fromEntries(
      plan.apps.map((app) => {
        try {
          return [app, this.catalog.resolveVersion(app, requested[app])];
        } catch (error) {
          const problemOfVersion = error instanceof ValidationFailedError ? Object.values(error.fields ?? {})[0] : undefined;
          if (problemOfVersion) throw ValidationFailedError.field(`versions.${app}`, problemOfVersion);
          throw error;
        }
      }),
    );
  }

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<Tenant> {
    const tenant = await manager.findOne(Tenant, { where: { id } });
    if (!tenant) throw new NotFoundError('Tenant');
    return tenant;
  }

  /** The tenant if it exists (for lists and pages that show "not yet"). */
  find(id: string, manager: EntityManager = this.dataSource.manager): Promise<Tenant | null> {
    return manager.findOne(Tenant, { where: { id } });
  }

  listForOrganization(organizationId: string): Promise<Tenant[]> {
    return this.dataSource.manager.find(Tenant, { where: { organizationId }, order: { createdAt: 'DESC' } });
  }

  /** The current state of each tenant, by id (billing compares them with subscriptions). */
  async statesOf(ids: readonly string[]): Promise<Map<string, TenantState>> {
    if (ids.length === 0) return new Map();
    const tenants = await this.dataSource.manager.find(Tenant, { where: { id: In([...new Set(ids)]) }, select: { id: true, state: true } });
    return new Map(tenants.map((tenant) => [tenant.id, tenant.state]));
  }

  /**
   * The tenant moves to another plan with the same apps (billing's plan change): nothing is
   * deployed differently, only what the club pays for. In the caller's transaction, audited.
   */
  async changePlan(tenantId: string, plan: Plan, actor: AuditActor, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const tenant = await manager.findOne(Tenant, { where: { id: tenantId }, lock: { mode: 'pessimistic_write' } });
    if (!tenant) throw new NotFoundError('Tenant');
    const current = await this.plans.getById(tenant.planId);
    if ([...current.apps].sort().join(',') !== [...plan.apps].sort().join(',')) {
      throw new ConflictError('tenant.plan_apps', `The plan ${plan.code} has other apps than ${current.code}; only plans with the same apps can be switched to`);
    }
    if (current.id === plan.id) return;
    await manager.update(Tenant, tenant.id, { planId: plan.id });
    await this.audit.record(
      { actor, action: 'tenant.plan_changed', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, details: { from: current.code, to: plan.code } },
      manager,
    );
  }

  /** The plan a tenant runs, for pages and responses. */
  planOf(tenant: Pick<Tenant, 'planId'>): Promise<Plan> {
    return this.plans.getById(tenant.planId);
  }

  /** The tenant's apps as a person sees them (never their secrets). */
  async services(tenantId: string) {
    const instances = await this.dataSource.manager.find(ServiceInstance, { where: { tenantId }, order: { app: 'ASC' } });
    return instances.map(({ id, app, version, state, health, healthDetail, healthCheckedAt, endpoints }) => ({ id, app, version, state, health, healthDetail, healthCheckedAt, endpoints }));
  }

  domains(tenantId: string, manager: EntityManager = this.dataSource.manager): Promise<Domain[]> {
    return manager.find(Domain, { where: { tenantId }, order: { isPrimary: 'DESC', name: 'ASC' } });
  }

  private async freeSlug(manager: EntityManager, base: string): Promise<string> {
    const root = base.slice(0, 34).replace(/-+$/, '');
    for (let n = 1; n < 10_000; n++) {
      const candidate = n === 1 ? root : `${root}-${n}`;
      if (checkSubdomain(candidate).ok && !(await manager.exists(Tenant, { where: { slug: candidate } })) && !(await manager.exists(Domain, { where: { name: `${candidate}.${this.config.baseDomain}` } }))) {
        return candidate;
      }
    }
    throw new ConflictError('tenant.no_free_name', 'No free name could be found for this tenant');
  }
}
