import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { inputProblem, ValidationFailedError } from '#platform/errors';
import { ContainerRuntime, RuntimeError, type EngineEndpoint, type TaskResult, type TaskVolumeMount } from '#runtime';
import { describeSite } from './backup-site.js';
import {
  BackupEngine, type BackupProgress, type BackupRequest, type BackupResult, type CheckRequest, type CheckResult, type ForgetRequest, type ForgetResult, type ForgetSnapshotsRequest,
  type RestoreRequest, type RestoreResult, type SnapshotQuery, type TenantRepository,
} from './backup-engine.port.js';
import { BackupError, classifyResticFailure, fromRuntimeError, isUnreachableRetryLine, resticDetail } from './backup-errors.js';
import { repositoryLocation, secretFiles, tenantIdProblem, type RepositoryLocation } from './repository.js';
import {
  backupArgv, backupPathOf, BACKUP_KINDS, checkApp, checkArgv, checkMountName, checkSnapshotId, forgetArgv, forgetSnapshotsArgv, initArgv, repoFlag, requiredFilePath, RESTORE_ROOT,
  restoreArgv, snapshotsArgv, taskArgv, unlockArgv,
} from './restic-argv.js';
import {
  backupSummaryOf, checkSummaryOf, parseForget, parseResticLine, parseSnapshots, restoreSummaryOf, type BackupSummary, type ResticMessage, type RestoreSummary, type Snapshot, type TransferProgress,
} from './restic-json.js';
import { secretBundle } from './secret-bundle.js';

export interface ResticEngineOptions {
  /** The restic image (infra/images/build-restic.sh). */
  image: string;
  /** Time limits per operation; a task running longer is killed. */
  timeouts: { backupMs: number; restoreMs: number; checkMs: number; forgetMs: number; otherMs: number };
  /**
   * restic retries a site that does not answer for 15 minutes; after this many of its
   * retries while opening the repository the engine gives up with backup.site_unreachable.
   */
  unreachableAfterRetries: number;
  /** How often restic reports progress (status lines per second). */
  progressPerSecond: number;
  /** Memory limit of a task container (restic's index grows with the repository). */
  memoryBytes: number;
}

/** What a deployment may change; the rest stays at DEFAULT_ENGINE_OPTIONS. */
export type ResticEngineOverrides = Partial<Omit<ResticEngineOptions, 'timeouts'>> & { timeouts?: Partial<ResticEngineOptions['timeouts']> };

/** DI token for ResticEngineOverrides; without it the defaults apply. */
export const BACKUP_ENGINE_OPTIONS = 'BACKUP_ENGINE_OPTIONS';

const HOUR = 3_600_000;
export const DEFAULT_ENGINE_OPTIONS: ResticEngineOptions = {
  image: 'allmende/restic:0.18',
  timeouts: { backupMs: 6 * HOUR, restoreMs: 6 * HOUR, checkMs: 12 * HOUR, forgetMs: 2 * HOUR, otherMs: 10 * 60_000 },
  unreachableAfterRetries: 3,
  progressPerSecond: 2,
  memoryBytes: 2 * 1024 * 1024 * 1024,
};

/** Without restic's pre-scan there is no total: progress against the previous snapshot's size. */
function estimated(status: TransferProgress, expectedBytes: number): TransferProgress {
  return { ...status, totalBytes: Math.max(expectedBytes, status.bytesDone), percentDone: Math.min(0.99, status.bytesDone / expectedBytes) };
}

/** Where the task unpacks the secrets bundle (a tmpfs, so secrets never touch the disk). */
const SECRETS_TMPFS = '/run/allmende';
const MiB = 1024 * 1024;
/** Capabilities per kind of work; every other one is dropped. */
const CAPABILITIES = {
  /** read every file of the volumes, whoever owns them */
  read: ['DAC_READ_SEARCH'],
  /** create the tenant's folder in a site directory the operator may own */
  init: ['DAC_OVERRIDE'],
  /** write files back with their owners, modes and times */
  restore: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID'],
  none: [] as string[],
};

