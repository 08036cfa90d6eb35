import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { Injectable } from '@nestjs/common';
import { describeSite, parseBackupSite, type BackupSite, type SiteCredentials } from '#backup';
import { AppConfig, ConfigurationError, DomainError, type FieldProblem } from '#platform';

/** A site as the operator configured it, with its secrets read from their files. */
export interface ConfiguredSite {
  site: BackupSite;
  credentials?: SiteCredentials;
}

/** Secret files a site may name: the secret itself never sits in the sites file. */
const CREDENTIAL_FILES = { sshPrivateKeyFile: 'sshPrivateKey', restPasswordFile: 'restPassword', s3SecretAccessKeyFile: 's3SecretAccessKey' } as const;

function detail(problem: FieldProblem): string {
  const words = problem.params?.detail;
  return typeof words === 'string' ? words : problem.code;
}

/**
 * The operator's sites file (JSON): `{ "sites": [ {site}, ... ] }`, each site as the backup
 * library describes it (kind, name, retention, schedule, ...) plus `credentials` naming files
 * that hold its secrets (sshPrivateKeyFile, restPasswordFile, s3SecretAccessKeyFile). The first
 * site is the primary one: safety snapshots and restore drills use it. Throws one line naming
 * every bad field.
 */
export function parseSitesFile(raw: unknown, readSecret: (path: string) => string): ConfiguredSite[] {
  const problems: string[] = [];
  const list = (raw as { sites?: unknown } | null)?.sites;
  if (!Array.isArray(list) || list.length === 0) throw new ConfigurationError('invalid backup sites: the file must be {"sites": [ ... ]} with at least one site');
  const extra = Object.keys(raw as object).filter((key) => key !== 'sites');
  if (extra.length) problems.push(`${extra.join(', ')}: not a known field (only "sites")`);
  const sites: ConfiguredSite[] = [];
  list.forEach((entry, index) => {
    const at = `sites[${index}]`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      problems.push(`${at}: must be an object`);
      return;
    }
    const { credentials: files, ...fields } = entry as Record<string, unknown>;
    let site: BackupSite | undefined;
    try {
      site = parseBackupSite(fields);
    } catch (error) {
      if (!(error instanceof DomainError && error.fields)) throw error;
      for (const [field, problem] of Object.entries(error.fields)) problems.push(`${at}.${field}: ${detail(problem)}`);
    }
    const credentials: SiteCredentials = {};
    if (files !== undefined) {
      if (!files || typeof files !== 'object' || Array.isArray(files)) problems.push(`${at}.credentials: must be an object of secret files`);
      else {
        for (const [key, path] of Object.entries(files as Record<string, unknown>)) {
          const target = CREDENTIAL_FILES[key as keyof typeof CREDENTIAL_FILES];
          if (!target) problems.push(`${at}.credentials.${key}: not a known secret file (${Object.keys(CREDENTIAL_FILES).join(', ')})`);
          else if (typeof path !== 'string' || !isAbsolute(path)) problems.push(`${at}.credentials.${key}: must be an absolute path to a file`);
          else {
            try {
              credentials[target] = readSecret(path).trim();
            } catch (error) {
              problems.push(`${at}.credentials.${key}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
            }
          }
        }
      }
    }
    if (site) {
      if (sites.some((other) => other.site.name === site.name)) problems.push(`${at}.name: "${site.name}" is used by another site`);
      sites.push({ site, ...(Object.keys(credentials).length ? { credentials } : {}) });
    }
  });
  if (problems.length) throw new ConfigurationError(`invalid backup sites: ${problems.join('; ')}`);
  return sites;
}

/** The sites from ALLMENDE_BACKUP_SITES_FILE, or one local site under the data directory. */
export function loadSites(config: AppConfig): ConfiguredSite[] {
  if (!config.backup.sitesFile) {
    // one machine (`npm start`): the Docker host is this machine, so the directory can be made here
    mkdirSync(config.backup.defaultLocalPath, { recursive: true, mode: 0o700 });
    return [{ site: parseBackupSite({ kind: 'local', name: 'local', path: config.backup.defaultLocalPath }) }];
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(config.backup.sitesFile, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(`invalid configuration: ALLMENDE_BACKUP_SITES_FILE ${config.backup.sitesFile}: ${(error as Error).message}`);
  }
  return parseSitesFile(raw, (path) => {
    // a secret file readable by others is refused: it would not stay a secret
    if ((statSync(path).mode & 0o077) !== 0) throw Object.assign(new Error('readable by group or others; chmod 600 it'), { code: 'mode' });
    return readFileSync(path, 'utf8');
  });
}

/** The backup sites, read once at start; the first one is the primary site. */
@Injectable()
export class BackupSites {
  private readonly sites: ConfiguredSite[];

  constructor(config: AppConfig) {
    this.sites = loadSites(config);
  }

  all(): ConfiguredSite[] {
    return this.sites;
  }

  primary(): ConfiguredSite {
    return this.sites[0];
  }

  find(name: string): ConfiguredSite | undefined {
    return this.sites.find((candidate) => candidate.site.name === name);
  }

  /** For operators: what each site is, never its secrets. */
  describe(): { name: string; kind: BackupSite['kind']; description: string; appendOnly: boolean; retention: BackupSite['retention']; schedule: BackupSite['schedule'] }[] {
    return this.sites.map(({ site }) => ({ name: site.name, kind: site.kind, description: describeSite(site), appendOnly: site.appendOnly, retention: site.retention, schedule: site.schedule }));
  }
}
