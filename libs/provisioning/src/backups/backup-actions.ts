import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditLog, type AuditActor } from '#domain';
import { InvalidStateError, problem, ValidationFailedError } from '#platform';
import { TenantExport, type Backup, type Operation, type Tenant } from '../entities/index.js';
import { OperationsService } from '../operations/operations.service.js';
import type { ProvisioningProblemCode } from '../problems.js';
import { TenantDeployments } from '../pipeline/tenant-deployments.js';
import { TenantLifecycleService } from '../tenants/tenant-lifecycle.service.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { BackupRecords } from './backup-records.js';

/** Tenants whose apps run: what a backup, a restore or a drill needs. */
const RUNNING = ['active', 'past_due'];

/**
 * What people start through the API: a backup now, a restore from a kept backup (into the same
 * tenant, or a clone), a drill, an export. Each is an operation, so it waits its turn for the
 * tenant and shows its steps; restores and clones are audited.
 */
@Injectable()
export class BackupActions {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly operations: OperationsService,
    private readonly records: BackupRecords,
    private readonly tenants: TenantsService,
    private readonly lifecycle: TenantLifecycleService,
    private readonly deployments: TenantDeployments,
    private readonly audit: AuditLog,
  ) {}

  async backupNow(tenant: Tenant, requestedBy: string): Promise<Operation> {
    this.assertRunning(tenant, 'backup.not_possible', 'back up');
    return this.operations.start({ kind: 'backup', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, requestedBy, input: { kind: 'manual' } });
  }

  async drillNow(tenant: Tenant, requestedBy: string): Promise<Operation> {
    this.assertRunning(tenant, 'drill.not_possible', 'drill a restore of');
    if (!(await this.records.latestSucceeded(tenant.id))) throw new InvalidStateError('drill.no_backup', `Tenant ${tenant.slug} has no backup to drill with yet`);
    return this.operations.start({ kind: 'drill', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, requestedBy, input: {} });
  }

  /** A kept backup of this tenant, or a validation problem naming `backupId`. */
  async keptBackupOf(tenant: Tenant, backupId: string): Promise<Backup> {
    const backup = await this.records.find(backupId);
    if (!backup) throw ValidationFailedError.field('backupId', problem<ProvisioningProblemCode>('restore.backup_unknown'));
    if (backup.tenantId !== tenant.id) throw ValidationFailedError.field('backupId', problem<ProvisioningProblemCode>('restore.backup_of_other_tenant'));
    if (backup.state !== 'succeeded') throw ValidationFailedError.field('backupId', problem<ProvisioningProblemCode>('restore.backup_not_kept'));
    return backup;
  }

  async restore(tenant: Tenant, backupId: string, actor: AuditActor): Promise<Operation> {
    const backup = await this.keptBackupOf(tenant, backupId);
    this.assertRunning(tenant, 'restore.not_possible', 'restore');
    return this.dataSource.transaction(async (manager) => {
      const operation = await this.operations.start(
        { kind: 'restore', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, requestedBy: actor.type === 'account' ? actor.id : null, input: { backupId: backup.id } },
        manager,
      );
      await this.audit.record(
        { actor, action: 'tenant.restore_requested', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, details: { backupId: backup.id, site: backup.site, backupOf: backup.createdAt, operationId: operation.id } },
        manager,
      );
      return operation;
    });
  }

  /**
   * A new tenant of the same club and plan from a kept backup: created with the backup's app
   * versions and secrets (the keys its data was made with), provisioned, then restored; the
   * restore waits behind the provisioning (one operation per tenant at a time, in order).
   */
  async clone(source: Tenant, backupId: string, subdomain: string, actor: AuditActor): Promise<{ tenant: Tenant; provision: Operation; restore: Operation }> {
    const backup = await this.keptBackupOf(source, backupId);
    const plan = await this.tenants.planOf(source);
    const secrets = await this.records.secretsOf(backup.id);
    return this.dataSource.transaction(async (manager) => {
      const tenant = await this.tenants.create(
        { organizationId: source.organizationId, planCode: plan.code, subdomain, allowRetiredPlan: true, versions: Object.fromEntries(backup.snapshots.map((snapshot) => [snapshot.app, snapshot.version])) },
        actor,
        manager,
      );
      await this.deployments.replaceSecrets(tenant.id, secrets, manager);
      const provision = (await this.lifecycle.transition(tenant.id, 'provision', actor, { manager, reason: `clone of ${source.slug} from backup ${backup.id}` })).operation!;
      const restore = await this.operations.start(
        { kind: 'restore', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, requestedBy: actor.type === 'account' ? actor.id : null, input: { backupId: backup.id } },
        manager,
      );
      await this.audit.record(
        { actor, action: 'tenant.cloned', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, details: { from: source.id, backupId: backup.id, site: backup.site, provision: provision.id, restore: restore.id } },
        manager,
      );
      return { tenant, provision, restore };
    });
  }

  async exportNow(tenant: Tenant, requestedBy: string): Promise<{ export: TenantExport; operation: Operation }> {
    if (!tenant.dockerHostId || !['active', 'past_due', 'suspended', 'terminating'].includes(tenant.state)) {
      throw new InvalidStateError('export.not_possible', `A tenant in state "${tenant.state}" has no data to export`);
    }
    return this.dataSource.transaction(async (manager) => {
      const row = await manager.save(manager.create(TenantExport, { tenantId: tenant.id, state: 'pending' }));
      const operation = await this.operations.start({ kind: 'export', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, requestedBy, input: { exportId: row.id } }, manager);
      await manager.update(TenantExport, row.id, { operationId: operation.id });
      return { export: { ...row, operationId: operation.id }, operation };
    });
  }

  private assertRunning(tenant: Tenant, code: string, what: string): void {
    if (!tenant.dockerHostId || !RUNNING.includes(tenant.state)) throw new InvalidStateError(code, `Cannot ${what} tenant ${tenant.slug} in state "${tenant.state}": its apps must be running`);
  }
}
