import type { EngineEndpoint } from '#runtime';
import type { BackupSite, Retention, SiteCredentials } from './backup-site.js';
import type { BackupKind } from './restic-argv.js';
import type { ForgetGroup, Snapshot, TransferProgress } from './restic-json.js';

/** One tenant's repository on one site, and what opens it. */
export interface TenantRepository {
  site: BackupSite;
  /** The site's secrets (ssh key, REST password, S3 secret), if it needs any. */
  credentials?: SiteCredentials;
  tenant: { id: string; slug?: string };
  /** The repository password: generated and sealed by the caller, handed over in memory only. */
  password: string;
}

export interface BackupVolume {
  /** Docker name of a volume labelled for the tenant; mounted read-only. */
  name: string;
  /** Its folder name in the snapshot ("data", "db-dump"), stable across backups. */
  mountAs: string;
}

export interface BackupRequest {
  app: string;
  kind: BackupKind;
  volumes: BackupVolume[];
  /**
   * Files that must exist and be non-empty, as "<mountAs>/<path>" (e.g. the dump a backup
   * hook wrote): if one is missing or empty the backup fails and stores no snapshot.
   */
  requireNonEmpty?: string[];
  /**
   * Size of the previous snapshot (its totalBytes), if known: restic then skips its pre-scan
   * of all files (much faster when little changed) and progress is estimated against it.
   */
  expectedBytes?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface BackupResult {
  snapshotId: string;
  /** New data this backup added (before compression) and as stored on the site. */
  bytesAdded: number;
  bytesStored: number;
  /** Size and number of all files in the snapshot. */
  totalBytes: number;
  files: number;
  filesNew: number;
  filesChanged: number;
  /** Wall time, task container included; and restic's own time inside it. */
  durationMs: number;
  resticDurationMs: number;
  /** restic could not read some files (exit code 3): the snapshot exists but lacks them (see warnings). */
  incomplete: boolean;
  warnings: string[];
}

export interface BackupProgress extends TransferProgress {
  operation: 'backup' | 'restore';
  /** For restores: the volume (mountAs) being restored. */
  volume?: string;
}

export interface RestoreRequest {
  snapshotId: string;
  /** The app the snapshot belongs to (its app tag). */
  app: string;
  /**
   * Each volume of the snapshot (mountAs) goes into a volume labelled for the tenant; the
   * target's contents are replaced (files not in the snapshot are deleted). Ownership and
   * modes are restored as they were.
   */
  into: { mountAs: string; volume: string }[];
  /**
   * The tenant the target volumes belong to, when not the repository's own: a clone or a
   * restore drill (scratch tenant) reads this tenant's repository and writes another's volumes.
   * The task container is labelled for that tenant; the volumes must be labelled for it.
   */
  intoTenant?: { id: string; slug?: string };
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RestoreResult {
  files: number;
  bytes: number;
  filesDeleted: number;
  durationMs: number;
}

export interface SnapshotQuery {
  app?: string;
  kind?: BackupKind;
}

export interface ForgetRequest {
  /** Default: the site's retention. */
  retention?: Retention;
  /** Only this app's snapshots (default all). */
  app?: string;
  /** Kinds the policy applies to (default scheduled, manual, pre-upgrade: "final" snapshots stay until deleted on purpose). */
  kinds?: BackupKind[];
  /** Also prune: delete the data no snapshot uses any more. */
  prune: boolean;
  timeoutMs?: number;
}

export interface ForgetResult {
  kept: string[];
  removed: string[];
  groups: ForgetGroup[];
  pruned: boolean;
}

export interface ForgetSnapshotsRequest {
  /** Snapshot ids (as listed by snapshots) of this tenant to remove, whatever their kind. */
  snapshotIds: string[];
  /** Also prune: delete the data no snapshot uses any more. */
  prune: boolean;
  timeoutMs?: number;
}

export interface CheckRequest {
  /** "none" (structure only), "all", or a sample such as "5%" (weekly), "1/7", "500M". */
  readData: 'none' | 'all' | string;
  timeoutMs?: number;
}

export interface CheckResult {
  readData: string;
  durationMs: number;
}

/**
 * Backups of tenants' volumes into per-tenant encrypted repositories on backup sites. Every
 * operation runs in a short-lived task container on the tenant's Docker host (never in this
 * process, never with the Docker socket) and fails with a BackupError whose code says what
 * failed and whether retrying later may help.
 */
export abstract class BackupEngine {
  /** Creates the tenant's repository on the site unless it exists; checks the password opens an existing one. */
  abstract ensureRepository(engine: EngineEndpoint, repository: TenantRepository): Promise<{ created: boolean }>;

  /** Backs up one app's volumes (read-only mounts) as one snapshot tagged tenant, app and kind. */
  abstract backup(engine: EngineEndpoint, repository: TenantRepository, request: BackupRequest, onProgress?: (progress: BackupProgress) => void): Promise<BackupResult>;

  /** The tenant's snapshots, oldest first. */
  abstract snapshots(engine: EngineEndpoint, repository: TenantRepository, query?: SnapshotQuery): Promise<Snapshot[]>;

  /** Applies the retention policy (grouped by tenant, app and kind), optionally pruning. Refused on append-only sites. */
  abstract forget(engine: EngineEndpoint, repository: TenantRepository, request: ForgetRequest): Promise<ForgetResult>;

  /**
   * Removes the named snapshots (e.g. a terminated tenant's final snapshot once its retention is
   * over), optionally pruning. Ids that are not this tenant's are refused. Refused on append-only sites.
   */
  abstract forgetSnapshots(engine: EngineEndpoint, repository: TenantRepository, request: ForgetSnapshotsRequest): Promise<ForgetResult>;

  /** Verifies the repository; damaged data fails with backup.repository_corrupt naming the packs and the reason. */
  abstract check(engine: EngineEndpoint, repository: TenantRepository, request: CheckRequest): Promise<CheckResult>;

  /** Restores volumes of a snapshot into labelled volumes of the tenant. */
  abstract restore(engine: EngineEndpoint, repository: TenantRepository, request: RestoreRequest, onProgress?: (progress: BackupProgress) => void): Promise<RestoreResult>;

  /** Removes stale locks (e.g. left by a task killed with its worker). */
  abstract unlock(engine: EngineEndpoint, repository: TenantRepository): Promise<void>;

  /** Removes backup task containers a crashed worker left behind, once past their deadline. */
  abstract removeAbandonedTasks(engine: EngineEndpoint, tenantId?: string): Promise<string[]>;
}