interface RunSpec {
  operation: string;
  purpose: 'init' | 'use';
  commands: (repository: string) => string[][];
  requiredFiles?: string[];
  volumes?: TaskVolumeMount[];
  capabilities: string[];
  timeoutMs: number;
  signal?: AbortSignal;
  onMessage?: (message: ResticMessage) => void;
  stdoutLimitBytes?: number;
  /** The tenant the task (and the volumes it mounts) belongs to, when not the repository's (clones, drills). */
  taskTenant?: { id: string; slug?: string };
}

/**
 * The BackupEngine on restic, run in allmende/restic task containers through the runtime
 * port: volumes mounted read-only (read-write only for restores), the local site directory
 * bind-mounted only into these tasks, secrets on stdin, no network unless the site needs one.
 */
@Injectable()
export class ResticBackupEngine extends BackupEngine {
  private readonly logger = new Logger(ResticBackupEngine.name);
  private readonly options: ResticEngineOptions;

  constructor(
    private readonly runtime: ContainerRuntime,
    @Optional() @Inject(BACKUP_ENGINE_OPTIONS) options?: ResticEngineOverrides,
  ) {
    super();
    this.options = { ...DEFAULT_ENGINE_OPTIONS, ...options, timeouts: { ...DEFAULT_ENGINE_OPTIONS.timeouts, ...options?.timeouts } };
  }

  async ensureRepository(engine: EngineEndpoint, repository: TenantRepository): Promise<{ created: boolean }> {
    try {
      // the usual case: it exists, and this also proves the password opens it
      await this.runChecked(engine, repository, { operation: 'open repository', purpose: 'use', commands: (repo) => [[repoFlag(repo), 'cat', 'config']], capabilities: CAPABILITIES.none, timeoutMs: this.options.timeouts.otherMs });
      return { created: false };
    } catch (error) {
      if (!(error instanceof BackupError && error.code === 'backup.repository_missing')) throw error;
    }
    await this.runChecked(engine, repository, { operation: 'create repository', purpose: 'init', commands: (repo) => [initArgv(repo)], capabilities: CAPABILITIES.init, timeoutMs: this.options.timeouts.otherMs });
    this.logger.log(`created the repository of tenant ${repository.tenant.id} on ${describeSite(repository.site)}`);
    return { created: true };
  }

