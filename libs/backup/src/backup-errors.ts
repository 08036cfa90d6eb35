import { DomainError, type DomainErrorKind } from '#platform/errors';
import { isTransientEngineError, RuntimeError } from '#runtime';
import { stderrMessages } from './restic-json.js';

/**
 * Why a backup operation failed, as a stable code, and whether trying again later may help
 * (`transient`): a scheduler retries transient failures and reports the others to a person.
 */
export type BackupErrorCode =
  /** The site did not answer (network, DNS, server down, connection refused). */
  | 'backup.site_unreachable'
  /** The site answered but refused us: ssh key or pinned host key, REST user or password. */
  | 'backup.site_auth_failed'
  /** The site is full (disk, quota, rest-server --max-size). */
  | 'backup.site_full'
  /** The site keeps history (rest-server --append-only): forget/prune must run where the server runs. */
  | 'backup.append_only'
  /** No repository for this tenant on the site yet: ensureRepository first. */
  | 'backup.repository_missing'
  /** The repository's password does not open it. */
  | 'backup.wrong_password'
  /** Another restic holds a lock (or a killed one left it; stale locks expire after 30 minutes). */
  | 'backup.repository_locked'
  /** check found damaged data; the detail names the packs and what was wrong. */
  | 'backup.repository_corrupt'
  /** A required dump file was missing or empty: no snapshot was stored. */
  | 'backup.empty_input'
  /** The snapshot (or a volume asked for) is not in the repository. */
  | 'backup.snapshot_not_found'
  /** A volume asked for does not exist or is not labelled for this tenant. */
  | 'backup.volume_refused'
  /** The task ran longer than allowed and was killed. */
  | 'backup.timeout'
  /** The restic image is not on the Docker host. */
  | 'backup.image_missing'
  /** The Docker engine failed or did not answer. */
  | 'backup.engine_unavailable'
  /** Anything else restic reported. */
  | 'backup.failed';

const META: Record<BackupErrorCode, { kind: DomainErrorKind; transient: boolean }> = {
  'backup.site_unreachable': { kind: 'unavailable', transient: true },
  'backup.site_auth_failed': { kind: 'invalid_state', transient: false },
  'backup.site_full': { kind: 'unavailable', transient: true },
  'backup.append_only': { kind: 'invalid_state', transient: false },
  'backup.repository_missing': { kind: 'not_found', transient: false },
  'backup.wrong_password': { kind: 'invalid_state', transient: false },
  'backup.repository_locked': { kind: 'conflict', transient: true },
  'backup.repository_corrupt': { kind: 'invalid_state', transient: false },
  'backup.empty_input': { kind: 'invalid_state', transient: false },
  'backup.snapshot_not_found': { kind: 'not_found', transient: false },
  'backup.volume_refused': { kind: 'validation', transient: false },
  'backup.timeout': { kind: 'unavailable', transient: true },
  'backup.image_missing': { kind: 'invalid_state', transient: false },
  'backup.engine_unavailable': { kind: 'unavailable', transient: true },
  'backup.failed': { kind: 'invalid_state', transient: false },
};

export class BackupError extends DomainError {
  declare readonly code: BackupErrorCode;
  readonly transient: boolean;
  /** What restic (or the engine) said, trimmed; never contains secrets (restic never prints them). */
  readonly detail?: string;
  /** For backup.empty_input: the required files that were missing or empty ("db/dump.sql"). */
  readonly missingFiles?: string[];
  /** For backup.repository_corrupt: the damaged pack ids. */
  readonly brokenPacks?: string[];

