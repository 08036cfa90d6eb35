import { AdminCredential } from './admin-credential.entity.js';
import { Backup } from './backup.entity.js';
import { BackupSiteState } from './backup-site-state.entity.js';
import { DockerHost } from './docker-host.entity.js';
import { HostPort } from './host-port.entity.js';
import { Domain } from './domain.entity.js';
import { Operation } from './operation.entity.js';
import { ServiceInstance } from './service-instance.entity.js';
import { RestoreDrill } from './restore-drill.entity.js';
import { Tenant } from './tenant.entity.js';
import { TenantExport } from './tenant-export.entity.js';
import { TenantReadiness } from './tenant-readiness.entity.js';
import { UpgradeRollout, UpgradeRolloutTarget } from './upgrade-rollout.entity.js';

export * from './admin-credential.entity.js';
export * from './backup.entity.js';
export * from './backup-site-state.entity.js';
export * from './docker-host.entity.js';
export * from './domain.entity.js';
export * from './host-port.entity.js';
export * from './operation.entity.js';
export * from './service-instance.entity.js';
export * from './restore-drill.entity.js';
export * from './tenant.entity.js';
export * from './tenant-export.entity.js';
export * from './tenant-readiness.entity.js';
export * from './upgrade-rollout.entity.js';

/** The tables provisioning owns. */
export const PROVISIONING_ENTITIES = [AdminCredential, Backup, BackupSiteState, DockerHost, Domain, HostPort, Operation, RestoreDrill, ServiceInstance, Tenant, TenantExport, TenantReadiness, UpgradeRollout, UpgradeRolloutTarget];
