import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { CheckResult, RecordFix } from './check-result.js';
import type { DnsAnswerOf, DnsLookup, DnsRecordType, SrvAnswer } from './dns-resolver.port.js';

// The DNS records a tenant's domain needs, and how what DNS answers compares with them. Pure:
// the service looks the names up through the DnsResolver port and hands the answers in.

/** TXT records proving control live on their own name: a CNAME'd name cannot carry a TXT record. */
export const VERIFICATION_LABEL = '_allmende-challenge';
export const verificationName = (domain: string) => `${VERIFICATION_LABEL}.${domain}`;
export const verificationValue = (token: string) => `allmende-verify=${token}`;
const VERIFICATION_PREFIX = 'allmende-verify=';

/** A new random verification token (128 bits of node:crypto, hex: safe in DNS and URLs). */
export function newVerificationToken(): string {
  return randomBytes(16).toString('hex');
}

/** Where a tenant's names must point: its name under the cooperative's domain and that name's addresses. */
export interface DomainTarget {
  /** e.g. gardeners.hosting.example: what CNAME and SRV records point at. */
  hostName: string;
  /** Its A/AAAA addresses, for names that cannot be a CNAME (the top of a domain); empty when unknown. */
  addresses: readonly string[];
}

export interface XmppRecordsInput {
  /** The ports clients and other servers reach this tenant's Prosody on (published on its host). */
  clientPort: number;
  serverPort: number;
  /** The group chat component, e.g. conference.club.example: other servers reach it too. */
  groupchatDomain?: string;
}

export interface DomainRecordsInput {
  name: string;
  kind: 'subdomain' | 'custom';
  verificationToken: string | null;
  target: DomainTarget;
  /** Only for the tenant's XMPP domain, when it runs Prosody. */
  xmpp?: XmppRecordsInput;
}

export type RecordPurpose = 'address' | 'verification' | 'xmpp-client' | 'xmpp-server' | 'xmpp-groupchat';

export interface DnsRecord {
  type: DnsRecordType;
  name: string;
  /** As a zone file writes it: an address, a name with a trailing dot, "0 5 5222 host.", a TXT text. */
  value: string;
}

/** Records to create for one purpose: one of the `options` (e.g. a CNAME, or the A/AAAA records). */
export interface RecordRequirement {
  purpose: RecordPurpose;
  /** The check that compares it, e.g. dns.address. */
  check: string;
  name: string;
  /** false: recommended (a warning when missing), e.g. SRV records for group chats. */
  required: boolean;
  options: DnsRecord[][];
  /** Who creates it: the club at its DNS provider, or the cooperative (its own subdomains). */
  managedBy: 'club' | 'cooperative';
}

const fqdn = (name: string) => `${name}.`;
const srvValue = (port: number, target: string) => `0 5 ${port} ${fqdn(target)}`;
const addressRecords = (name: string, addresses: readonly string[]): DnsRecord[] =>
  addresses.map((address) => ({ type: isIP(address) === 6 ? 'AAAA' : 'A', name, value: address }));

/**
 * Whether a name is the top of its domain, where DNS allows no CNAME (heuristic: two labels).
 * Deeper names may be the top too (club.co.uk): the records then list the A/AAAA option as well.
 */
const isApex = (name: string) => name.split('.').length <= 2;

/** The records one domain of a tenant needs. */
export function requiredRecords(input: DomainRecordsInput): RecordRequirement[] {
  const { name, target } = input;
  const managedBy = input.kind === 'custom' ? 'club' : 'cooperative';
  const requirements: RecordRequirement[] = [];
  const cname: DnsRecord[] = [{ type: 'CNAME', name, value: fqdn(target.hostName) }];
  const addresses = addressRecords(name, target.addresses);
  const options = input.kind === 'subdomain' || name === target.hostName ? [addresses] : isApex(name) ? [addresses, cname] : [cname, addresses];
  requirements.push({ purpose: 'address', check: 'dns.address', name, required: true, options: options.filter((option) => option.length > 0), managedBy });
  if (input.kind === 'custom' && input.verificationToken) {
    const txt = verificationName(name);
    requirements.push({ purpose: 'verification', check: 'dns.verification', name: txt, required: true, options: [[{ type: 'TXT', name: txt, value: verificationValue(input.verificationToken) }]], managedBy });
  }
  if (input.xmpp) {
    const srv = (purpose: RecordPurpose, check: string, srvName: string, port: number, required: boolean): RecordRequirement => ({
      purpose, check, name: srvName, required, options: [[{ type: 'SRV', name: srvName, value: srvValue(port, target.hostName) }]], managedBy,
    });
    requirements.push(srv('xmpp-client', 'dns.xmpp-client', `_xmpp-client._tcp.${name}`, input.xmpp.clientPort, true));
    requirements.push(srv('xmpp-server', 'dns.xmpp-server', `_xmpp-server._tcp.${name}`, input.xmpp.serverPort, true));
    if (input.xmpp.groupchatDomain) {
      requirements.push(srv('xmpp-groupchat', 'dns.xmpp-groupchat', `_xmpp-server._tcp.${input.xmpp.groupchatDomain}`, input.xmpp.serverPort, false));
    }
  }
  return requirements;
}