  constructor(code: BackupErrorCode, message: string, options: { detail?: string; cause?: unknown; missingFiles?: string[]; brokenPacks?: string[] } = {}) {
    super(META[code].kind, code, message);
    this.transient = META[code].transient;
    if (options.detail) this.detail = options.detail;
    if (options.missingFiles) this.missingFiles = options.missingFiles;
    if (options.brokenPacks) this.brokenPacks = options.brokenPacks;
    if (options.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

export function isTransientBackupError(error: unknown): boolean {
  return error instanceof BackupError && error.transient;
}

/** What a failed restic run left to go by. */
export interface ResticFailure {
  /** e.g. "backup", "forget" */
  operation: string;
  /** describeSite(site) */
  site: string;
  exitCode: number;
  stderr: string;
}

const PHRASE: Record<BackupErrorCode, string> = {
  'backup.site_unreachable': 'the backup site is unreachable',
  'backup.site_auth_failed': 'the backup site refused the login or its host key does not match the pinned one',
  'backup.site_full': 'the backup site is full',
  'backup.append_only': 'append-only site: forget/prune not possible (run them where the server runs)',
  'backup.repository_missing': 'the tenant has no repository on this site yet',
  'backup.wrong_password': 'wrong repository password',
  'backup.repository_locked': 'the repository is locked by another restic (a stale lock expires after 30 minutes)',
  'backup.repository_corrupt': 'the repository contains damaged data',
  'backup.empty_input': 'a required input file is missing or empty',
  'backup.snapshot_not_found': 'snapshot or volume not found in the repository',
  'backup.volume_refused': 'a volume was refused',
  'backup.timeout': 'it took too long and was stopped',
  'backup.image_missing': 'the restic image is missing',
  'backup.engine_unavailable': 'the Docker engine failed',
  'backup.failed': 'restic failed',
};

/** Order matters: more specific patterns first (an ssh auth failure also "cannot start the sftp session"). */
const RULES: [RegExp, BackupErrorCode][] = [
  [/Remove\(<[^>]+>\)[^\n]*\b403\b|blob not removed[^\n]*403/i, 'backup.append_only'],
  [/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No (ED25519|ECDSA|RSA)? ?host key is known|Permission denied \(publickey|\b401 Unauthorized\b|\(401\)|\b403 Forbidden\b/i, 'backup.site_auth_failed'],
  [/no space left on device|disk quota exceeded|\b507\b|Insufficient Storage|\b413\b|Request Entity Too Large|repository size limit|max(imum)? size/i, 'backup.site_full'],
  [/ciphertext verification failed|repository contains errors|damaged pack|pack [0-9a-f]+ contains \d+ errors|broken pack|invalid data returned|hash does not match/i, 'backup.repository_corrupt'],
  [/no matching ID found|failed to find snapshot|path [^\n]*: not found|snapshot [^\n]* not found/i, 'backup.snapshot_not_found'],
  [/connection refused|no such host|i\/o timeout|network is unreachable|no route to host|connection reset|Could not resolve hostname|Connection timed out|TLS handshake timeout|unable to start the sftp session|server unexpectedly closed connection|dial tcp|context deadline exceeded|EOF$/im, 'backup.site_unreachable'],
];

/** The last messages of a failed run, for people (JSON unwrapped, long output cut). */
export function resticDetail(stderr: string, limit = 1500): string {
  const text = stderrMessages(stderr).join('\n').trim();
  return text.length > limit ? `…${text.slice(-limit)}` : text;
}

/** Turns a failed restic run into a BackupError that says what failed (pure). */
export function classifyResticFailure(failure: ResticFailure): BackupError {
  const detail = resticDetail(failure.stderr);
  const make = (code: BackupErrorCode) =>
    new BackupError(code, `${failure.operation} on site ${failure.site} failed: ${PHRASE[code]}${detail ? `: ${lastLine(detail)}` : ''}`, { detail });
  switch (failure.exitCode) {
    case 10:
      return make('backup.repository_missing');
    case 11:
      return make('backup.repository_locked');
    case 12:
      return make('backup.wrong_password');
    case 65:
      return make('backup.empty_input');
  }
  for (const [pattern, code] of RULES) if (pattern.test(detail)) return make(code);
  return new BackupError('backup.failed', `${failure.operation} on site ${failure.site} failed: restic exited with ${failure.exitCode}${detail ? `: ${lastLine(detail)}` : ''}`, { detail });
}

function lastLine(detail: string): string {
  const lines = detail.split('\n').map((line) => line.trim()).filter(Boolean);
  // the Fatal line says the most; else the last one
  return lines.reverse().find((line) => /^Fatal:/.test(line)) ?? lines[0] ?? '';
}

/** Whether restic's retry message says it could not reach the site at all (while opening the repository). */
export function isUnreachableRetryLine(line: string): boolean {
  return /returned error, retrying after/.test(line) && /\((<config\/>|<key\/|<lock\/)|List\((key|lock)\)/.test(line) && RULES[RULES.length - 1][0].test(line);
}

export interface FailureContext {
  operation: string;
  /** describeSite(site) */
  site: string;
  /** For local sites: the directory on the Docker host, and whether the tenant's folder was to be created. */
  local?: { path: string; purpose: 'init' | 'use' };
}

/** Failures of the task machinery (not of restic) as BackupErrors; anything else unchanged. */
export function fromRuntimeError(error: unknown, context: FailureContext): unknown {
  if (!(error instanceof RuntimeError)) return error;
  const message = `${context.operation} on site ${context.site} failed`;
  switch (error.code) {
    case 'runtime.task_timeout':
      return new BackupError('backup.timeout', `${message}: ${PHRASE['backup.timeout']}`, { detail: error.message, cause: error });
    case 'runtime.image_missing':
      return new BackupError('backup.image_missing', `${message}: ${error.message}`, { cause: error });
    case 'runtime.not_owned':
      return new BackupError('backup.volume_refused', `${message}: ${error.message}`, { cause: error });
  }
  if (context.local && /bind source path does not exist/i.test(error.message)) {
    return context.local.purpose === 'init'
      ? new BackupError('backup.site_unreachable', `${message}: the site directory ${context.local.path} does not exist on the Docker host (is the backup disk mounted?)`, { detail: error.message, cause: error })
      : new BackupError('backup.repository_missing', `${message}: ${PHRASE['backup.repository_missing']} (no folder for it in ${context.local.path} on the Docker host)`, { detail: error.message, cause: error });
  }
  if (error.code === 'runtime.engine_error') {
    return new BackupError(isTransientEngineError(error) ? 'backup.engine_unavailable' : 'backup.failed', `${message}: ${error.message}`, { cause: error });
  }
  return error;
}
