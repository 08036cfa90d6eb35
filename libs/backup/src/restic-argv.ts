import { inputProblem, ValidationFailedError } from '#platform/errors';
import type { Retention } from './backup-site.js';
import { TENANT_ID } from './repository.js';

/**
 * restic's argv for each operation, built from validated values only: arrays of words, never
 * a shell string. Values are refused unless they match strict patterns, and flags take their
 * values in the --flag=value form, so no value can be read as another flag.
 */

/** Every snapshot is made as this host: restic finds the parent snapshot by host and paths. */
export const SNAPSHOT_HOST = 'allmende';
/** Volumes are mounted at /backup/<app>/<mountAs> in the task, so snapshot paths say which app and volume they hold. */
export const BACKUP_ROOT = '/backup';
/** Restore targets are mounted at /restore/<mountAs>. */
export const RESTORE_ROOT = '/restore';

export const BACKUP_KINDS = ['scheduled', 'manual', 'pre-upgrade', 'final'] as const;
export type BackupKind = (typeof BACKUP_KINDS)[number];

export const APP_NAME = /^[a-z][a-z0-9-]{0,31}$/;
/** The name a volume has inside snapshots ("data", "db-dump"): a folder name. */
export const MOUNT_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const SNAPSHOT_ID = /^[0-9a-f]{8,64}$/;
/** restic's --read-data-subset: "n/t", "x%" / "x.y%", or a size such as 500M. */
const READ_DATA_SUBSET = /^(\d{1,3}(\.\d{1,2})?%|[1-9]\d{0,3}\/[1-9]\d{0,3}|[1-9]\d{0,5}[kKmMgGtT]?)$/;
/** Required files: "<mountAs>/<path inside the volume>", plain names only. */
const RELATIVE_FILE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}(\/[A-Za-z0-9_][A-Za-z0-9._-]{0,127}){1,15}$/;

/**
 * A snapshot's tags, and nothing else: forget groups snapshots by their whole tag set, so any
 * further tag (say an app version) would start a retention group of its own that is never
 * thinned out. Facts like versions belong in the caller's records of the snapshot.
 */
export interface SnapshotTags {
  tenant: string;
  app: string;
  kind: BackupKind;
}

function refuse(field: string, problem: string): never {
  throw ValidationFailedError.field(field, inputProblem(problem));
}

export function checkApp(app: unknown, field = 'app'): string {
  if (typeof app !== 'string' || !APP_NAME.test(app)) refuse(field, 'must be lower-case letters, digits or "-", starting with a letter');
  return app;
}

export function checkMountName(name: unknown, field: string): string {
  if (typeof name !== 'string' || !MOUNT_NAME.test(name)) refuse(field, 'must be a plain folder name (lower-case letters, digits, ".", "_", "-")');
  return name;
}

export function checkSnapshotId(id: unknown, field = 'snapshotId'): string {
  if (typeof id !== 'string' || !SNAPSHOT_ID.test(id)) refuse(field, 'must be a snapshot id (8 to 64 lower-case hex digits)');
  return id;
}

/** The tags as restic stores them: tenant=..., app=..., kind=... */
export function snapshotTags(tags: SnapshotTags): string[] {
  if (typeof tags.tenant !== 'string' || !TENANT_ID.test(tags.tenant)) refuse('tags.tenant', 'must be a tenant id');
  checkApp(tags.app, 'tags.app');
  if (!BACKUP_KINDS.includes(tags.kind)) refuse('tags.kind', `must be one of ${BACKUP_KINDS.join(', ')}`);
  if (Object.keys(tags).some((key) => !['tenant', 'app', 'kind'].includes(key))) refuse('tags', 'only tenant, app and kind: more tags would split retention groups');
  return [`tenant=${tags.tenant}`, `app=${tags.app}`, `kind=${tags.kind}`];
}

