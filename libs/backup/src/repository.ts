import type { TaskBindMount } from '#runtime';
import { inputProblem, inputProblems, ValidationFailedError } from '#platform/errors';
import type { BackupSite, SiteCredentials } from './backup-site.js';

/**
 * One restic repository per tenant per site: a club that leaves takes (or has deleted)
 * exactly its repository, encrypted with its own key. The repository is the site's
 * location plus a folder named after the tenant id.
 */

/** Tenant ids become folder names and tags: a UUID or a similar plain identifier. */
export const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Where the local site directory (or, for `init`, its parent) appears inside the task. */
export const LOCAL_REPOSITORY_MOUNT = '/repository';
export const LOCAL_SITE_MOUNT = '/site';

export interface RepositoryLocation {
  /** restic's --repo value. */
  repository: string;
  /** Local sites: the directory bind-mounted into the task (only the tenant's own folder, except for init). */
  bind?: TaskBindMount;
  /** Docker network the task joins. */
  network: string;
  /** Environment restic needs that is not secret (user names, key ids, regions). */
  env: Record<string, string>;
}

export function tenantIdProblem(tenantId: unknown): string | undefined {
  return typeof tenantId === 'string' && TENANT_ID.test(tenantId) ? undefined : 'must be 1-64 lower-case letters, digits, "_" or "-" (e.g. a UUID)';
}

/**
 * Where the tenant's repository is. `init` binds the local site directory itself (restic
 * creates the tenant's folder); every other use binds only the tenant's folder, so a task
 * for one tenant never sees another tenant's repository.
 */
export function repositoryLocation(site: BackupSite, tenantId: string, purpose: 'init' | 'use'): RepositoryLocation {
  const problem = tenantIdProblem(tenantId);
  if (problem) throw ValidationFailedError.field('tenantId', inputProblem(problem));
  switch (site.kind) {
    case 'local':
      return purpose === 'init'
        ? { repository: `${LOCAL_SITE_MOUNT}/${tenantId}`, bind: { source: site.path, target: LOCAL_SITE_MOUNT, readOnly: false }, network: 'none', env: {} }
        : { repository: LOCAL_REPOSITORY_MOUNT, bind: { source: `${site.path}/${tenantId}`, target: LOCAL_REPOSITORY_MOUNT, readOnly: false }, network: 'none', env: {} };
    case 'sftp':
      // the URL form carries the port; "//" starts an absolute path on the server
      return { repository: `sftp://${site.user}@${site.host}:${site.port}/${site.path}/${tenantId}`, network: site.network, env: {} };
    case 'rest':
      return { repository: `rest:${site.url}/${tenantId}`, network: site.network, env: site.username ? { RESTIC_REST_USERNAME: site.username } : {} };
    case 's3':
      return {
        repository: `s3:${site.endpoint}/${site.bucket}${site.prefix ? `/${site.prefix}` : ''}/${tenantId}`,
        network: site.network,
        env: { AWS_ACCESS_KEY_ID: site.accessKeyId, ...(site.region ? { AWS_DEFAULT_REGION: site.region } : {}) },
      };
  }
}

/** known_hosts line pinning the sftp server's key (the bracket form when the port is not 22). */
export function knownHostsLine(host: string, port: number, hostKey: string): string {
  return `${port === 22 ? host : `[${host}]:${port}`} ${hostKey}\n`;
}

export function passwordProblem(password: unknown): string | undefined {
  if (typeof password !== 'string' || password.length === 0) return 'must not be empty';
  if (password.length > 4096) return 'must be at most 4096 characters';
  if (/[\r\n\0]/.test(password) || password.trim() !== password) return 'must be one line without leading or trailing spaces';
  return undefined;
}

/**
 * The files of the secrets bundle for one task (see secret-bundle.ts and the image's
 * allmende-restic): the repository password and what the site needs to be reached.
 */
export function secretFiles(site: BackupSite, credentials: SiteCredentials | undefined, password: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const problem = passwordProblem(password);
  if (problem) fields.password = problem;
  const files: Record<string, string> = { 'restic-password': password };
  switch (site.kind) {
    case 'local':
      break;
    case 'sftp': {
      const key = credentials?.sshPrivateKey;
      if (typeof key !== 'string' || !/^-----BEGIN (OPENSSH |RSA |EC )?PRIVATE KEY-----\n[\s\S]+\n-----END (OPENSSH |RSA |EC )?PRIVATE KEY-----\s*$/.test(key.trim() + '\n')) {
        fields['credentials.sshPrivateKey'] = 'must be an unencrypted OpenSSH or PEM private key';
      } else {
        files['ssh-key'] = `${key.trim()}\n`;
      }
      files.known_hosts = knownHostsLine(site.host, site.port, site.hostKey);
      break;
    }
    case 'rest':
      if (site.username) {
        const restProblem = passwordProblem(credentials?.restPassword);
        if (restProblem) fields['credentials.restPassword'] = `${restProblem} (the site has a username)`;
        else files['rest-password'] = credentials!.restPassword!;
      }
      break;
    case 's3': {
      const secretProblem = passwordProblem(credentials?.s3SecretAccessKey);
      if (secretProblem) fields['credentials.s3SecretAccessKey'] = secretProblem;
      else files['aws-secret-access-key'] = credentials!.s3SecretAccessKey!;
      break;
    }
  }
  if (Object.keys(fields).length) throw new ValidationFailedError(inputProblems(fields));
  return files;
}
