import { isIP } from 'node:net';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Domain, ServiceInstance, TenantReadiness } from '../../entities/index.js';
import { type CheckResult, overallStatus } from '../check-result.js';
import { CustomDomainsService } from '../custom-domains.service.js';
import { evaluateRecords } from '../dns-records.js';
import { DnsResolver } from '../dns-resolver.port.js';
import { isServed } from '../domain-verification.js';
import { evaluateCertificate, evaluateHostMeta, evaluateNodeinfo, evaluateRedirect, evaluateWebfinger, evaluateWordpressHome, evaluateXmpp, nodeinfoLink } from './evaluate.js';
import { type Endpoint, httpGet, probeTls, probeXmpp } from './probes.js';
import { type ProbeSettings, ReadinessSettings } from './readiness-settings.js';

/** A tenant's readiness: every check with its outcome, when they ran, and the worst status. */
export interface ReadinessReport {
  tenantId: string;
  checkedAt: Date;
  status: TenantReadiness['status'];
  trigger: TenantReadiness['trigger'];
  durationMs: number;
  results: CheckResult[];
}

/** Probes of one run share the host; a few at a time is plenty. */
const PARALLEL_PROBES = 4;

async function inParallel<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

type Reach = { ok: true; endpoint: Endpoint; where: string } | { ok: false; result: CheckResult };

/**
 * Readiness checks per tenant: its DNS records (every domain), HTTPS with a valid certificate
 * and HTTP->HTTPS for every served name, and its apps' protocols on the primary domain
 * (Mastodon WebFinger/host-meta/NodeInfo, XMPP c2s/s2s with STARTTLS, WordPress's home URL).
 * Probes connect only to the tenant's own host addresses (what its name under the base domain
 * resolves to): a club's DNS cannot point them at anything else.
 */