/** Reads our tags back; other tags are ignored. */
export function parseSnapshotTags(tags: readonly string[] | null | undefined): Partial<SnapshotTags> {
  const result: Partial<SnapshotTags> = {};
  for (const tag of tags ?? []) {
    const at = tag.indexOf('=');
    if (at <= 0) continue;
    const key = tag.slice(0, at);
    const value = tag.slice(at + 1);
    if (key === 'tenant') result.tenant = value;
    else if (key === 'app') result.app = value;
    else if (key === 'kind' && (BACKUP_KINDS as readonly string[]).includes(value)) result.kind = value as BackupKind;
  }
  return result;
}

export function backupPathOf(app: string, mountAs: string): string {
  return `${BACKUP_ROOT}/${checkApp(app)}/${checkMountName(mountAs, 'volumes.mountAs')}`;
}

/** "db/dump.sql" (mountAs/path) as the path the task sees, checked to stay inside one of the mounted volumes. */
export function requiredFilePath(app: string, relative: unknown, mountNames: readonly string[], field = 'requireNonEmpty'): string {
  if (typeof relative !== 'string' || !RELATIVE_FILE.test(relative) || relative.split('/').some((part) => part === '.' || part === '..')) {
    refuse(field, 'must be "<mountAs>/<path>" of plain names, e.g. "db/dump.sql"');
  }
  const mount = relative.split('/')[0];
  if (!mountNames.includes(mount)) refuse(field, `"${relative}" is not inside a backed-up volume (${mountNames.join(', ') || 'none'})`);
  return `${BACKUP_ROOT}/${app}/${relative}`;
}

export function repoFlag(repository: string): string {
  return `--repo=${repository}`;
}

export function initArgv(repository: string): string[] {
  return [repoFlag(repository), 'init', '--json'];
}

/**
 * `scan: false` skips restic's pre-scan of the files (it walks everything twice otherwise,
 * which is most of the time of a backup where little changed); progress then has no total.
 */
export function backupArgv(repository: string, tags: SnapshotTags, paths: readonly string[], options: { scan: boolean } = { scan: true }): string[] {
  return [repoFlag(repository), 'backup', '--json', `--host=${SNAPSHOT_HOST}`, `--tag=${snapshotTags(tags).join(',')}`, ...(options.scan ? [] : ['--no-scan']), '--', ...paths];
}

export interface SnapshotFilter {
  tenant: string;
  app?: string;
  kind?: BackupKind;
}

function filterTag(filter: SnapshotFilter): string {
  if (!TENANT_ID.test(filter.tenant)) refuse('tenantId', 'must be a tenant id');
  const parts = [`tenant=${filter.tenant}`];
  if (filter.app !== undefined) parts.push(`app=${checkApp(filter.app)}`);
  if (filter.kind !== undefined) {
    if (!BACKUP_KINDS.includes(filter.kind)) refuse('kind', `must be one of ${BACKUP_KINDS.join(', ')}`);
    parts.push(`kind=${filter.kind}`);
  }
  return `--tag=${parts.join(',')}`;
}

export function snapshotsArgv(repository: string, filter: SnapshotFilter): string[] {
  return [repoFlag(repository), 'snapshots', '--json', filterTag(filter)];
}

export function checkRetention(retention: Retention): Retention {
  for (const key of ['daily', 'weekly', 'monthly', 'last'] as const) {
    const value = retention[key];
    if (!Number.isSafeInteger(value) || value < 0) refuse(`retention.${key}`, 'must be a whole number, 0 or more');
  }
  if (retention.daily + retention.weekly + retention.monthly + retention.last === 0) refuse('retention', 'must keep something: forget would delete every snapshot');
  return retention;
}

export interface ForgetSelection {
  tenant: string;
  /** Only this app's snapshots (default: all apps). */
  app?: string;
  /** Which kinds the policy applies to (default: scheduled, manual, pre-upgrade; a final snapshot is kept until deleted on purpose). */
  kinds?: readonly BackupKind[];
}