  async backup(engine: EngineEndpoint, repository: TenantRepository, request: BackupRequest, onProgress: (progress: BackupProgress) => void = () => {}): Promise<BackupResult> {
    const app = checkApp(request.app);
    if (!BACKUP_KINDS.includes(request.kind)) throw ValidationFailedError.field('kind', inputProblem(`must be one of ${BACKUP_KINDS.join(', ')}`));
    if (!Array.isArray(request.volumes) || request.volumes.length === 0) throw ValidationFailedError.field('volumes', inputProblem('must name at least one volume'));
    const mountNames = request.volumes.map((volume, index) => checkMountName(volume.mountAs, `volumes[${index}].mountAs`));
    if (new Set(mountNames).size !== mountNames.length) throw ValidationFailedError.field('volumes', inputProblem('each mountAs must be different'));
    if (new Set(request.volumes.map((v) => v.name)).size !== request.volumes.length) throw ValidationFailedError.field('volumes', inputProblem('a volume is named twice'));
    const required = (request.requireNonEmpty ?? []).map((file, index) => requiredFilePath(app, file, mountNames, `requireNonEmpty[${index}]`));
    const paths = mountNames.map((mountAs) => backupPathOf(app, mountAs));
    const tags = { tenant: repository.tenant.id, app, kind: request.kind };
    const expected = request.expectedBytes;
    if (expected !== undefined && (!Number.isSafeInteger(expected) || expected < 0)) throw ValidationFailedError.field('expectedBytes', inputProblem('must be a whole number of bytes'));
    const scan = !expected;
    // builds the tags now, so bad tags fail before a container starts
    backupArgv('-', tags, paths);

    const started = Date.now();
    let summary: BackupSummary | undefined;
    const warnings: string[] = [];
    const result = await this.run(engine, repository, {
      operation: `backup of ${app}`,
      purpose: 'use',
      commands: (repo) => [backupArgv(repo, tags, paths, { scan })],
      requiredFiles: required,
      volumes: request.volumes.map((volume, index) => ({ volume: volume.name, target: paths[index], readOnly: true })),
      capabilities: CAPABILITIES.read,
      timeoutMs: request.timeoutMs ?? this.options.timeouts.backupMs,
      signal: request.signal,
      onMessage: (message) => {
        if (message.type === 'status') onProgress({ operation: 'backup', ...(scan ? message : estimated(message, expected!)) });
        else if (message.type === 'summary') summary = backupSummaryOf(message.fields);
        else if (message.type === 'error') warnings.push(message.item ? `${message.item}: ${message.message}` : message.message);
      },
    });
    const site = describeSite(repository.site);
    if (result.exitCode === 65) {
      const missing = [...result.stderr.matchAll(/required input is missing or empty: (\S+)/g)].map((match) => match[1].replace(`/backup/${app}/`, ''));
      throw new BackupError('backup.empty_input', `backup of ${app} on site ${site} failed: required input missing or empty: ${missing.join(', ')}; no snapshot was stored`, { missingFiles: missing, detail: resticDetail(result.stderr) });
    }
    if (result.exitCode !== 0 && result.exitCode !== 3) throw classifyResticFailure({ operation: `backup of ${app}`, site, exitCode: result.exitCode, stderr: result.stderr });
    if (!summary?.snapshotId) throw new BackupError('backup.failed', `backup of ${app} on site ${site}: restic reported no snapshot`, { detail: resticDetail(result.stderr) });
    const done: BackupResult = {
      snapshotId: summary.snapshotId,
      bytesAdded: summary.dataAdded,
      bytesStored: summary.dataAddedPacked,
      totalBytes: summary.totalBytes,
      files: summary.totalFiles,
      filesNew: summary.filesNew,
      filesChanged: summary.filesChanged,
      durationMs: Date.now() - started,
      resticDurationMs: Math.round(summary.durationSeconds * 1000),
      incomplete: result.exitCode === 3,
      warnings,
    };
    this.logger.log(
      `backup of ${app} (tenant ${repository.tenant.id}) on ${site}: snapshot ${done.snapshotId.slice(0, 8)}, ${done.files} files, ${done.totalBytes} bytes, ${done.bytesAdded} new, ${done.durationMs} ms${done.incomplete ? `, INCOMPLETE: ${warnings.length} unreadable` : ''}`,
    );
    return done;
  }

  async snapshots(engine: EngineEndpoint, repository: TenantRepository, query: SnapshotQuery = {}): Promise<Snapshot[]> {
    const filter = { tenant: repository.tenant.id, ...(query.app !== undefined ? { app: checkApp(query.app) } : {}), ...(query.kind !== undefined ? { kind: query.kind } : {}) };
    snapshotsArgv('-', filter);
    const result = await this.runChecked(engine, repository, {
      operation: 'list snapshots',
      purpose: 'use',
      commands: (repo) => [snapshotsArgv(repo, filter)],
      capabilities: CAPABILITIES.none,
      timeoutMs: this.options.timeouts.otherMs,
      stdoutLimitBytes: 64 * MiB,
    });
    return parseSnapshots(result.stdout);
  }

