// What the edge accepts as names. Everything that ends up in Caddy's configuration or in a
// path of its admin API passes one of these checks first; the patterns leave no room for
// quotes, braces (Caddy placeholders), slashes, spaces or line breaks.

/** One DNS label: lower-case letters, digits, inner hyphens (punycode "xn--" labels fit). */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Why `value` is not a host name the edge serves, or undefined when it is one: lower-case
 * ASCII (internationalised names as punycode), at least two labels, no trailing dot, no
 * wildcard, no IP address, at most 253 characters.
 */
export function hostNameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'must be a host name such as club.example.org';
  if (value.length > 253) return 'must be at most 253 characters';
  if (value !== value.toLowerCase()) return 'must be lower case';
  const labels = value.split('.');
  if (labels.length < 2) return 'must have at least two labels, such as club.example.org';
  if (!labels.every((label) => LABEL.test(label))) {
    return 'must be lower-case ASCII letters, digits and inner hyphens separated by dots (internationalised names as punycode xn--...)';
  }
  if (labels.some((label) => /^..--/.test(label) && !label.startsWith('xn--'))) return 'may use "--" at the third and fourth position only for punycode (xn--)';
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return 'must not be an IP address';
  return undefined;
}

export function isHostName(value: unknown): value is string {
  return hostNameProblem(value) === undefined;
}

/** Tenant ids become part of Caddy @ids and admin API paths (uuids and slugs fit). */
const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function tenantIdProblem(value: unknown): string | undefined {
  return typeof value === 'string' && TENANT_ID.test(value) ? undefined : 'must be 1-64 letters, digits, "_", "." or "-" (a uuid fits)';
}

/** Docker container and network names (what the edge dials and joins). */
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,127}$/;

export function dockerNameProblem(value: unknown): string | undefined {
  return typeof value === 'string' && DOCKER_NAME.test(value) ? undefined : 'must be a Docker name (letters, digits, "_", "." and "-")';
}

/**
 * A request path the edge matches on: "/exact" or "/prefix*". Plain path characters only,
 * so Caddy's path matcher sees no placeholder or pattern other than the final "*".
 */
const PATH_PATTERN = /^\/[A-Za-z0-9._~\-/]*\*?$/;

export function pathPatternProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !PATH_PATTERN.test(value)) return 'must start with "/" and hold only letters, digits, "._~-/", optionally ending in "*"';
  if (value.length > 200) return 'must be at most 200 characters';
  if (value.split('/').some((segment) => segment === '..' || segment === '.')) return 'must not contain "." or ".." segments';
  return undefined;
}

export function portProblem(value: unknown): string | undefined {
  return Number.isInteger(value) && (value as number) > 0 && (value as number) < 65536 ? undefined : 'must be a port number (1-65535)';
}
