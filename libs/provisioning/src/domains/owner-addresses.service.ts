import { Injectable } from '@nestjs/common';
import type { AuditActor } from '#domain';
import { AccessCheck } from '#identity';
import { InvalidStateError } from '#platform';
import { RateLimits } from '#platform/limits';
import type { Tenant } from '../entities/index.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { CustomDomainsService, type DomainView, type VerificationResult } from './custom-domains.service.js';
import { type ReadinessReport, ReadinessService } from './readiness/readiness.service.js';
import { spendDomainCheck, spendReadinessRun } from './request-limits.js';

/** A tenant's addresses and checks as its owner sees them on the order page. */
export interface OwnerAddressesView {
  domains: DomainView[];
  readiness: ReadinessReport | null;
}

/** Tenants whose addresses their owners manage from the order page. */
const MANAGED: readonly Tenant['state'][] = ['active', 'past_due'];

/**
 * The custom domains and readiness checks for callers known by account (the order page's
 * login form, which holds the order link): identity's owner check first, then the same services
 * and per-tenant limits as the API. Operators are refused here, as for the admin logins.
 */
@Injectable()
export class OwnerAddresses {
  constructor(
    private readonly tenants: TenantsService,
    private readonly access: AccessCheck,
    private readonly limits: RateLimits,
    private readonly domains: CustomDomainsService,
    private readonly readiness: ReadinessService,
  ) {}

  async view(tenantId: string, accountId: string): Promise<OwnerAddressesView> {
    await this.requireOwner(tenantId, accountId);
    return this.load(tenantId);
  }

  async add(tenantId: string, accountId: string, name: string): Promise<DomainView> {
    return this.domains.add(tenantId, name, await this.requireOwner(tenantId, accountId));
  }

  async verify(tenantId: string, accountId: string, name: string): Promise<VerificationResult> {
    const actor = await this.requireOwner(tenantId, accountId);
    await spendDomainCheck(this.limits, tenantId);
    return this.domains.verifyNow(tenantId, name, actor);
  }

  async remove(tenantId: string, accountId: string, name: string): Promise<void> {
    await this.domains.remove(tenantId, name, await this.requireOwner(tenantId, accountId));
  }

  async runChecks(tenantId: string, accountId: string): Promise<ReadinessReport> {
    await this.requireOwner(tenantId, accountId);
    await spendReadinessRun(this.limits, tenantId);
    return this.readiness.run(tenantId, 'request');
  }

  /** What the page shows after an action (no owner check: the action made it). */
  async load(tenantId: string): Promise<OwnerAddressesView> {
    const [domains, readiness] = await Promise.all([this.domains.list(tenantId), this.readiness.latest(tenantId)]);
    return { domains, readiness };
  }

  private async requireOwner(tenantId: string, accountId: string): Promise<AuditActor> {
    const tenant = await this.tenants.get(tenantId);
    await this.access.requireMemberRole(accountId, tenant.organizationId, ['owner'], 'Tenant', 'forbidden');
    if (!MANAGED.includes(tenant.state)) throw new InvalidStateError('addresses.not_ready', 'The addresses can be managed once the instance is ready');
    return { type: 'account', id: accountId };
  }
}