  async forget(engine: EngineEndpoint, repository: TenantRepository, request: ForgetRequest): Promise<ForgetResult> {
    const site = describeSite(repository.site);
    const what = request.prune ? 'forget and prune' : 'forget';
    if (repository.site.appendOnly) {
      throw new BackupError('backup.append_only', `${what} on site ${site} refused: append-only site: forget/prune not possible; they must run where the server runs`);
    }
    const retention = request.retention ?? repository.site.retention;
    const selection = { tenant: repository.tenant.id, ...(request.app !== undefined ? { app: checkApp(request.app) } : {}), ...(request.kinds ? { kinds: request.kinds } : {}) };
    forgetArgv('-', retention, selection, request.prune);
    const result = await this.runChecked(engine, repository, {
      operation: what,
      purpose: 'use',
      commands: (repo) => [forgetArgv(repo, retention, selection, request.prune)],
      capabilities: CAPABILITIES.none,
      timeoutMs: request.timeoutMs ?? this.options.timeouts.forgetMs,
      stdoutLimitBytes: 64 * MiB,
    });
    // restic exits 0 when the server refuses the deletes; its messages say 403
    const refused = classifyResticFailure({ operation: what, site, exitCode: 1, stderr: result.stderr });
    if (refused.code === 'backup.append_only') throw refused;
    const groups = parseForget(result.stdout);
    const outcome = { kept: groups.flatMap((g) => g.keep), removed: groups.flatMap((g) => g.remove), groups, pruned: request.prune };
    this.logger.log(`${what} for tenant ${repository.tenant.id} on ${site}: kept ${outcome.kept.length}, removed ${outcome.removed.length}`);
    return outcome;
  }

  async forgetSnapshots(engine: EngineEndpoint, repository: TenantRepository, request: ForgetSnapshotsRequest): Promise<ForgetResult> {
    const site = describeSite(repository.site);
    if (repository.site.appendOnly) {
      throw new BackupError('backup.append_only', `forget of snapshots on site ${site} refused: append-only site: forget/prune not possible; they must run where the server runs`);
    }
    forgetSnapshotsArgv('-', request.snapshotIds, request.prune);
    // only snapshots tagged for this tenant: an id from elsewhere is refused, never forgotten
    const own = (await this.snapshots(engine, repository)).map((snapshot) => snapshot.id);
    const foreign = request.snapshotIds.filter((id) => !own.some((candidate) => candidate.startsWith(id)));
    if (foreign.length) throw new BackupError('backup.snapshot_not_found', `snapshot(s) ${foreign.join(', ')} are not snapshots of tenant ${repository.tenant.id} on site ${site}`);
    const result = await this.runChecked(engine, repository, {
      operation: 'forget snapshots',
      purpose: 'use',
      commands: (repo) => [forgetSnapshotsArgv(repo, request.snapshotIds, request.prune)],
      capabilities: CAPABILITIES.none,
      timeoutMs: request.timeoutMs ?? this.options.timeouts.forgetMs,
      stdoutLimitBytes: 64 * MiB,
    });
    const refused = classifyResticFailure({ operation: 'forget snapshots', site, exitCode: 1, stderr: result.stderr });
    if (refused.code === 'backup.append_only') throw refused;
    this.logger.log(`forgot ${request.snapshotIds.length} snapshot(s) of tenant ${repository.tenant.id} on ${site}${request.prune ? ' and pruned' : ''}`);
    return { kept: own.filter((id) => !request.snapshotIds.some((removed) => id.startsWith(removed))), removed: [...request.snapshotIds], groups: [], pruned: request.prune };
  }

