import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, QueryFailedError } from 'typeorm';
import { AuditLog, type AuditActor, SYSTEM_ACTOR } from '#domain';
import { AccountsService, MailOutbox, OrganizationsService } from '#identity';
import { AppConfig, ConflictError, InvalidStateError, NotFoundError, problem, ValidationFailedError } from '#platform';
import { Domain, ServiceInstance, Tenant } from '../entities/index.js';
import type { ProvisioningProblemCode } from '../problems.js';
import { checkCustomDomain } from '../tenants/tenant-names.js';
import { type CheckResult, fixLine } from './check-result.js';
import { type DnsObservations, type DomainTarget, evaluateRecords, lookupsFor, newVerificationToken, type NameObservation, type RecordRequirement, requiredRecords, verificationOutcome, type XmppRecordsInput } from './dns-records.js';
import { DnsResolver } from './dns-resolver.port.js';
import { DOMAIN_FLAGGED_LETTER, DOMAIN_RESTORED_LETTER, DOMAIN_WITHDRAWN_LETTER, type DomainLetterValues } from './domain-letters.js';
import { DomainServingListener } from './domain-serving.listener.js';
import { isServed, nextVerification, releaseDue, type VerificationNotice, type VerificationPolicy, withdrawalDue } from './domain-verification.js';
import { displayDomain } from './homographs.js';

/** Custom domains one tenant may have (each is re-checked in DNS regularly). */
export const MAX_CUSTOM_DOMAINS = 20;
const CHECK_BATCH = 50;
/** Tenants whose domains are no longer looked after. */
const GONE: Tenant['state'][] = ['terminating', 'terminated'];

/** A domain of a tenant as owners and operators see it: its state, the records to create, the last check. */
export interface DomainView {
  name: string;
  /** "gärtner.de (xn--grtner-bua.de)" for an IDN. */
  display: string;
  kind: Domain['kind'];
  isPrimary: boolean;
  state: Domain['verificationState'];
  /** Whether the edge serves it now. */
  served: boolean;
  verifiedAt: Date | null;
  flaggedAt: Date | null;
  /** A flagged domain is withdrawn then, unless its records come back. */
  withdrawalDue: Date | null;
  withdrawnAt: Date | null;
  /** An unverified or withdrawn claim is released then (never the primary domain). */
  releaseDue: Date | null;
  checkedAt: Date | null;
  /** The records to create at the DNS provider (for the cooperative's own subdomain: the cooperative's). */
  records: RecordRequirement[];
  lastCheck: CheckResult[];
}

/** What a check did; `edgeChanged`: the tenant's edge site must be applied again (the listener was told). */
export interface VerificationResult {
  domain: DomainView | null;
  previousState: Domain['verificationState'];
  state: Domain['verificationState'] | 'released';
  edgeChanged: boolean;
  results: CheckResult[];
}

/** Facts about a tenant that its records depend on, looked up once per request. */
interface TenantDnsFacts {
  tenant: Tenant;
  target: DomainTarget;
  xmpp?: XmppRecordsInput;
}

/** A domain row as the verification decision sees it. */
const factsOfDomain = (domain: Domain) => ({ state: domain.verificationState, createdAt: domain.createdAt, verifiedAt: domain.verifiedAt, flaggedAt: domain.flaggedAt, withdrawnAt: domain.withdrawnAt });

const isUniqueViolation = (error: unknown) => error instanceof QueryFailedError && (error as QueryFailedError & { code?: string }).code === '23505';

/**
 * A tenant's custom domains: owners add them, Allmende shows the records to create and checks
 * them in DNS (now, on request, and periodically); a verified domain whose records disappear is
 * flagged to the owner and withdrawn from the edge after the grace period.
 */
@Injectable()
export class CustomDomainsService {
  private readonly logger = new Logger(CustomDomainsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly dns: DnsResolver,
    private readonly audit: AuditLog,
    private readonly outbox: MailOutbox,
    private readonly organizations: OrganizationsService,
    private readonly listener: DomainServingListener,
    private readonly accounts: AccountsService,
  ) {}

  private get policy(): VerificationPolicy {
    return { graceMs: this.config.domains.graceMs, pendingReleaseMs: this.config.domains.pendingReleaseMs };
  }

