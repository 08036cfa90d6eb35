import { domainToASCII } from 'node:url';

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

export type NameCheck = { ok: true; value: string } | { ok: false; problem: string };

export function checkSubdomain(input: string): NameCheck {
  const value = input.trim().toLowerCase();
  if (value.length < SUBDOMAIN_MIN_LENGTH) return { ok: false, problem: `must be at least ${SUBDOMAIN_MIN_LENGTH} characters` };
  if (value.length > 40) return { ok: false, problem: 'must be at most 40 characters' };
  if (!SUBDOMAIN_PATTERN.test(value)) {
    return { ok: false, problem: 'may contain only letters a-z, digits and hyphens, and must not start or end with a hyphen' };
  }
  if (value.includes('--')) return { ok: false, problem: 'must not contain two hyphens in a row' };
  if (RESERVED_SUBDOMAINS.has(value)) return { ok: false, problem: 'is reserved; please choose another name' };
  return { ok: true, value };
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TLD = /^(xn--[a-z0-9-]{1,59}|[a-z]{2,63})$/;

/**
 * A club's own domain, e.g. "gaertner-sued.de" or "chat.modellbahn.example".
 * International names are accepted and stored in their ASCII (punycode) form.
 */
export function checkCustomDomain(input: string, baseDomain: string): NameCheck {
  const trimmed = input.trim().replace(/\.$/, '');
  if (!trimmed) return { ok: false, problem: 'is required' };
  if (trimmed.length > 253) return { ok: false, problem: 'must be at most 253 characters' };
  if (/[\s/:@?#\\]/.test(trimmed)) return { ok: false, problem: 'must be a domain name only, like club.example.org (no http://, no path)' };
  const value = domainToASCII(trimmed.toLowerCase());
  if (!value) return { ok: false, problem: 'is not a valid domain name' };
  const labels = value.split('.');
  if (labels.length < 2) return { ok: false, problem: 'must include a top-level domain, like club.example.org' };
  if (value.length > 253 || !labels.every((label) => LABEL.test(label))) return { ok: false, problem: 'is not a valid domain name' };
  if (!TLD.test(labels[labels.length - 1])) return { ok: false, problem: 'has an invalid top-level domain' };
  // punycode labels must round-trip; rejects mixed-script tricks domainToASCII lets through
  if (labels.some((label) => label.startsWith('xn--') && domainToASCII(label) !== label)) return { ok: false, problem: 'is not a valid domain name' };
  if (value === baseDomain || value.endsWith(`.${baseDomain}`)) {
    return { ok: false, problem: `is under ${baseDomain}; choose a subdomain instead` };
  }
  return { ok: true, value };
}