  async check(engine: EngineEndpoint, repository: TenantRepository, request: CheckRequest): Promise<CheckResult> {
    checkArgv('-', request);
    const started = Date.now();
    let summary: ReturnType<typeof checkSummaryOf> | undefined;
    const errors: string[] = [];
    const site = describeSite(repository.site);
    const result = await this.run(engine, repository, {
      operation: 'check',
      purpose: 'use',
      commands: (repo) => [checkArgv(repo, request)],
      capabilities: CAPABILITIES.none,
      timeoutMs: request.timeoutMs ?? this.options.timeouts.checkMs,
      onMessage: (message) => {
        if (message.type === 'summary') summary = checkSummaryOf(message.fields);
        else if (message.type === 'error' && message.message) errors.push(message.message);
      },
    });
    if (summary && (summary.errors > 0 || summary.brokenPacks.length > 0)) {
      // restic's first messages say what is wrong; its advice on repairs follows them
      const reason = errors.filter((e) => !/^(The repository contains damaged|restic repair|Damaged pack files can be caused)/.test(e))[0] ?? errors[0] ?? 'restic check found errors';
      throw new BackupError(
        'backup.repository_corrupt',
        `check on site ${site} found ${summary.errors} error(s)${summary.brokenPacks.length ? ` in pack(s) ${summary.brokenPacks.map((p) => p.slice(0, 12)).join(', ')}` : ''}: ${reason}`,
        { brokenPacks: summary.brokenPacks, detail: errors.join('\n').slice(-4000) },
      );
    }
    if (result.exitCode !== 0) throw classifyResticFailure({ operation: 'check', site, exitCode: result.exitCode, stderr: result.stderr });
    return { readData: request.readData, durationMs: Date.now() - started };
  }

  async restore(engine: EngineEndpoint, repository: TenantRepository, request: RestoreRequest, onProgress: (progress: BackupProgress) => void = () => {}): Promise<RestoreResult> {
    const snapshotId = checkSnapshotId(request.snapshotId);
    const app = checkApp(request.app);
    if (!Array.isArray(request.into) || request.into.length === 0) throw ValidationFailedError.field('into', inputProblem('must name at least one volume to restore'));
    const mountNames = request.into.map((target, index) => checkMountName(target.mountAs, `into[${index}].mountAs`));
    if (new Set(mountNames).size !== mountNames.length) throw ValidationFailedError.field('into', inputProblem('each mountAs must be different'));
    if (new Set(request.into.map((t) => t.volume)).size !== request.into.length) throw ValidationFailedError.field('into', inputProblem('a volume is named twice'));
    const targets = mountNames.map((mountAs) => `${RESTORE_ROOT}/${mountAs}`);
    const intoTenant = request.intoTenant ?? repository.tenant;
    if (tenantIdProblem(intoTenant.id)) throw ValidationFailedError.field('intoTenant.id', inputProblem(tenantIdProblem(intoTenant.id)!));

    const started = Date.now();
    const summaries: RestoreSummary[] = [];
    await this.runChecked(engine, repository, {
      operation: `restore of ${app} snapshot ${snapshotId.slice(0, 8)}`,
      purpose: 'use',
      // one restic run per volume: each fails when the snapshot lacks that volume
      commands: (repo) => mountNames.map((mountAs, index) => restoreArgv(repo, snapshotId, app, mountAs, targets[index])),
      volumes: request.into.map((target, index) => ({ volume: target.volume, target: targets[index], readOnly: false })),
      capabilities: CAPABILITIES.restore,
      taskTenant: intoTenant,
      timeoutMs: request.timeoutMs ?? this.options.timeouts.restoreMs,
      signal: request.signal,
      onMessage: (message) => {
        if (message.type === 'status') onProgress({ operation: 'restore', volume: mountNames[summaries.length], ...message });
        else if (message.type === 'summary') summaries.push(restoreSummaryOf(message.fields));
      },
    });
    const done: RestoreResult = {
      files: summaries.reduce((sum, s) => sum + s.files, 0),
      bytes: summaries.reduce((sum, s) => sum + s.bytes, 0),
      filesDeleted: summaries.reduce((sum, s) => sum + s.filesDeleted, 0),
      durationMs: Date.now() - started,
    };
    this.logger.log(`restored ${app} snapshot ${snapshotId.slice(0, 8)} of tenant ${repository.tenant.id}${intoTenant.id !== repository.tenant.id ? ` (for tenant ${intoTenant.id})` : ''} into ${request.into.map((t) => t.volume).join(', ')}: ${done.files} files, ${done.bytes} bytes`);
    return done;
  }