  /**
   * Adds a club's own domain to a tenant, pending until DNS proves it. Refused, naming the
   * field `name`: invalid or hostile names, names under the base domain, a name any tenant has
   * (in any case, with or without the trailing dot), more than MAX_CUSTOM_DOMAINS.
   */
  async add(tenantId: string, input: string, actor: AuditActor): Promise<DomainView> {
    const check = checkCustomDomain(typeof input === 'string' ? input : '', this.config.baseDomain);
    if (!check.ok) throw ValidationFailedError.field('name', check.problem);
    const name = check.value;
    let domain: Domain;
    try {
      domain = await this.dataSource.transaction(async (manager) => {
        // one add at a time per tenant, so the limit holds
        const tenant = await manager.findOne(Tenant, { where: { id: tenantId }, lock: { mode: 'pessimistic_write' } });
        if (!tenant) throw new NotFoundError('Tenant');
        if (GONE.includes(tenant.state)) throw new InvalidStateError('tenant.ending', 'This instance is being shut down; domains cannot be added');
        const existing = await manager.findOne(Domain, { where: { name } });
        if (existing?.tenantId === tenant.id) throw new ConflictError('domain.already_added', `${name} is already a domain of this instance`, { name: problem<ProvisioningProblemCode>('domain.already_added') });
        if (existing) throw this.inUse(name);
        const count = await manager.count(Domain, { where: { tenantId: tenant.id, kind: 'custom' } });
        if (count >= MAX_CUSTOM_DOMAINS) throw ValidationFailedError.field('name', problem<ProvisioningProblemCode>('domain.too_many', { max: MAX_CUSTOM_DOMAINS }));
        const created = await manager.save(
          manager.create(Domain, { tenantId: tenant.id, name, kind: 'custom', isPrimary: false, verificationState: 'pending', verificationToken: newVerificationToken(), verifiedAt: null }),
        );
        await this.audit.record({ actor, action: 'domain.added', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, details: { domain: name } }, manager);
        return created;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw this.inUse(name); // another tenant added it at the same moment
      throw error;
    }
    const facts = await this.factsOf(tenantId);
    return this.view(domain, facts);
  }

  private inUse(name: string): ConflictError {
    return new ConflictError('domain.in_use', `The domain ${name} is already in use here`, { name: problem<ProvisioningProblemCode>('domain.in_use') });
  }

  /** Every domain of a tenant with the records it needs and its last check (custom domains first after the primary). */
  async list(tenantId: string): Promise<DomainView[]> {
    const facts = await this.factsOf(tenantId);
    const domains = await this.dataSource.manager.find(Domain, { where: { tenantId }, order: { isPrimary: 'DESC', kind: 'ASC', name: 'ASC' } });
    return domains.map((domain) => this.view(domain, facts));
  }

  /** One domain of a tenant (404 when the tenant has no such domain). */
  async get(tenantId: string, name: string): Promise<DomainView> {
    const domain = await this.find(tenantId, name);
    return this.view(domain, await this.factsOf(tenantId));
  }

  /** The names the edge may serve and obtain certificates for: the tenant's subdomains and its verified (or flagged, in grace) custom domains. */
  async servedNames(tenantId: string): Promise<string[]> {
    const domains = await this.dataSource.manager.find(Domain, { where: { tenantId }, order: { isPrimary: 'DESC', name: 'ASC' } });
    return domains.filter((domain) => domain.kind === 'subdomain' || isServed(domain.verificationState)).map((domain) => domain.name);
  }

  /** Checks one custom domain in DNS now and moves its state. */
  async verifyNow(tenantId: string, name: string, actor: AuditActor, now = new Date()): Promise<VerificationResult> {
    const domain = await this.find(tenantId, name);
    if (domain.kind !== 'custom') throw ValidationFailedError.field('name', problem<ProvisioningProblemCode>('domain.not_custom'));
    return this.checkAndApply(domain.id, actor, now);
  }

  /** Removes a custom domain (never the cooperative's subdomain, never the primary domain). */
  async remove(tenantId: string, name: string, actor: AuditActor): Promise<{ edgeChanged: boolean }> {
    const removed = await this.dataSource.transaction(async (manager) => {
      const domain = await this.find(tenantId, name, manager, true);
      if (domain.kind !== 'custom') throw ValidationFailedError.field('name', problem<ProvisioningProblemCode>('domain.not_custom'));
      if (domain.isPrimary) throw ValidationFailedError.field('name', problem<ProvisioningProblemCode>('domain.primary'));
      await manager.delete(Domain, { id: domain.id });
      const tenant = await manager.findOneByOrFail(Tenant, { id: tenantId });
      await this.audit.record({ actor, action: 'domain.removed', target: { type: 'tenant', id: tenantId }, organizationId: tenant.organizationId, details: { domain: domain.name, state: domain.verificationState } }, manager);
      return domain;
    });
    const edgeChanged = isServed(removed.verificationState);
    if (edgeChanged) await this.tell({ tenantId, domain: removed.name, served: false, state: 'released' });
    return { edgeChanged };
  }

  /**
   * One pass of the periodic re-check: custom domains not checked within the interval (oldest
   * first; never-checked first of all), claimed so that several workers share the work.
   */
  async recheckDue(now = new Date(), limit = CHECK_BATCH): Promise<VerificationResult[]> {
    const dueBefore = new Date(now.getTime() - this.config.domains.recheckIntervalMs);
    // claiming = stamping checked_at; a worker that dies mid-check leaves it for the next interval
    const [rows]: [{ id: string }[], number] = await this.dataSource.query(
      `update domain set checked_at = $1
        where id in (select d.id from domain d join tenant t on t.id = d.tenant_id
                      where d.kind = 'custom' and (d.checked_at is null or d.checked_at <= $2) and t.state <> all($3)
                      order by d.checked_at asc nulls first limit $4 for update of d skip locked)
        returning id`,
      [now, dueBefore, GONE, limit],
    );
    const results: VerificationResult[] = [];
    for (const { id } of rows) {
      try {
        results.push(await this.checkAndApply(id, SYSTEM_ACTOR('custom-domains'), now));
      } catch (error) {
        this.logger.warn(`checking domain ${id} failed: ${(error as Error).message}`);
      }
    }
    return results;
  }

  /** Looks the domain's records up, then applies the state transition under a row lock. */
  private async checkAndApply(domainId: string, actor: AuditActor, now: Date): Promise<VerificationResult> {
    const before = await this.dataSource.manager.findOneByOrFail(Domain, { id: domainId });
    const facts = await this.factsOf(before.tenantId);
    const requirements = this.requirementsOf(before, facts);
    const results = evaluateRecords(before.name, requirements, await this.observe(requirements), facts.target);
    const outcome = verificationOutcome(results);

    const applied = await this.dataSource.transaction(async (manager) => {
      const domain = await manager.findOne(Domain, { where: { id: domainId }, lock: { mode: 'pessimistic_write' } });
      if (!domain) return null; // removed meanwhile
      const step = nextVerification(factsOfDomain(domain), outcome, now, this.policy, !domain.isPrimary);
      const previousState = domain.verificationState;
      if (step.effect === 'release') {
        await manager.delete(Domain, { id: domain.id });
        await this.audit.record({ actor, action: 'domain.released', target: { type: 'tenant', id: domain.tenantId }, organizationId: facts.tenant.organizationId, details: { domain: domain.name, state: previousState } }, manager);
        return { domain: null, previousState, state: 'released' as const, effect: step.effect };
      }
      Object.assign(domain, { verificationState: step.state, verifiedAt: step.verifiedAt, flaggedAt: step.flaggedAt, withdrawnAt: step.withdrawnAt, checkedAt: now, lastCheck: results });
      await manager.save(domain);
      if (step.state !== previousState) {
        await this.audit.record(
          { actor, action: `domain.${step.state}`, target: { type: 'tenant', id: domain.tenantId }, organizationId: facts.tenant.organizationId, details: { domain: domain.name, from: previousState, failing: results.filter((r) => r.status === 'failing').map(fixLine) } },
          manager,
        );
      }
      if (step.notice) await this.notify(manager, facts.tenant, domain, step.notice, results);
      return { domain, previousState, state: step.state, effect: step.effect };
    });
    if (!applied) throw new NotFoundError('Domain');
    const edgeChanged = applied.effect === 'serve' || applied.effect === 'withdraw' || (applied.effect === 'release' && isServed(applied.previousState));
    if (edgeChanged) await this.tell({ tenantId: before.tenantId, domain: before.name, served: applied.effect === 'serve', state: applied.state });
    return { domain: applied.domain && this.view(applied.domain, facts), previousState: applied.previousState, state: applied.state, edgeChanged, results };
  }

  private async tell(change: Parameters<DomainServingListener['servingChanged']>[0]): Promise<void> {
    try {
      await this.listener.servingChanged(change);
    } catch (error) {
      this.logger.error(`the edge could not be told that ${change.domain} is ${change.state}: ${(error as Error).message}`);
    }
  }

  /** A letter to the club's contact address, in the transaction that changed the state. */
  private async notify(manager: EntityManager, tenant: Tenant, domain: Domain, notice: VerificationNotice, results: CheckResult[]): Promise<void> {
    const organization = await this.organizations.get(tenant.organizationId, manager);
    const template = { flagged: DOMAIN_FLAGGED_LETTER, withdrawn: DOMAIN_WITHDRAWN_LETTER, restored: DOMAIN_RESTORED_LETTER }[notice];
    const due = withdrawalDue(factsOfDomain(domain), this.policy);
    const values: DomainLetterValues = {
      club: organization.name,
      domain: displayDomain(domain.name),
      fixes: results.filter((result) => result.status === 'failing').map(fixLine).join('\n'),
      withdrawAt: due ? `${due.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '',
    };
    await this.outbox.enqueue({ template, to: organization.contactEmail, locale: await this.accounts.localeOf(organization.contactEmail, manager), values }, manager);
  }

  private async find(tenantId: string, name: string, manager: EntityManager = this.dataSource.manager, lock = false): Promise<Domain> {
    const normal = typeof name === 'string' ? name.trim().toLowerCase().replace(/\.$/, '') : '';
    const check = checkCustomDomain(normal, this.config.baseDomain);
    const candidates = [normal, ...(check.ok ? [check.value] : [])];
    const domain = await manager.findOne(Domain, { where: { tenantId, name: In(candidates) }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!domain) throw new NotFoundError('Domain');
    return domain;
  }

  /** The tenant, where its names must point (its subdomain and that name's addresses), its XMPP ports. */
  async factsOf(tenantId: string): Promise<TenantDnsFacts> {
    const tenant = await this.dataSource.manager.findOne(Tenant, { where: { id: tenantId } });
    if (!tenant) throw new NotFoundError('Tenant');
    const subdomain = await this.dataSource.manager.findOne(Domain, { where: { tenantId, kind: 'subdomain' }, order: { isPrimary: 'DESC', name: 'ASC' } });
    const hostName = subdomain?.name ?? `${tenant.slug}.${this.config.baseDomain}`;
    const [v4, v6] = await Promise.all([this.dns.lookup(hostName, 'A'), this.dns.lookup(hostName, 'AAAA')]);
    const addresses = [...(v4.ok ? v4.records : []), ...(v6.ok ? v6.records : [])];
    const prosody = await this.dataSource.manager.findOne(ServiceInstance, { where: { tenantId, app: 'prosody' } });
    const port = (containerPort: number) => prosody?.endpoints.find((endpoint) => endpoint.containerPort === containerPort)?.hostPort ?? containerPort;
    const xmpp = prosody && tenant.primaryDomain ? { clientPort: port(5222), serverPort: port(5269), groupchatDomain: `conference.${tenant.primaryDomain}` } : undefined;
    return { tenant, target: { hostName, addresses }, xmpp };
  }

  /** The records one domain needs (SRV records only on the tenant's XMPP domain, its primary one). */
  requirementsOf(domain: Pick<Domain, 'name' | 'kind' | 'verificationToken'>, facts: TenantDnsFacts): RecordRequirement[] {
    return requiredRecords({
      name: domain.name,
      kind: domain.kind,
      verificationToken: domain.verificationToken,
      target: facts.target,
      xmpp: domain.name === facts.tenant.primaryDomain ? facts.xmpp : undefined,
    });
  }

  /** Looks up every name and type the requirements need, in parallel. */
  async observe(requirements: readonly RecordRequirement[]): Promise<DnsObservations> {
    const observations = new Map<string, NameObservation>();
    await Promise.all(
      lookupsFor(requirements).map(async ({ name, type }) => {
        const answer = await this.dns.lookup(name, type);
        observations.set(name, { ...observations.get(name), [type]: answer });
      }),
    );
    return observations;
  }

  private view(domain: Domain, facts: TenantDnsFacts): DomainView {
    return {
      name: domain.name,
      display: displayDomain(domain.name),
      kind: domain.kind,
      isPrimary: domain.isPrimary,
      state: domain.verificationState,
      served: domain.kind === 'subdomain' || isServed(domain.verificationState),
      verifiedAt: domain.verifiedAt,
      flaggedAt: domain.flaggedAt,
      withdrawalDue: withdrawalDue(factsOfDomain(domain), this.policy),
      withdrawnAt: domain.withdrawnAt,
      releaseDue: domain.kind === 'custom' && !domain.isPrimary ? releaseDue(factsOfDomain(domain), this.policy) : null,
      checkedAt: domain.checkedAt,
      records: this.requirementsOf(domain, facts),
      lastCheck: domain.lastCheck ?? [],
    };
  }
}
