import { posix } from 'node:path';
import { inputProblem, inputProblems, ValidationFailedError } from '#platform/errors';
import { DEFAULT_SCHEDULE, parseSchedule, type BackupSchedule } from './schedule.js';

/**
 * Where backups go. An operator configures one or more sites (e.g. a local directory and an
 * offsite REST server), each with its own schedule and retention. Every tenant has its own
 * restic repository on every site (see repository.ts). Secrets are not part of a site: they
 * come with each call as SiteCredentials.
 */
export type BackupSite = LocalSite | SftpSite | RestSite | S3Site;

export interface SiteCommon {
  /** Short name the operator gives the site, e.g. "local" or "offsite". */
  name: string;
  retention: Retention;
  schedule: BackupSchedule;
  /**
   * The site refuses deletes (rest-server --append-only): history survives a compromised
   * control plane, so forget/prune must run where the server runs; the engine refuses them.
   */
  appendOnly: boolean;
  /** Docker network the backup task joins to reach the site: "none" for local sites, "bridge" by default for others. */
  network: string;
}

/** A directory on the Docker host, bind-mounted only into the backup task containers. */
export interface LocalSite extends SiteCommon {
  kind: 'local';
  /** Absolute and normalised, e.g. /srv/allmende-backups. */
  path: string;
}

/** `sftp://user@host:port//path`; key authentication, the server's host key pinned. */
export interface SftpSite extends SiteCommon {
  kind: 'sftp';
  user: string;
  host: string;
  port: number;
  /** Absolute directory on the server. */
  path: string;
  /** The server's public host key, "ssh-ed25519 AAAA..." (as in its ssh_host_*_key.pub, without comment). */
  hostKey: string;
}

/** restic's REST server (`rest:http(s)://host:port/prefix`); user and password (if any) via credentials, never the URL. */
export interface RestSite extends SiteCommon {
  kind: 'rest';
  /** http(s)://host[:port][/prefix]; with --private-repos the prefix must start with /<username>. */
  url: string;
  username?: string;
}

/**
 * S3-compatible storage (configuration only, not tested here). restic reads AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY (from credentials, through the secrets bundle) and AWS_DEFAULT_REGION.
 */
export interface S3Site extends SiteCommon {
  kind: 's3';
  /** https://host[:port] of the S3 endpoint. */
  endpoint: string;
  bucket: string;
  /** Optional folder inside the bucket, e.g. "allmende/backups". */
  prefix?: string;
  region?: string;
  accessKeyId: string;
}

/** Secrets of a site, given with each call (sealed by the caller at rest). */
export interface SiteCredentials {
  /** OpenSSH private key (PEM or "OPENSSH PRIVATE KEY") for sftp sites. */
  sshPrivateKey?: string;
  /** Password of the REST server user. */
  restPassword?: string;
  s3SecretAccessKey?: string;
}

/** How many snapshots forget keeps per group (tenant, app, kind): restic's --keep-* flags. */
export interface Retention {
  daily: number;
  weekly: number;
  monthly: number;
  /** The most recent N, whatever their age (0: no such rule). */
  last: number;
}

/** Daily backups to a second site, at least fifteen kept. */
export const DEFAULT_RETENTION: Readonly<Retention> = Object.freeze({ daily: 15, weekly: 4, monthly: 6, last: 0 });

export const SITE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const SSH_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
/** Directory names we accept on sites: no spaces, quotes, colons or other characters a URL or ssh would treat specially. */
const PATH_CHARS = /^[A-Za-z0-9._/-]+$/;
const HOST_KEY = /^(ssh-ed25519|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|ssh-rsa) ([A-Za-z0-9+/]+={0,2})$/;
const REST_USER = /^[A-Za-z0-9_-]{1,64}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9][a-z0-9-]{0,31}$/;
const ACCESS_KEY_ID = /^[A-Za-z0-9]{8,128}$/;
const NETWORK = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

type Fields = Record<string, string>;
type Input = Record<string, unknown>;

/** An absolute, normalised path of plain characters, not "/" itself. */
export function absolutePathProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('/')) return 'must be an absolute path such as /srv/allmende-backups';
  if (value === '/') return 'must not be the root directory';
  if (!PATH_CHARS.test(value)) return 'may contain only letters, digits, ".", "_", "-" and "/"';
  if (posix.normalize(value) !== value || value.endsWith('/')) return `must be normalised (no "//", ".", ".." or trailing "/"): ${posix.normalize(value).replace(/\/$/, '')}`;
  return undefined;
}

function hostProblem(value: unknown): string | undefined {
  return typeof value === 'string' && (HOSTNAME.test(value) || IPV4.test(value)) ? undefined : 'must be a host name or IPv4 address';
}