@Injectable()
export class ReadinessService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly domains: CustomDomainsService,
    private readonly dns: DnsResolver,
    private readonly settings: ReadinessSettings,
  ) {}

  /** The stored report, or null when none ran yet. */
  async latest(tenantId: string): Promise<ReadinessReport | null> {
    const row = await this.dataSource.manager.findOne(TenantReadiness, { where: { tenantId } });
    return row && { tenantId: row.tenantId, checkedAt: row.checkedAt, status: row.status, trigger: row.trigger, durationMs: row.durationMs, results: row.results };
  }

  /** Runs every check of the tenant now and stores the report. */
  async run(tenantId: string, trigger: TenantReadiness['trigger'], now = new Date()): Promise<ReadinessReport> {
    const started = Date.now();
    const facts = await this.domains.factsOf(tenantId);
    const { tenant, target } = facts;
    const settings = await this.settings.forTenant(tenant);
    const domains = await this.dataSource.manager.find(Domain, { where: { tenantId }, order: { isPrimary: 'DESC', kind: 'ASC', name: 'ASC' } });
    const apps = new Set((await this.dataSource.manager.find(ServiceInstance, { where: { tenantId }, select: { app: true } })).map((instance) => instance.app));
    const ours = new Set(target.addresses);

    const dnsChecks = domains.map((domain) => async () => {
      const requirements = this.domains.requirementsOf(domain, facts);
      return evaluateRecords(domain.name, requirements, await this.domains.observe(requirements), target);
    });

    const served = domains.filter((domain) => domain.kind === 'subdomain' || isServed(domain.verificationState)).map((domain) => domain.name);
    const webChecks = served.map((name) => async (): Promise<CheckResult[]> => {
      const reach = await this.reach(name, settings.httpsPort, ours, 'https.certificate');
      if (!reach.ok) return [reach.result, { ...reach.result, check: 'http.redirect' }];
      const options = { ca: settings.ca, timeoutMs: settings.timeoutMs };
      const [tls, redirect] = await Promise.all([
        probeTls(reach.endpoint, name, options, ['h2', 'http/1.1']),
        httpGet('http', { address: reach.endpoint.address, port: settings.httpPort }, name, '/', options),
      ]);
      return [evaluateCertificate(name, tls, now), evaluateRedirect(name, redirect)];
    });

    const primary = tenant.primaryDomain;
    const appChecks: (() => Promise<CheckResult[]>)[] = [];
    if (primary && served.includes(primary)) {
      if (apps.has('mastodon')) appChecks.push(() => this.mastodon(primary, primary, settings, ours));
      if (apps.has('wordpress')) appChecks.push(() => this.wordpress(primary, settings, ours));
      if (apps.has('prosody')) appChecks.push(() => this.xmpp(primary, settings, ours, now));
    }

    const results = (await inParallel([...dnsChecks, ...webChecks, ...appChecks], PARALLEL_PROBES)).flat();
    const report: ReadinessReport = { tenantId, checkedAt: now, status: overallStatus(results), trigger, durationMs: Date.now() - started, results };
    await this.dataSource.manager.upsert(TenantReadiness, report, ['tenantId']);
    return report;
  }

  /** A run that could not happen (e.g. the tenant's data is inconsistent), stored as one failing check. */
  async recordFailure(tenantId: string, message: string, now = new Date()): Promise<void> {
    const results: CheckResult[] = [{ check: 'readiness', subject: tenantId, status: 'failing', detail: `the checks could not run: ${message}` }];
    await this.dataSource.manager.upsert(TenantReadiness, { tenantId, checkedAt: now, status: 'failing', trigger: 'daily', durationMs: 0, results }, ['tenantId']);
  }

  /** Tenants whose last report is older than `before` (or missing), running ones first by age. */
  async dueTenants(before: Date, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `select t.id from tenant t left join tenant_readiness r on r.tenant_id = t.id
        where t.state in ('active', 'past_due') and (r.checked_at is null or r.checked_at < $1)
        order by r.checked_at asc nulls first limit $2`,
      [before, limit],
    );
    return rows.map((row) => row.id);
  }

  /** An address of `name` that is one of the tenant's own, with the port; or why the name cannot be probed. */
  private async reach(name: string, port: number, ours: ReadonlySet<string>, check: string): Promise<Reach> {
    const addresses = await this.addressesOf(name);
    const address = addresses.find((candidate) => ours.has(candidate));
    if (address) return { ok: true, endpoint: { address, port }, where: `${isIP(address) === 6 ? `[${address}]` : address}:${port}` };
    const seen = addresses.length ? `points to ${addresses.join(', ')}` : 'has no address';
    return { ok: false, result: { check, subject: name, status: 'failing', detail: `not checked: ${name} ${seen}, not to this instance's host (see dns.address)` } };
  }

  /** A name's addresses, following up to three aliases (an authoritative server does not chase them). */
  private async addressesOf(name: string): Promise<string[]> {
    let current = name;
    for (let hops = 0; hops < 4; hops++) {
      const [v4, v6] = await Promise.all([this.dns.lookup(current, 'A'), this.dns.lookup(current, 'AAAA')]);
      const addresses = [...(v4.ok ? v4.records : []), ...(v6.ok ? v6.records : [])];
      if (addresses.length) return addresses;
      const alias = await this.dns.lookup(current, 'CNAME');
      if (!alias.ok || !alias.records.length) return [];
      current = alias.records[0];
    }
    return [];
  }

  private async mastodon(localDomain: string, webDomain: string, settings: ProbeSettings, ours: ReadonlySet<string>): Promise<CheckResult[]> {
    const reach = await this.reach(localDomain, settings.httpsPort, ours, 'mastodon.webfinger');
    if (!reach.ok) return [reach.result];
    const options = { ca: settings.ca, timeoutMs: settings.timeoutMs };
    // the instance actor (username = the domain) exists on every Mastodon server
    const webfingerPath = `/.well-known/webfinger?resource=${encodeURIComponent(`acct:${localDomain}@${localDomain}`)}`;
    const [webfinger, hostMeta, index] = await Promise.all([
      httpGet('https', reach.endpoint, localDomain, webfingerPath, options),
      httpGet('https', reach.endpoint, localDomain, '/.well-known/host-meta', options),
      httpGet('https', reach.endpoint, webDomain, '/.well-known/nodeinfo', options),
    ]);
    const link = nodeinfoLink(webDomain, index);
    const document = link ? await httpGet('https', reach.endpoint, webDomain, link, options) : null;
    return [evaluateWebfinger(localDomain, webDomain, webfingerPath, webfinger), evaluateHostMeta(localDomain, webDomain, hostMeta), evaluateNodeinfo(webDomain, index, document)];
  }

  private async wordpress(domain: string, settings: ProbeSettings, ours: ReadonlySet<string>): Promise<CheckResult[]> {
    const reach = await this.reach(domain, settings.httpsPort, ours, 'wordpress.home');
    if (!reach.ok) return [reach.result];
    const options = { ca: settings.ca, timeoutMs: settings.timeoutMs };
    const [root, index] = await Promise.all([httpGet('https', reach.endpoint, domain, '/', options), httpGet('https', reach.endpoint, domain, '/wp-json/', options)]);
    return [evaluateWordpressHome(domain, root, index)];
  }

  /** c2s and s2s where the SRV records say (the standard ports when there are none), on the tenant's own host only. */
  private async xmpp(domain: string, settings: ProbeSettings, ours: ReadonlySet<string>, now: Date): Promise<CheckResult[]> {
    const options = { ca: settings.ca, timeoutMs: settings.timeoutMs };
    return Promise.all(
      (['client', 'server'] as const).map(async (kind) => {
        const check = kind === 'client' ? 'xmpp.c2s' : 'xmpp.s2s';
        const srv = await this.dns.lookup(`_xmpp-${kind}._tcp.${domain}`, 'SRV');
        const candidates = srv.ok && srv.records.length
          ? [...srv.records].sort((a, b) => a.priority - b.priority || b.weight - a.weight).map((record) => ({ name: record.target, port: record.port }))
          : [{ name: domain, port: kind === 'client' ? 5222 : 5269 }];
        let unreachable: CheckResult | undefined;
        for (const candidate of candidates) {
          const reach = await this.reach(candidate.name, candidate.port, ours, check);
          if (!reach.ok) {
            unreachable ??= { ...reach.result, subject: domain };
            continue;
          }
          return evaluateXmpp(kind, domain, `${candidate.name}:${candidate.port}`, await probeXmpp(reach.endpoint, domain, kind, options), now);
        }
        return unreachable!;
      }),
    );
  }
}
