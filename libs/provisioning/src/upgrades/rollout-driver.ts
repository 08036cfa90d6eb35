import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { TemplateCatalog } from '#catalog';
import { AppConfig } from '#platform';
import { Scheduler } from '#platform/jobs';
import { Operation, Tenant, UpgradeRollout, UpgradeRolloutTarget } from '../entities/index.js';
import { inWindow } from './maintenance-window.js';
import { nextRolloutMove } from './rollout-progress.js';
import { planOne } from './upgrade-plan.js';
import { ROLLOUTS_CHANGED, UpgradesService } from './upgrades.service.js';

/** Skips that may pass by themselves: the tenant stays pending and is tried in a later batch. */
const PASSING_SKIPS = new Set(['busy']);

/**
 * Moves fleet rollouts along (a periodic task of the worker): records how each started upgrade
 * ended, stops a rollout whose failures pass its threshold, waits the pause after each batch,
 * and starts the next batch with tenants whose maintenance window is open (any, if urgent).
 */
@Injectable()
export class RolloutDriver implements OnModuleInit {
  private readonly logger = new Logger(RolloutDriver.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly upgrades: UpgradesService,
    private readonly catalog: TemplateCatalog,
    private readonly scheduler: Scheduler,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({ name: 'provisioning.rollouts', intervalMs: Math.min(this.config.reconcileIntervalSeconds, 10) * 1000, wakeOn: ROLLOUTS_CHANGED, run: () => this.pass() });
  }

  async pass(now = new Date()): Promise<void> {
    // upgrades still running (a paused, stopped or aborted rollout's too) take their outcome first
    await this.syncTargets(await this.dataSource.manager.find(UpgradeRolloutTarget, { where: { state: 'running' } }));
    for (const rollout of await this.dataSource.manager.find(UpgradeRollout, { where: { state: 'running' } })) await this.advance(rollout, now);
  }

  /** Targets whose upgrade operation ended take its outcome. */
  private async syncTargets(running: UpgradeRolloutTarget[]): Promise<void> {
    if (running.length === 0) return;
    const operations = new Map((await this.dataSource.manager.find(Operation, { where: { id: In(running.flatMap((target) => (target.operationId ? [target.operationId] : []))) } })).map((operation) => [operation.id, operation]));
    for (const target of running) {
      const operation = target.operationId ? operations.get(target.operationId) : undefined;
      if (!operation || operation.state === 'queued' || operation.state === 'running') continue;
      const succeeded = operation.state === 'succeeded';
      await this.dataSource.manager.update(UpgradeRolloutTarget, target.id, { state: succeeded ? 'succeeded' : 'failed', reason: succeeded ? null : (operation.error ?? operation.state).slice(0, 2000) });
    }
  }

  private async advance(rollout: UpgradeRollout, now: Date): Promise<void> {
    const targets = await this.dataSource.manager.find(UpgradeRolloutTarget, { where: { rolloutId: rollout.id }, order: { position: 'ASC' } });
    const move = nextRolloutMove(rollout, targets, now);
    switch (move.kind) {
      case 'wait':
        return;
      case 'batch-finished':
        await this.dataSource.manager.update(UpgradeRollout, rollout.id, { lastBatchFinishedAt: now });
        return;
      case 'stop':
        this.logger.warn(`rollout ${rollout.id} (${rollout.app} -> ${rollout.toVersion}) stopped: ${move.reason}`);
        await this.dataSource.manager.update(UpgradeRollout, rollout.id, { state: 'stopped', reason: move.reason });
        return;
      case 'complete':
        await this.dataSource.manager.update(UpgradeRollout, rollout.id, { state: 'completed', reason: null, finishedAt: now });
        this.logger.log(`rollout ${rollout.id} (${rollout.app} -> ${rollout.toVersion}) completed`);
        return;
      case 'start-batch':
        await this.startBatch(rollout, targets.filter((target) => target.state === 'pending'), move.batch, move.size, now);
    }
  }

  private async startBatch(rollout: UpgradeRollout, pending: UpgradeRolloutTarget[], batch: number, size: number, now: Date): Promise<void> {
    const template = this.catalog.get(rollout.app);
    const members = new Map((await this.upgrades.members(rollout.app, pending.map((target) => target.tenantId))).map((member) => [member.tenantId, member]));
    let started = 0;
    for (const target of pending) {
      if (started >= size) break;
      const member = members.get(target.tenantId);
      if (!member) {
        await this.dataSource.manager.update(UpgradeRolloutTarget, target.id, { state: 'skipped', reason: 'the tenant no longer has this app' });
        continue;
      }
      if (!rollout.urgent && member.window && !inWindow(member.window, now)) continue; // waits for its window
      const planned = planOne(template, rollout.toVersion, member, null);
      if (planned.action === 'skip') {
        if (!PASSING_SKIPS.has(planned.reason)) await this.dataSource.manager.update(UpgradeRolloutTarget, target.id, { state: 'skipped', reason: planned.detail });
        continue;
      }
      await this.dataSource.transaction(async (manager) => {
        const tenant = await manager.findOneOrFail(Tenant, { where: { id: target.tenantId } });
        const operation = await this.upgrades.start(manager, tenant, { app: rollout.app, from: member.version, to: rollout.toVersion, rolloutId: rollout.id }, rollout.requestedBy);
        await manager.update(UpgradeRolloutTarget, target.id, { state: 'running', batch, operationId: operation.id });
      });
      started += 1;
    }
    if (started === 0) return; // all waiting for windows, or skipped: the next pass looks again
    await this.dataSource.manager.update(UpgradeRollout, rollout.id, { batchesStarted: batch, lastBatchFinishedAt: null });
    this.logger.log(`rollout ${rollout.id}: batch ${batch} started with ${started} tenant(s)`);
  }
}