export const DEFAULT_FORGET_KINDS: readonly BackupKind[] = ['scheduled', 'manual', 'pre-upgrade'];

/**
 * forget (and prune) by the retention policy. Snapshots are grouped by their tags, so each
 * (tenant, app, kind) keeps its own daily/weekly/monthly set, whatever paths it holds.
 */
export function forgetArgv(repository: string, retention: Retention, selection: ForgetSelection, prune: boolean): string[] {
  checkRetention(retention);
  const kinds = selection.kinds ?? DEFAULT_FORGET_KINDS;
  if (kinds.length === 0) refuse('kinds', 'must name at least one kind');
  const keep = (
    [
      ['--keep-last', retention.last],
      ['--keep-daily', retention.daily],
      ['--keep-weekly', retention.weekly],
      ['--keep-monthly', retention.monthly],
    ] as const
  )
    .filter(([, count]) => count > 0)
    .map(([flag, count]) => `${flag}=${count}`);
  // several --tag flags: a snapshot matches if it has all tags of any one of them
  const tags = kinds.map((kind) => filterTag({ tenant: selection.tenant, app: selection.app, kind }));
  return [repoFlag(repository), 'forget', '--json', '--group-by=tags', ...keep, ...tags, ...(prune ? ['--prune'] : [])];
}

/** forget of named snapshots (never a policy): each id checked, "--" before them so none can be read as a flag. */
export function forgetSnapshotsArgv(repository: string, snapshotIds: readonly string[], prune: boolean): string[] {
  if (snapshotIds.length === 0) refuse('snapshotIds', 'must name at least one snapshot');
  const ids = snapshotIds.map((id, index) => checkSnapshotId(id, `snapshotIds[${index}]`));
  return [repoFlag(repository), 'forget', '--json', ...(prune ? ['--prune'] : []), '--', ...ids];
}

export interface CheckOptions {
  /** "none": structure only (fast); "all": read every pack; or a subset such as "5%", "1/7", "500M". */
  readData: 'none' | 'all' | string;
}

export function checkArgv(repository: string, options: CheckOptions): string[] {
  const read = options.readData;
  if (read !== 'none' && read !== 'all' && !READ_DATA_SUBSET.test(read)) refuse('readData', 'must be "none", "all", a percentage such as "5%", "n/t" or a size such as "500M"');
  if (read.endsWith('%') && (Number(read.slice(0, -1)) <= 0 || Number(read.slice(0, -1)) > 100)) refuse('readData', 'percentage must be above 0 and at most 100');
  return [repoFlag(repository), 'check', '--json', ...(read === 'all' ? ['--read-data'] : read === 'none' ? [] : [`--read-data-subset=${read}`])];
}

/**
 * Restores one volume of a snapshot into a target folder (the mounted target volume):
 * `<id>:/backup/<app>/<mountAs>` makes restic fail when the snapshot lacks that volume, and
 * --delete removes what the target holds that the snapshot does not.
 */
export function restoreArgv(repository: string, snapshotId: string, app: string, mountAs: string, target: string): string[] {
  return [repoFlag(repository), 'restore', '--json', `--target=${target}`, '--delete', `${checkSnapshotId(snapshotId)}:${backupPathOf(app, mountAs)}`];
}

/** Removes stale locks only (left by a killed task); a lock of a running restic stays. */
export function unlockArgv(repository: string): string[] {
  return [repoFlag(repository), 'unlock'];
}

/** The argv of allmende-restic (the image's entry point): required files, then one or more restic commands. */
export function taskArgv(commands: readonly string[][], requiredFiles: readonly string[] = []): string[] {
  if (commands.length === 0) throw new Error('no restic command');
  for (const command of commands) {
    if (command.includes('--then')) throw new Error('"--then" separates commands and may not appear in one');
  }
  return [...requiredFiles.flatMap((path) => ['--require-nonempty', path]), '--', ...commands.flatMap((command, index) => (index ? ['--then', ...command] : command))];
}
