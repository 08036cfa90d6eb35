import { parseSnapshotTags, type BackupKind } from './restic-argv.js';

/**
 * Reading restic's --json output. Lines that are not JSON (warnings, prune's text after
 * forget --prune, ssh's messages) are noise and skipped; numbers restic leaves out (it omits
 * zeros) count as 0.
 */

export type ResticMessage =
  | { type: 'status'; percentDone: number; bytesDone: number; totalBytes: number; filesDone: number; totalFiles: number; secondsElapsed: number }
  | { type: 'summary'; fields: Record<string, unknown> }
  | { type: 'error'; message: string; item?: string; during?: string }
  | { type: 'exit_error'; code: number; message: string }
  | { type: 'initialized'; id: string }
  | { type: 'other'; messageType: string };

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function parseObject(line: string): Record<string, unknown> | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** One line of restic's JSON output, or undefined for anything else. */
export function parseResticLine(line: string): ResticMessage | undefined {
  const object = parseObject(line);
  if (!object || typeof object.message_type !== 'string') return undefined;
  switch (object.message_type) {
    case 'status':
      return {
        type: 'status',
        percentDone: Math.min(1, Math.max(0, num(object.percent_done))),
        // backup says bytes_done/files_done, restore bytes_restored/files_restored
        bytesDone: num(object.bytes_done ?? object.bytes_restored),
        totalBytes: num(object.total_bytes),
        filesDone: num(object.files_done ?? object.files_restored),
        totalFiles: num(object.total_files),
        secondsElapsed: num(object.seconds_elapsed),
      };
    case 'summary':
      return { type: 'summary', fields: object };
    case 'error': {
      // backup: {"error":{"message":...},"during":...,"item":...}; check: {"message":...}
      const nested = object.error && typeof object.error === 'object' ? (object.error as Record<string, unknown>) : undefined;
      return { type: 'error', message: str(nested?.message ?? object.message).trim(), ...(object.item ? { item: str(object.item) } : {}), ...(object.during ? { during: str(object.during) } : {}) };
    }
    case 'exit_error':
      return { type: 'exit_error', code: num(object.code), message: str(object.message).trim() };
    case 'initialized':
      return { type: 'initialized', id: str(object.id) };
    default:
      return { type: 'other', messageType: object.message_type };
  }
}

/** What a backup or restore reports while it runs. */
export interface TransferProgress {
  percentDone: number;
  bytesDone: number;
  totalBytes: number;
  filesDone: number;
  totalFiles: number;
  secondsElapsed: number;
}

export interface BackupSummary {
  snapshotId: string;
  /** New data, before compression, and as stored. */
  dataAdded: number;
  dataAddedPacked: number;
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  totalFiles: number;
  totalBytes: number;
  durationSeconds: number;
}

export function backupSummaryOf(fields: Record<string, unknown>): BackupSummary {
  return {
    snapshotId: str(fields.snapshot_id),
    dataAdded: num(fields.data_added),
    dataAddedPacked: num(fields.data_added_packed),
    filesNew: num(fields.files_new),
    filesChanged: num(fields.files_changed),
    filesUnmodified: num(fields.files_unmodified),
    totalFiles: num(fields.total_files_processed),
    totalBytes: num(fields.total_bytes_processed),
    durationSeconds: num(fields.total_duration),
  };
}

export interface RestoreSummary {
  files: number;
  filesRestored: number;
  filesDeleted: number;
  bytes: number;
  bytesRestored: number;
}

export function restoreSummaryOf(fields: Record<string, unknown>): RestoreSummary {
  return {
    files: num(fields.total_files),
    filesRestored: num(fields.files_restored),
    filesDeleted: num(fields.files_deleted),
    bytes: num(fields.total_bytes),
    bytesRestored: num(fields.bytes_restored),
  };
}

export interface CheckSummary {
  errors: number;
  brokenPacks: string[];
  suggestRepairIndex: boolean;
  suggestPrune: boolean;
}

