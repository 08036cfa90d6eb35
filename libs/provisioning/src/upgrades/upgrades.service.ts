import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { type CatalogProblemCode, TemplateCatalog, upgradeStep } from '#catalog';
import { type AuditActor, AuditLog } from '#domain';
import { cursorTimeSql, InvalidStateError, mapPage, NotFoundError, type Page, type PageRequest, pageOf, problem, ValidationFailedError } from '#platform';
import { JobQueue } from '#platform/jobs';
import { type FleetSelection, type MaintenanceWindow, Operation, ServiceInstance, Tenant, UpgradeRollout, UpgradeRolloutTarget } from '../entities/index.js';
import { OperationsService } from '../operations/operations.service.js';
import { describeWindow } from './maintenance-window.js';
import { type FleetMember, medianSeconds, planFleetUpgrade, planOne, type PlannedUpgrade, type UpgradeInput } from './upgrade-plan.js';
import { UpgradeNotices } from './upgrade-notices.js';

/** Wakes the rollout driver at once (a new rollout, a resumed one). */
export const ROLLOUTS_CHANGED = 'allmende_rollouts_changed';

const ROLLOUT_AUDIT_ACTIONS = { pause: 'upgrade.rollout_paused', resume: 'upgrade.rollout_resumed', abort: 'upgrade.rollout_aborted' } as const;

export interface RolloutRequest {
  app: string;
  to: string;
  selection: FleetSelection;
  canarySize: number;
  batchSize: number;
  pauseSeconds: number;
  maxFailures: number;
  urgent: boolean;
}

/**
 * Upgrades as operators and clubs ask for them: the dry run, one tenant's upgrade, fleet
 * rollouts (pause, resume, abort), pins and maintenance windows. Every refusal happens here,
 * before anything changes; the upgrade operation checks again when it starts.
 */
