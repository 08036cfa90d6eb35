import type { AuditEntryView, TenantState } from '#domain';
import type { Page } from '#platform';
import type { OwnerBackupSummary } from '../backups/backup-status.js';
import type { OperationResponse } from '../tenants/tenant.dto.js';
import type { Backup, Domain, DockerHost, ServiceEndpoint, ServiceHealth, ServiceInstance } from '../entities/index.js';

/**
 * What operators see of every club's tenants, hosts and operations (the console's pages and
 * the operator API). Never a secret: no admin password, no sealed secrets, no backup key.
 */

export interface FleetClub {
  id: string;
  name: string;
}

/** One app of a tenant in a list row. */
export interface FleetApp {
  app: string;
  version: string;
  state: ServiceInstance['state'];
  health: ServiceHealth;
}

/** A row of the tenants list. */
export interface FleetTenantRow {
  id: string;
  slug: string;
  state: TenantState;
  primaryDomain: string | null;
  club: FleetClub | null;
  plan: { code: string; name: string } | null;
  host: { id: string; name: string } | null;
  apps: FleetApp[];
  failureReason: string | null;
  stateChangedAt: Date;
  graceEndsAt: Date | null;
  createdAt: Date;
}

/** An app of a tenant on its page: its containers (service -> container id), ports and health. */
export interface FleetService extends FleetApp {
  id: string;
  pinned: boolean;
  healthDetail: string | null;
  healthCheckedAt: Date | null;
  containers: Record<string, string>;
  endpoints: ServiceEndpoint[];
}

/** An operation as the console shows it: the same fields as the API's `OperationResponse`. */
export type FleetOperation = OperationResponse;

/** A row of the operations list: the operation, its tenant and club, and the later one of its kind that followed it. */
export interface FleetOperationRow extends FleetOperation {
  tenant: { id: string; slug: string; state: TenantState } | null;
  club: FleetClub | null;
  /** A later operation of the same kind on the same target: a retry (or a new run) already happened. */
  supersededBy: string | null;
}

export interface FleetBackup {
  id: string;
  site: string;
  state: Backup['state'];
  kind: Backup['kind'];
  createdAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

export interface FleetDomain {
  name: string;
  kind: Domain['kind'];
  isPrimary: boolean;
  verificationState: Domain['verificationState'];
  tlsState: Domain['tlsState'];
}

/** Everything on a tenant's page; each history is a page of its own (newest first, with its own cursor). */
export interface FleetTenantDetail extends FleetTenantRow {
  club: (FleetClub & { contactEmail: string }) | null;
  deleteDataAfter: Date | null;
  maintenanceWindow: { weekday: number; hour: number; hours: number } | null;
  domains: FleetDomain[];
  services: FleetService[];
  operations: Page<FleetOperation>;
  events: Page<AuditEntryView>;
  audit: Page<AuditEntryView>;
  backups: { summary: OwnerBackupSummary; recent: FleetBackup[] };
}

/** A row of the hosts list: capacity, the tenants placed there, and what the last checks saw. */
export interface FleetHostRow {
  id: string;
  name: string;
  endpoint: string;
  state: DockerHost['state'];
  capacity: number;
  placed: number;
  free: number;
  engineVersion: string | null;
  lastSeenAt: Date | null;
  lastError: string | null;
  edgeState: DockerHost['edgeState'];
  edgeError: string | null;
  edgeCheckedAt: Date | null;
}