  async unlock(engine: EngineEndpoint, repository: TenantRepository): Promise<void> {
    await this.runChecked(engine, repository, { operation: 'unlock', purpose: 'use', commands: (repo) => [unlockArgv(repo)], capabilities: CAPABILITIES.none, timeoutMs: this.options.timeouts.otherMs });
  }

  async removeAbandonedTasks(engine: EngineEndpoint, tenantId?: string): Promise<string[]> {
    return this.runtime.removeTasks(engine, { role: 'backup-task', ...(tenantId ? { tenantId } : {}), expiredOnly: true });
  }

  /** run(), with any non-zero exit turned into a BackupError. */
  private async runChecked(engine: EngineEndpoint, repository: TenantRepository, spec: RunSpec): Promise<TaskResult> {
    const result = await this.run(engine, repository, spec);
    if (result.exitCode !== 0) throw classifyResticFailure({ operation: spec.operation, site: describeSite(repository.site), exitCode: result.exitCode, stderr: result.stderr });
    return result;
  }

  /** One task container: the repository's location, the secrets on stdin, restic's JSON lines to onMessage. */
  private async run(engine: EngineEndpoint, repository: TenantRepository, spec: RunSpec): Promise<TaskResult> {
    const location: RepositoryLocation = repositoryLocation(repository.site, repository.tenant.id, spec.purpose);
    const stdin = secretBundle(secretFiles(repository.site, repository.credentials, repository.password));
    const site = describeSite(repository.site);

    // restic would retry an unreachable site for 15 minutes; a few retries while opening are enough to know
    const giveUp = new AbortController();
    const unreachable: string[] = [];
    const onCallerAbort = () => giveUp.abort();
    spec.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const onLine = (line: string) => {
      const message = parseResticLine(line);
      if (message) spec.onMessage?.(message);
      else if (isUnreachableRetryLine(line)) {
        unreachable.push(line.trim());
        if (unreachable.length >= this.options.unreachableAfterRetries) giveUp.abort();
      }
    };
    try {
      return await this.runtime.runTask(engine, {
        tenant: spec.taskTenant ?? repository.tenant,
        role: 'backup-task',
        image: this.options.image,
        argv: taskArgv(spec.commands(location.repository), spec.requiredFiles),
        env: { ALLMENDE_SECRETS_ON_STDIN: '1', RESTIC_PROGRESS_FPS: String(this.options.progressPerSecond), ...location.env },
        stdin,
        volumes: spec.volumes ?? [],
        binds: location.bind ? [location.bind] : [],
        tmpfs: { [SECRETS_TMPFS]: MiB },
        network: location.network,
        capabilities: spec.capabilities,
        memoryBytes: this.options.memoryBytes,
        timeoutMs: spec.timeoutMs,
        signal: giveUp.signal,
        onStdoutLine: onLine,
        onStderrLine: onLine,
        ...(spec.stdoutLimitBytes ? { stdoutLimitBytes: spec.stdoutLimitBytes } : {}),
      });
    } catch (error) {
      if (error instanceof RuntimeError && error.code === 'runtime.task_aborted' && unreachable.length && !spec.signal?.aborted) {
        throw new BackupError('backup.site_unreachable', `${spec.operation} on site ${site} failed: the backup site is unreachable: ${unreachable[unreachable.length - 1].replace(/^.*retrying after [^:]+: /, '')}`, { detail: unreachable.join('\n'), cause: error });
      }
      throw fromRuntimeError(error, { operation: spec.operation, site, ...(repository.site.kind === 'local' ? { local: { path: repository.site.path, purpose: spec.purpose } } : {}) });
    } finally {
      spec.signal?.removeEventListener('abort', onCallerAbort);
    }
  }
}