@Injectable()
export class UpgradesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalog: TemplateCatalog,
    private readonly operations: OperationsService,
    private readonly notices: UpgradeNotices,
    private readonly audit: AuditLog,
    private readonly queue: JobQueue,
  ) {}

  /** The dry run for a selection: per tenant what would happen, or why it is skipped. */
  async plan(app: string, to: string, selection: FleetSelection): Promise<PlannedUpgrade[]> {
    const template = this.catalog.get(app);
    this.assertOffered(app, to);
    return planFleetUpgrade(template, to, await this.members(app), selection, await this.measuredDowntime(app, to));
  }

  /** One tenant's upgrade, refused with a clear message when it may not happen now. */
  async upgradeTenant(tenantId: string, app: string, to: string, actor: AuditActor): Promise<Operation> {
    const template = this.catalog.get(app);
    this.assertOffered(app, to);
    const member = (await this.members(app, [tenantId]))[0];
    if (!member) throw new NotFoundError(`${app} of tenant`, tenantId);
    const step = upgradeStep(template, member.version, to);
    if (!step.allowed) throw ValidationFailedError.field('to', problem<CatalogProblemCode>(step.code, step.values));
    const planned = planOne(template, to, { ...member, pinned: false }, null);
    if (planned.action === 'skip') throw new InvalidStateError(`upgrade.${planned.reason}`, `The upgrade of ${app} ${member.version} -> ${to} cannot start now: ${planned.detail}`);
    return this.dataSource.transaction(async (manager) => {
      const tenant = await manager.findOneOrFail(Tenant, { where: { id: tenantId } });
      const operation = await this.start(manager, tenant, { app, from: member.version, to }, actor.id);
      await this.audit.record({ actor, action: 'tenant.upgrade_requested', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, details: { app, from: member.version, to, operationId: operation.id } }, manager);
      return operation;
    });
  }

  /** A rollout over the selection: its plan is fixed now (skipped tenants recorded with the reason), owners are told. */
  async createRollout(request: RolloutRequest, actor: AuditActor): Promise<{ rollout: UpgradeRollout; targets: UpgradeRolloutTarget[] }> {
    const plan = await this.plan(request.app, request.to, request.selection);
    if (!plan.some((entry) => entry.action === 'upgrade')) {
      throw new InvalidStateError('rollout.nothing_to_do', `No selected tenant can be upgraded to ${request.app} ${request.to}: ${plan.map((entry) => `${entry.slug}: ${entry.action === 'skip' ? entry.detail : ''}`).join('; ') || 'the selection is empty'}`);
    }
    const { rollout, targets } = await this.dataSource.transaction(async (manager) => {
      const rollout = await manager.save(manager.create(UpgradeRollout, {
          app: request.app, toVersion: request.to, selection: request.selection, canarySize: request.canarySize, batchSize: request.batchSize,
          pauseSeconds: request.pauseSeconds, maxFailures: request.maxFailures, urgent: request.urgent, state: 'running', requestedBy: actor.id,
        }));
      const targets = await manager.save(
        plan.map((entry, position) =>
          manager.create(UpgradeRolloutTarget, {
            rolloutId: rollout.id, tenantId: entry.tenantId, fromVersion: entry.from, position,
            state: entry.action === 'upgrade' ? 'pending' : 'skipped', reason: entry.action === 'skip' ? entry.detail : null,
          }),
        ),
      );
      await this.audit.record({ actor, action: 'upgrade.rollout_created', target: { type: 'upgrade_rollout', id: rollout.id }, organizationId: null, details: { app: request.app, to: request.to, tenants: targets.length } }, manager);
      await this.queue.announce(ROLLOUTS_CHANGED, manager);
      return { rollout, targets };
    });
    for (const target of targets.filter((candidate) => candidate.state === 'pending')) {
      const tenant = await this.dataSource.manager.findOneOrFail(Tenant, { where: { id: target.tenantId } });
      await this.notices.planned(tenant, { app: request.app, from: target.fromVersion, to: request.to, window: !request.urgent && tenant.maintenanceWindow ? describeWindow(tenant.maintenanceWindow) : '', urgent: request.urgent });
      await this.dataSource.manager.update(UpgradeRolloutTarget, target.id, { announcedAt: new Date() });
    }
    return { rollout, targets };
  }

  async rollout(id: string): Promise<{ rollout: UpgradeRollout; targets: UpgradeRolloutTarget[] }> {
    const rollout = await this.dataSource.manager.findOne(UpgradeRollout, { where: { id } });
    if (!rollout) throw new NotFoundError('Rollout', id);
    const targets = await this.dataSource.manager.find(UpgradeRolloutTarget, { where: { rolloutId: id }, order: { position: 'ASC' } });
    return { rollout, targets };
  }

  /** The newest rollouts with their targets, a page at a time (two queries, whatever the number of rollouts). */
  async listRollouts(request: PageRequest<[string, string]> = { after: null, limit: 50 }): Promise<Page<{ rollout: UpgradeRollout; targets: UpgradeRolloutTarget[] }>> {
    const query = this.dataSource.manager
      .createQueryBuilder(UpgradeRollout, 'r')
      .addSelect(cursorTimeSql('r.created_at'), 'cursor_at')
      .orderBy('r.created_at', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .limit(request.limit + 1);
    if (request.after) query.where('(r.created_at, r.id) < (:at::timestamptz, :id::uuid)', { at: request.after[0], id: request.after[1] });
    const { entities, raw } = await query.getRawAndEntities<{ r_id: string; cursor_at: string }>();
    const cursorOf = new Map(raw.map((row) => [row.r_id, row.cursor_at]));
    const page = pageOf(entities, request.limit, (rollout) => [cursorOf.get(rollout.id)!, rollout.id]);
    if (page.items.length === 0) return { items: [], nextCursor: null };
    const targets = await this.dataSource.manager.find(UpgradeRolloutTarget, { where: { rolloutId: In(page.items.map((rollout) => rollout.id)) }, order: { position: 'ASC' } });
    return mapPage(page, (rollout) => ({ rollout, targets: targets.filter((target) => target.rolloutId === rollout.id) }));
  }

  /** Operators' controls. Pausing lets running upgrades finish; resuming starts the next batch now; aborting skips the rest. */
  async control(id: string, action: 'pause' | 'resume' | 'abort', actor: AuditActor): Promise<UpgradeRollout> {
    return this.dataSource.transaction(async (manager) => {
      const rollout = await manager.findOne(UpgradeRollout, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!rollout) throw new NotFoundError('Rollout', id);
      const allowed = { pause: ['running'], resume: ['paused', 'stopped'], abort: ['running', 'paused', 'stopped'] }[action];
      if (!allowed.includes(rollout.state)) throw new InvalidStateError('rollout.state', `A ${rollout.state} rollout cannot ${action === 'abort' ? 'be aborted' : action === 'pause' ? 'be paused' : 'resume'}`);
      if (action === 'pause') Object.assign(rollout, { state: 'paused', reason: 'paused by an operator' });
      if (action === 'resume') Object.assign(rollout, { state: 'running', reason: null, lastBatchFinishedAt: new Date(0) });
      if (action === 'abort') {
        Object.assign(rollout, { state: 'aborted', reason: 'aborted by an operator', finishedAt: new Date() });
        await manager.update(UpgradeRolloutTarget, { rolloutId: id, state: 'pending' }, { state: 'skipped', reason: 'the rollout was aborted' });
      }
      await manager.save(rollout);
      await this.audit.record({ actor, action: ROLLOUT_AUDIT_ACTIONS[action], target: { type: 'upgrade_rollout', id }, organizationId: null, details: {} }, manager);
      if (action === 'resume') await this.queue.announce(ROLLOUTS_CHANGED, manager);
      return rollout;
    });
  }

  /** Holds an app of a tenant at its version (rollouts skip it), or lets it go. */
  async pin(tenantId: string, app: string, pinned: boolean, actor: AuditActor): Promise<void> {
    const instance = await this.dataSource.manager.findOne(ServiceInstance, { where: { tenantId, app } });
    if (!instance) throw new NotFoundError(`${app} of tenant`, tenantId);
    await this.dataSource.manager.update(ServiceInstance, instance.id, { pinned });
    const tenant = await this.dataSource.manager.findOneOrFail(Tenant, { where: { id: tenantId } });
    await this.audit.record({ actor, action: pinned ? 'tenant.app_pinned' : 'tenant.app_unpinned', target: { type: 'tenant', id: tenantId }, organizationId: tenant.organizationId, details: { app, version: instance.version } });
  }

  async setWindow(tenantId: string, window: MaintenanceWindow | null, actor: AuditActor): Promise<void> {
    const tenant = await this.dataSource.manager.findOne(Tenant, { where: { id: tenantId } });
    if (!tenant) throw new NotFoundError('Tenant', tenantId);
    await this.dataSource.manager.update(Tenant, tenantId, { maintenanceWindow: window });
    await this.audit.record({ actor, action: 'tenant.maintenance_window_set', target: { type: 'tenant', id: tenantId }, organizationId: tenant.organizationId, details: { window: window ? describeWindow(window) : 'any time' } });
  }

  /** Starts an upgrade operation in the caller's transaction. */
  async start(manager: EntityManager, tenant: Tenant, input: UpgradeInput, requestedBy: string | null): Promise<Operation> {
    return this.operations.start({ kind: 'upgrade', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, requestedBy, input: { ...input } }, manager);
  }

  /** Every tenant's instance of the app (not removed), with what the planner needs. */
  async members(app: string, tenantIds?: string[]): Promise<FleetMember[]> {
    const where = tenantIds ? { app, tenantId: In(tenantIds) } : { app };
    const instances = (await this.dataSource.manager.find(ServiceInstance, { where })).filter((instance) => instance.state !== 'removed');
    if (instances.length === 0) return [];
    const tenants = new Map((await this.dataSource.manager.find(Tenant, { where: { id: In(instances.map((instance) => instance.tenantId)) } })).map((tenant) => [tenant.id, tenant]));
    const busy = new Set<string>(
      (await this.dataSource.manager.find(Operation, { select: { targetId: true }, where: { targetId: In([...tenants.keys()]), state: In(['queued', 'running']) } })).map((operation) => operation.targetId),
    );
    return instances
      .filter((instance) => tenants.has(instance.tenantId))
      .map((instance) => {
        const tenant = tenants.get(instance.tenantId)!;
        return { tenantId: tenant.id, slug: tenant.slug, state: tenant.state, hostId: tenant.dockerHostId, version: instance.version, pinned: instance.pinned, busy: busy.has(tenant.id), window: tenant.maintenanceWindow };
      })
      .sort((a, b) => a.slug.localeCompare(b.slug));
  }

  /** Downtime of earlier upgrades of the app into this version: from replacing the containers to passing the health gate. */
  private async measuredDowntime(app: string, to: string): Promise<number | null> {
    const done = await this.dataSource.manager
      .createQueryBuilder(Operation, 'o')
      .where(`o.kind = 'upgrade' AND o.state = 'succeeded' AND o.input->>'app' = :app AND o.input->>'to' = :to`, { app, to })
      .orderBy('o.finishedAt', 'DESC')
      .take(20)
      .getMany();
    const seconds = done.flatMap((operation) => {
      const start = operation.steps.find((step) => step.name === 'replace')?.startedAt;
      const end = operation.steps.find((step) => step.name === 'health')?.finishedAt;
      return start && end ? [(Date.parse(end) - Date.parse(start)) / 1000] : [];
    });
    return medianSeconds(seconds);
  }

  private assertOffered(app: string, to: string): void {
    const template = this.catalog.get(app);
    if (!template.versions.some((version) => version.version === to)) {
      throw ValidationFailedError.field('to', problem<CatalogProblemCode>('upgrade.unknown_version', { app, version: to, offered: template.versions.map((version) => version.version).join(', ') }));
    }
  }
}
