import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { type FieldProblem, problem } from '#platform';
import { displayDomain, homographFinding } from '../domains/homographs.js';
import type { ProvisioningProblemCode } from '../problems.js';

const refuse = (code: ProvisioningProblemCode, params?: Record<string, string | number>): NameCheck => ({ ok: false, problem: problem(code, params) });

/**
 * Names a club can pick. Strict on purpose: these end up in DNS, Docker object names,
 * TLS certificates and app configuration.
 */
export const SUBDOMAIN_PATTERN = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
export const SUBDOMAIN_MIN_LENGTH = 3;

/** Names that would confuse people or collide with the cooperative's own services. */
export const RESERVED_SUBDOMAINS: ReadonlySet<string> = new Set([
  'www', 'mail', 'email', 'smtp', 'imap', 'pop', 'pop3', 'mx', 'ns', 'ns1', 'ns2', 'ns3', 'dns', 'ftp', 'sftp', 'ssh',
  'admin', 'administrator', 'root', 'api', 'app', 'apps', 'dashboard', 'panel', 'console', 'portal', 'billing', 'pay',
  'payment', 'payments', 'invoice', 'shop', 'store', 'account', 'accounts', 'login', 'signin', 'signup', 'register',
  'auth', 'oauth', 'sso', 'id', 'static', 'assets', 'cdn', 'media', 'files', 'upload', 'uploads', 'download', 'status',
  'health', 'metrics', 'monitoring', 'docs', 'help', 'support', 'blog', 'news', 'about', 'legal', 'privacy', 'terms',
  'security', 'abuse', 'postmaster', 'hostmaster', 'webmaster', 'noreply', 'no-reply', 'autoconfig', 'autodiscover',
  'webmail', 'xmpp', 'jabber', 'conference', 'proxy', 'gateway', 'vpn', 'test', 'staging', 'dev', 'demo', 'localhost',
  'allmende', 'operator', 'operators', 'internal', 'cooperative', 'coop',
]);

/**
 * The slug of a tenant whose names were released: outside the pattern any order can ask for
 * (a "~" is never a valid subdomain), unique by the tenant's id.
 */
export function releasedSlug(tenantId: string): string {
  return `~${tenantId}`.slice(0, 40);
}

export type NameCheck = { ok: true; value: string } | { ok: false; problem: FieldProblem };

export function checkSubdomain(input: string): NameCheck {
  const value = input.trim().toLowerCase();
  if (value.length < SUBDOMAIN_MIN_LENGTH) return refuse('subdomain.too_short', { min: SUBDOMAIN_MIN_LENGTH });
  if (value.length > 40) return refuse('subdomain.too_long', { max: 40 });
  if (!SUBDOMAIN_PATTERN.test(value)) {
    return refuse('subdomain.characters');
  }
  if (value.includes('--')) return refuse('subdomain.double_hyphen');
  if (RESERVED_SUBDOMAINS.has(value)) return refuse('subdomain.reserved');
  return { ok: true, value };
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TLD = /^(xn--[a-z0-9-]{1,59}|[a-z]{2,63})$/;

/**
 * Names nobody can prove or should serve: loopback, multicast DNS, reverse zones, names that
 * never resolve publicly (RFC 6761, 6762, 7686, 9476).
 */
const SPECIAL_USE_SUFFIXES = ['localhost', 'local', 'invalid', 'onion', 'arpa', 'internal', 'alt'];

/**
 * A club's own domain, e.g. "gaertner-sued.de" or "chat.modellbahn.example".
 * International names are accepted and stored in their ASCII (punycode) form. Refused:
 * wildcards, IP addresses, special-use names such as localhost, names under the
 * cooperative's base domain, and IDNs that could pass for another name (mixed scripts).
 * Case and a trailing dot do not make another name: "Club.DE." is "club.de".
 */
export function checkCustomDomain(input: string, baseDomain: string): NameCheck {
  const trimmed = input.trim().replace(/\.$/, '');
  if (!trimmed) return refuse('domain.required');
  if (trimmed.length > 253) return refuse('domain.too_long', { max: 253 });
  if (trimmed.includes('*')) return refuse('domain.wildcard');
  if (isIP(trimmed.replace(/^\[(.*)\]$/, '$1'))) return refuse('domain.ip_address');
  if (/[\s/:@?#\\]/.test(trimmed)) return refuse('domain.not_a_name');
  const value = domainToASCII(trimmed.toLowerCase());
  if (!value) return refuse('domain.invalid');
  // the URL host parser reads "127.1" or "0x7f.1" as IPv4 addresses
  if (isIP(value)) return refuse('domain.ip_address');
  const labels = value.split('.');
  const tld = labels[labels.length - 1];
  if (value === baseDomain || value.endsWith(`.${baseDomain}`)) {
    return refuse('domain.under_base', { base: baseDomain });
  }
  if (SPECIAL_USE_SUFFIXES.includes(tld)) return refuse('domain.special_use', { suffix: tld });
  if (labels.length < 2) return refuse('domain.no_tld');
  if (value.length > 253 || !labels.every((label) => LABEL.test(label))) return refuse('domain.invalid');
  if (/^[0-9]+$/.test(tld)) return refuse('domain.ip_address');
  if (!TLD.test(tld)) return refuse('domain.invalid_tld');
  // punycode labels must round-trip (no label that decodes to something else)
  if (labels.some((label) => label.startsWith('xn--') && domainToASCII(label) !== label)) return refuse('domain.invalid');
  const homograph = homographFinding(value);
  if (homograph?.kind === 'mixed_scripts') return refuse('domain.mixed_scripts', { name: displayDomain(value), scripts: homograph.scripts.join(', ') });
  if (homograph?.kind === 'confusable') return refuse('domain.confusable', { name: displayDomain(value), script: homograph.script });
  return { ok: true, value };
}