/** What DNS answered, per name and type. */
export type NameObservation = { [T in DnsRecordType]?: DnsLookup<DnsAnswerOf[T]> };
export type DnsObservations = ReadonlyMap<string, NameObservation>;

/** The lookups that evaluating `requirements` needs. */
export function lookupsFor(requirements: readonly RecordRequirement[]): { name: string; type: DnsRecordType }[] {
  return requirements.flatMap(({ purpose, name }): { name: string; type: DnsRecordType }[] => {
    if (purpose === 'address') return [{ name, type: 'CNAME' }, { name, type: 'A' }, { name, type: 'AAAA' }];
    return [{ name, type: purpose === 'verification' ? 'TXT' : 'SRV' }];
  });
}

type Failed = Extract<DnsLookup<unknown>, { ok: false }>;

const TROUBLE: Record<Exclude<Failed['failure'], 'nxdomain'>, (name: string) => string> = {
  servfail: (name) => `the DNS servers of ${name} answer SERVFAIL (a broken delegation or DNSSEC signature): ask the DNS provider to repair the domain`,
  refused: (name) => `the DNS servers refused to answer for ${name}: check that the domain is delegated to its DNS provider`,
  timeout: (name) => `no DNS answer for ${name} in time; it is checked again later`,
  error: (name) => `the DNS lookup for ${name} failed`,
};

/** A lookup that failed for another reason than "no such name" (NXDOMAIN means: the record is missing). */
function trouble(requirement: RecordRequirement, lookups: (DnsLookup<unknown> | undefined)[]): CheckResult | undefined {
  const failed = lookups.find((lookup): lookup is Failed => !!lookup && !lookup.ok && lookup.failure !== 'nxdomain');
  if (!failed) return undefined;
  const failure = failed.failure as keyof typeof TROUBLE;
  const detail = `${TROUBLE[failure](requirement.name)} (${failed.detail})`;
  if (failure === 'timeout') return { check: requirement.check, subject: requirement.name, status: 'warning', detail, inconclusive: true };
  return { check: requirement.check, subject: requirement.name, status: 'failing', detail };
}

const recordsOf = <T>(lookup: DnsLookup<T> | undefined): T[] => (lookup?.ok ? lookup.records : []);
const family = (address: string): 'A' | 'AAAA' => (isIP(address) === 6 ? 'AAAA' : 'A');

function missing(requirement: RecordRequirement, detail: string): CheckResult {
  const [first] = requirement.options[0] ?? [];
  const fix: RecordFix | undefined = first && { action: 'add', type: first.type, name: first.name, value: first.value };
  return { check: requirement.check, subject: requirement.name, status: requirement.required ? 'failing' : 'warning', fix, detail };
}