/** The host key as "type base64" (a trailing comment dropped), checked to be what it claims. */
export function normaliseHostKey(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const [type, key] = value.trim().split(/\s+/);
  const candidate = `${type} ${key}`;
  if (!HOST_KEY.test(candidate)) return undefined;
  // the blob starts with its own type name (uint32 length + name)
  const blob = Buffer.from(key, 'base64');
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('latin1') === type ? candidate : undefined;
}

function integerIn(input: Input, key: string, fallback: number, min: number, max: number, fields: Fields, field = key): number {
  const value = input[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fields[field] = `must be a whole number from ${min} to ${max}`;
    return fallback;
  }
  return value;
}

export function parseRetention(input: unknown, fields: Fields = {}, prefix = 'retention'): Retention {
  const source = (input ?? {}) as Input;
  if (typeof source !== 'object' || Array.isArray(source)) {
    fields[prefix] = 'must be an object with daily, weekly, monthly, last';
    return { ...DEFAULT_RETENTION };
  }
  const retention = {
    daily: integerIn(source, 'daily', DEFAULT_RETENTION.daily, 0, 3660, fields, `${prefix}.daily`),
    weekly: integerIn(source, 'weekly', DEFAULT_RETENTION.weekly, 0, 520, fields, `${prefix}.weekly`),
    monthly: integerIn(source, 'monthly', DEFAULT_RETENTION.monthly, 0, 1200, fields, `${prefix}.monthly`),
    last: integerIn(source, 'last', DEFAULT_RETENTION.last, 0, 10000, fields, `${prefix}.last`),
  };
  if (!fields[prefix] && retention.daily + retention.weekly + retention.monthly + retention.last === 0) {
    fields[prefix] = 'must keep something: forget would delete every snapshot';
  }
  for (const unknownKey of Object.keys(source).filter((key) => !['daily', 'weekly', 'monthly', 'last'].includes(key))) {
    fields[`${prefix}.${unknownKey}`] = 'is not a known field';
  }
  return retention;
}

const COMMON_KEYS = ['kind', 'name', 'retention', 'schedule', 'appendOnly', 'network'];
const KIND_KEYS: Record<BackupSite['kind'], string[]> = {
  local: ['path'],
  sftp: ['user', 'host', 'port', 'path', 'hostKey'],
  rest: ['url', 'username'],
  s3: ['endpoint', 'bucket', 'prefix', 'region', 'accessKeyId'],
};

/**
 * Validates an operator's site configuration (e.g. parsed from a config file or an admin
 * form) and returns it normalised with defaults. Throws ValidationFailedError naming every
 * bad field.
 */
