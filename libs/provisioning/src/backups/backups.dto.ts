import { ApiProperty } from '@nestjs/swagger';
import { IsString, IsUUID, Length } from 'class-validator';
import type { Backup, DrillProbe, RestoreDrill, TenantExport } from '../entities/index.js';
import type { OwnerBackupSummary, SiteStatus } from './backup-status.js';

export class RestoreRequest {
  @ApiProperty({ description: 'A kept backup of this tenant (GET .../backups)' })
  @IsUUID('all', { message: 'must be a backup id (UUID)' })
  backupId!: string;
}

export class CloneRequest {
  @ApiProperty({ description: 'A kept backup of this tenant' })
  @IsUUID('all', { message: 'must be a backup id (UUID)' })
  backupId!: string;

  @ApiProperty({ description: 'The new tenant\'s subdomain', example: 'gardeners-copy' })
  @IsString()
  @Length(3, 40)
  subdomain!: string;
}

export interface BackupResponse {
  id: string;
  site: string;
  kind: Backup['kind'];
  state: Backup['state'];
  apps: { app: string; version: string; snapshotId: string; totalBytes: number; files: number; incomplete: boolean }[];
  sizeBytes: number | null;
  note: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  /** Operators only: what went wrong. */
  error?: string | null;
  errorCode?: string | null;
}

export interface DrillResponse {
  id: string;
  site: string;
  backupId: string | null;
  state: RestoreDrill['state'];
  probes: DrillProbe[];
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
}

export interface BackupsResponse {
  summary: OwnerBackupSummary;
  backups: BackupResponse[];
  drills: DrillResponse[];
  /** Operators only: each site's state (failures, retries, checks). */
  sites?: SiteStatus[];
}

export interface ExportResponse {
  id: string;
  state: TenantExport['state'];
  sizeBytes: number | null;
  sha256: string | null;
  createdAt: Date;
  completedAt: Date | null;
  expiresAt: Date | null;
  /** Where to download it (owners), once completed. */
  download: string | null;
}

export function toBackupResponse(backup: Backup, operator: boolean): BackupResponse {
  return {
    id: backup.id,
    site: backup.site,
    kind: backup.kind,
    state: backup.state,
    apps: backup.snapshots.map(({ app, version, snapshotId, totalBytes, files, incomplete }) => ({ app, version, snapshotId, totalBytes, files, incomplete })),
    sizeBytes: backup.sizeBytes,
    note: backup.note,
    createdAt: backup.createdAt,
    finishedAt: backup.finishedAt,
    durationMs: backup.durationMs,
    ...(operator ? { error: backup.error, errorCode: backup.errorCode } : {}),
  };
}

export function toDrillResponse(drill: RestoreDrill): DrillResponse {
  const { id, site, backupId, state, probes, error, createdAt, finishedAt, durationMs } = drill;
  return { id, site, backupId, state, probes, error, createdAt, finishedAt, durationMs };
}

export function toExportResponse(row: TenantExport): ExportResponse {
  const { id, state, sizeBytes, sha256, createdAt, completedAt, expiresAt } = row;
  return { id, state, sizeBytes, sha256, createdAt, completedAt, expiresAt, download: state === 'completed' ? `/api/v1/tenants/${row.tenantId}/exports/${id}/download` : null };
}