export function checkSummaryOf(fields: Record<string, unknown>): CheckSummary {
  return {
    errors: num(fields.num_errors),
    brokenPacks: Array.isArray(fields.broken_packs) ? fields.broken_packs.filter((p): p is string => typeof p === 'string') : [],
    suggestRepairIndex: fields.suggest_repair_index === true,
    suggestPrune: fields.suggest_prune === true,
  };
}

/** A snapshot as the engine reports it. */
export interface Snapshot {
  id: string;
  shortId: string;
  time: Date;
  tenant?: string;
  app?: string;
  kind?: BackupKind;
  paths: string[];
  /** The volumes it holds (mountAs names, from paths /backup/<app>/<mountAs>). */
  volumes: string[];
  hostname: string;
  /** From restic's per-snapshot summary (0.17+), when present. */
  totalBytes?: number;
  totalFiles?: number;
  dataAdded?: number;
}

/** The first line that is a JSON array: snapshots and forget print one. */
function jsonArray(stdout: string): unknown[] {
  for (const line of stdout.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('[')) continue;
    try {
      const value: unknown = JSON.parse(trimmed);
      if (Array.isArray(value)) return value;
    } catch {
      // noise that happens to start with "["
    }
  }
  throw new Error('restic printed no JSON list');
}

function snapshotOf(raw: Record<string, unknown>): Snapshot | undefined {
  const id = str(raw.id);
  const time = new Date(str(raw.time));
  if (!/^[0-9a-f]{64}$/.test(id) || Number.isNaN(time.getTime())) return undefined;
  const tags = parseSnapshotTags(Array.isArray(raw.tags) ? raw.tags.filter((t): t is string => typeof t === 'string') : []);
  const paths = Array.isArray(raw.paths) ? raw.paths.filter((p): p is string => typeof p === 'string') : [];
  const summary = raw.summary && typeof raw.summary === 'object' ? (raw.summary as Record<string, unknown>) : undefined;
  return {
    id,
    shortId: str(raw.short_id) || id.slice(0, 8),
    time,
    ...(tags.tenant ? { tenant: tags.tenant } : {}),
    ...(tags.app ? { app: tags.app } : {}),
    ...(tags.kind ? { kind: tags.kind } : {}),
    paths,
    volumes: paths.map((path) => /^\/backup\/[^/]+\/([^/]+)$/.exec(path)?.[1]).filter((name): name is string => name !== undefined),
    hostname: str(raw.hostname),
    ...(summary
      ? { totalBytes: num(summary.total_bytes_processed), totalFiles: num(summary.total_files_processed), dataAdded: num(summary.data_added) }
      : {}),
  };
}

/** `restic snapshots --json`, oldest first. */
export function parseSnapshots(stdout: string): Snapshot[] {
  return jsonArray(stdout)
    .map((raw) => (raw && typeof raw === 'object' ? snapshotOf(raw as Record<string, unknown>) : undefined))
    .filter((snapshot): snapshot is Snapshot => snapshot !== undefined)
    .sort((a, b) => a.time.getTime() - b.time.getTime());
}

export interface ForgetGroup {
  tags: string[];
  keep: string[];
  remove: string[];
}

/** `restic forget --json`: per group, the ids kept and removed. */
export function parseForget(stdout: string): ForgetGroup[] {
  const ids = (list: unknown) => (Array.isArray(list) ? list.map((s) => str((s as Record<string, unknown>)?.id)).filter(Boolean) : []);
  return jsonArray(stdout).map((raw) => {
    const group = (raw ?? {}) as Record<string, unknown>;
    return { tags: Array.isArray(group.tags) ? group.tags.map(str) : [], keep: ids(group.keep), remove: ids(group.remove) };
  });
}

/** The human-readable messages of restic's stderr: JSON messages unwrapped, plain lines as they are. */
export function stderrMessages(stderr: string): string[] {
  const messages: string[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.trim()) continue;
    const parsed = parseResticLine(line);
    if (parsed?.type === 'error' || parsed?.type === 'exit_error') messages.push(parsed.message);
    else if (!parsed) messages.push(line.trim());
  }
  return messages;
}