export function parseBackupSite(input: unknown): BackupSite {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw ValidationFailedError.field('site', inputProblem('must be an object'));
  const source = input as Input;
  const fields: Fields = {};
  const kind = source.kind as BackupSite['kind'];
  if (!(kind in KIND_KEYS)) throw ValidationFailedError.field('kind', inputProblem('must be one of local, sftp, rest, s3'));

  const name = source.name;
  if (typeof name !== 'string' || !SITE_NAME.test(name)) fields.name = 'must be 1-32 lower-case letters, digits or "-", e.g. "offsite"';
  const retention = parseRetention(source.retention, fields);
  let schedule = DEFAULT_SCHEDULE;
  try {
    schedule = parseSchedule(source.schedule ?? {}, 'schedule');
  } catch (error) {
    if (!(error instanceof ValidationFailedError)) throw error;
    Object.assign(fields, error.fields);
  }
  const appendOnly = source.appendOnly ?? false;
  if (typeof appendOnly !== 'boolean') fields.appendOnly = 'must be true or false';
  const network = source.network ?? (kind === 'local' ? 'none' : 'bridge');
  if (typeof network !== 'string' || !NETWORK.test(network) || network === 'host' || network === 'default') {
    fields.network = 'must be "none", "bridge" or the name of a Docker network (never "host")';
  } else if (kind === 'local' && network !== 'none') {
    fields.network = 'a local site needs no network: leave it out';
  }
  for (const unknownKey of Object.keys(source).filter((key) => !COMMON_KEYS.includes(key) && !KIND_KEYS[kind].includes(key))) {
    fields[unknownKey] = 'is not a known field for this kind of site';
  }
  const common = { name: name as string, retention, schedule, appendOnly: appendOnly as boolean, network: network as string };

  let site: BackupSite;
  switch (kind) {
    case 'local': {
      const problem = absolutePathProblem(source.path);
      if (problem) fields.path = problem;
      site = { kind, ...common, path: source.path as string };
      break;
    }
    case 'sftp': {
      if (typeof source.user !== 'string' || !SSH_USER.test(source.user)) fields.user = 'must be a plain user name (a-z, 0-9, "_", "-")';
      const hostIssue = hostProblem(source.host);
      if (hostIssue) fields.host = hostIssue;
      const port = integerIn(source, 'port', 22, 1, 65535, fields);
      const problem = absolutePathProblem(source.path);
      if (problem) fields.path = problem;
      const hostKey = normaliseHostKey(source.hostKey);
      if (!hostKey) fields.hostKey = 'must be the server\'s public host key, e.g. "ssh-ed25519 AAAAC3Nza..." from /etc/ssh/ssh_host_ed25519_key.pub';
      site = { kind, ...common, user: source.user as string, host: source.host as string, port, path: source.path as string, hostKey: hostKey ?? '' };
      break;
    }
    case 'rest': {
      const url = parseHttpUrl(source.url, 'url', fields, { allowPath: true });
      if (source.username !== undefined && (typeof source.username !== 'string' || !REST_USER.test(source.username))) fields.username = 'must be 1-64 letters, digits, "_" or "-"';
      site = { kind, ...common, url: url ?? '', ...(source.username !== undefined ? { username: source.username as string } : {}) };
      break;
    }
    case 's3': {
      const endpoint = parseHttpUrl(source.endpoint, 'endpoint', fields, { allowPath: false });
      if (typeof source.bucket !== 'string' || !BUCKET.test(source.bucket) || source.bucket.includes('..')) fields.bucket = 'must be an S3 bucket name (3-63 lower-case letters, digits, "." or "-")';
      let prefix: string | undefined;
      if (source.prefix !== undefined) {
        const problem = typeof source.prefix === 'string' ? absolutePathProblem(`/${source.prefix}`) : 'must be a string';
        if (problem) fields.prefix = `${problem.replace('an absolute path such as /srv/allmende-backups', 'a folder such as allmende/backups')}`;
        else prefix = source.prefix as string;
      }
      if (source.region !== undefined && (typeof source.region !== 'string' || !REGION.test(source.region))) fields.region = 'must be a region name such as eu-central-1';
      if (typeof source.accessKeyId !== 'string' || !ACCESS_KEY_ID.test(source.accessKeyId)) fields.accessKeyId = 'must be 8-128 letters or digits';
      site = {
        kind,
        ...common,
        endpoint: endpoint ?? '',
        bucket: source.bucket as string,
        ...(prefix ? { prefix } : {}),
        ...(source.region !== undefined ? { region: source.region as string } : {}),
        accessKeyId: source.accessKeyId as string,
      };
      break;
    }
  }
  if (Object.keys(fields).length) throw new ValidationFailedError(inputProblems(fields), `Backup site ${typeof name === 'string' ? `"${name}" ` : ''}is not valid: ${Object.entries(fields).map(([f, p]) => `${f}: ${p}`).join('; ')}`);
  return site;
}

/** http(s)://host[:port][/path] without user, password, query or fragment; returned without a trailing "/". */
function parseHttpUrl(value: unknown, field: string, fields: Fields, options: { allowPath: boolean }): string | undefined {
  let url: URL;
  try {
    if (typeof value !== 'string') throw new Error();
    url = new URL(value);
  } catch {
    fields[field] = 'must be an http:// or https:// URL';
    return undefined;
  }
  const problems: string[] = [];
  if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push('must start with http:// or https://');
  if (url.username || url.password) problems.push('must not contain a user or password (give them as username and credentials)');
  if (url.search || url.hash) problems.push('must not have a query or fragment');
  if (hostProblem(url.hostname)) problems.push('must name a host name or IPv4 address');
  const path = url.pathname.replace(/\/$/, '');
  if (path && (!options.allowPath || absolutePathProblem(path))) problems.push(options.allowPath ? 'path may contain only plain folder names' : 'must not have a path');
  if (problems.length) {
    fields[field] = problems.join('; ');
    return undefined;
  }
  return `${url.protocol}//${url.host}${path}`;
}

/** Only the fields an operator may see: no credentials are ever part of a site. */
export function describeSite(site: BackupSite): string {
  switch (site.kind) {
    case 'local':
      return `${site.name} (local directory ${site.path})`;
    case 'sftp':
      return `${site.name} (sftp ${site.user}@${site.host}:${site.port}${site.path})`;
    case 'rest':
      return `${site.name} (REST server ${site.url}${site.appendOnly ? ', append-only' : ''})`;
    case 's3':
      return `${site.name} (S3 ${site.endpoint}/${site.bucket}${site.prefix ? `/${site.prefix}` : ''})`;
  }
}