function evaluateAddress(requirement: RecordRequirement, observed: NameObservation, target: DomainTarget): CheckResult {
  const { name, check } = requirement;
  const problem = trouble(requirement, [observed.CNAME, observed.A, observed.AAAA]);
  if (problem) return problem;
  const [cname] = recordsOf(observed.CNAME);
  const seen = [...recordsOf(observed.A), ...recordsOf(observed.AAAA)];
  const ours = new Set(target.addresses);
  const pointsAtUs = cname === target.hostName;
  // an alias of the tenant's own name reaches it, whatever that name's addresses are
  if (pointsAtUs) {
    if (ours.size === 0) return { check, subject: name, status: 'warning', detail: `${name} is an alias of ${target.hostName}, which has no address: the cooperative's DNS is missing it (operators)` };
    return { check, subject: name, status: 'ok', detail: `${name} is an alias of ${target.hostName}` };
  }
  if (seen.length === 0) {
    if (cname) {
      return { check, subject: name, status: 'failing', fix: { action: 'change', type: 'CNAME', name, value: fqdn(target.hostName), current: fqdn(cname) }, detail: `${name} is an alias (CNAME) of ${cname}, which has no address` };
    }
    const nx = observed.A && !observed.A.ok && observed.A.failure === 'nxdomain';
    return missing(requirement, nx ? `${name} does not exist in DNS` : `${name} has no A, AAAA or CNAME record`);
  }
  if (ours.size === 0) {
    // nothing to compare with: never taken as proof either way
    return { check, subject: name, status: 'warning', inconclusive: true, detail: `${name} has addresses (${seen.join(', ')}), but ${target.hostName} has none to compare them with: the cooperative's DNS is missing it (operators)` };
  }
  const wrong = seen.filter((address) => !ours.has(address));
  if (wrong.length) {
    if (cname) {
      return { check, subject: name, status: 'failing', fix: { action: 'change', type: 'CNAME', name, value: fqdn(target.hostName), current: fqdn(cname) }, detail: `${name} is an alias (CNAME) of ${cname}, which points elsewhere (${wrong.join(', ')})` };
    }
    const [bad] = wrong;
    const replacement = target.addresses.find((address) => family(address) === family(bad));
    const someRight = seen.length > wrong.length;
    const fix: RecordFix = someRight || !replacement
      ? { action: 'remove', type: family(bad), name, value: bad }
      : { action: 'change', type: family(bad), name, value: replacement, current: bad };
    return { check, subject: name, status: 'failing', fix, detail: `${name} points to ${wrong.join(', ')}, which is not this instance's host (${target.addresses.join(', ')})` };
  }
  // every address is ours; a family the host has but the name lacks is worth adding
  if (!cname) {
    for (const type of ['A', 'AAAA'] as const) {
      const expected = target.addresses.find((address) => family(address) === type);
      if (expected && !seen.some((address) => family(address) === type)) {
        return { check, subject: name, status: 'warning', fix: { action: 'add', type, name, value: expected }, detail: `${name} has no ${type} record: visitors over ${type === 'A' ? 'IPv4' : 'IPv6'} cannot reach it` };
      }
    }
  }
  return { check, subject: name, status: 'ok', detail: cname ? `${name} is an alias of ${cname}, which reaches this instance's host` : `${name} points to this instance's host (${seen.join(', ')})` };
}

function evaluateTxt(requirement: RecordRequirement, observed: NameObservation): CheckResult {
  const { name, check } = requirement;
  const expected = requirement.options[0][0].value;
  const problem = trouble(requirement, [observed.TXT]);
  if (problem) return problem;
  const values = recordsOf(observed.TXT);
  if (values.includes(expected)) return { check, subject: name, status: 'ok', detail: `${name} carries the verification text` };
  const old = values.find((value) => value.startsWith(VERIFICATION_PREFIX));
  if (old) return { check, subject: name, status: 'failing', fix: { action: 'change', type: 'TXT', name, value: expected, current: old }, detail: `${name} carries another verification text` };
  return missing(requirement, `${name} has no TXT record with the verification text`);
}

const formatSrv = (srv: SrvAnswer) => `${srv.priority} ${srv.weight} ${srv.port} ${fqdn(srv.target)}`;

function evaluateSrv(requirement: RecordRequirement, observed: NameObservation, target: DomainTarget, domain: string): CheckResult {
  const { name, check } = requirement;
  const expected = requirement.options[0][0].value;
  const port = Number(expected.split(' ')[2]);
  const problem = trouble(requirement, [observed.SRV]);
  if (problem) return problem;
  const records = recordsOf(observed.SRV);
  if (records.some((srv) => srv.port === port && (srv.target === target.hostName || srv.target === domain))) {
    return { check, subject: name, status: 'ok', detail: `${name} points to port ${port} of this instance's host` };
  }
  if (records.length) {
    return { check, subject: name, status: requirement.required ? 'failing' : 'warning', fix: { action: 'change', type: 'SRV', name, value: expected, current: formatSrv(records[0]) }, detail: `${name} points to ${records.map(formatSrv).join(', ')}` };
  }
  return missing(requirement, `${name} has no SRV record`);
}

/** Compares what DNS answered with what one domain needs: one result per requirement. */
export function evaluateRecords(domain: string, requirements: readonly RecordRequirement[], observations: DnsObservations, target: DomainTarget): CheckResult[] {
  return requirements.map((requirement) => {
    const observed = observations.get(requirement.name) ?? {};
    switch (requirement.purpose) {
      case 'address':
        return evaluateAddress(requirement, observed, target);
      case 'verification':
        return evaluateTxt(requirement, observed);
      default:
        return evaluateSrv(requirement, observed, target, domain);
    }
  });
}

/**
 * What the records say about a custom domain's verification: present (it points here and
 * carries the token), missing, or unknown (DNS did not answer in time: nothing is decided).
 */
export function verificationOutcome(results: readonly CheckResult[]): 'present' | 'missing' | 'unknown' {
  const relevant = results.filter((result) => result.check === 'dns.address' || result.check === 'dns.verification');
  if (relevant.some((result) => result.status === 'failing')) return 'missing';
  if (relevant.some((result) => result.inconclusive)) return 'unknown';
  return 'present';
}
