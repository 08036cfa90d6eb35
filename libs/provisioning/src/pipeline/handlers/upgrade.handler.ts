import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { TemplateCatalog, upgradeStep } from '#catalog';
import { AppConfig } from '#platform';
import { ContainerRuntime, isEngineUnreachable } from '#runtime';
import type { Backup, Operation, Tenant } from '../../entities/index.js';
import { BackupRecords } from '../../backups/backup-records.js';
import { BackupSites } from '../../backups/backup-sites.js';
import { probesFor, runProbe } from '../../backups/drill-probes.js';
import { TenantBackups } from '../../backups/tenant-backups.js';
import { UPGRADABLE_STATES, type UpgradeInput } from '../../upgrades/upgrade-plan.js';
import { UpgradeNotices } from '../../upgrades/upgrade-notices.js';
import { OperationHandler, type Steps } from '../operation-runner.js';
import { isTransient, PermanentFailure } from '../pipeline-errors.js';
import { Placement } from '../placement.js';
import { ServiceInstances } from '../service-instances.js';
import { TenantDeployments, type AppDeployment } from '../tenant-deployments.js';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The app answers its health checks a moment before it serves logins: probes are tried a quarter of the health timeout, 10 to 30 s. */
const probePatienceMs = (healthTimeoutSeconds: number) => Math.min(30_000, Math.max(10_000, (healthTimeoutSeconds * 1000) / 4));
const PROBE_PAUSE_MS = 2_000;

/**
 * One app of a tenant upgraded to a newer version, as YunoHost and Cloudron do it but with a
 * proof at the end: a pre-upgrade backup (if it fails, nothing changes), the new containers,
 * the version's upgrade hooks, then a health gate that uses the app as people do (the restore
 * drills' probes). When any of those fails, the old version and the backed-up data come back
 * and the operation fails with the reason. A worker that dies, an engine or a database that goes
 * away, resumes the step it was in: the tenant ends on the new version or, through the rollback,
 * on the old one, never in between.
 */
@Injectable()
export class UpgradeHandler extends OperationHandler {
  readonly kind = 'upgrade' as const;
  private readonly logger = new Logger(UpgradeHandler.name);

  constructor(
    private readonly placement: Placement,
    private readonly runtime: ContainerRuntime,
    private readonly catalog: TemplateCatalog,
    private readonly deployments: TenantDeployments,
    private readonly instances: ServiceInstances,
    private readonly backups: TenantBackups,
    private readonly records: BackupRecords,
    private readonly sites: BackupSites,
    private readonly notices: UpgradeNotices,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async run(tenant: Tenant, steps: Steps): Promise<void> {
    const input = steps.operation.input as UpgradeInput | null;
    if (!input?.app || !input.from || !input.to) throw new PermanentFailure('the operation names no app, from and to version');
    const { app, from, to } = input;
    const host = await this.placement.hostOf(tenant);
    const ref = { id: tenant.id, slug: tenant.slug };
    const operationId = steps.operation.id;

    await steps.run('check', async (report) => {
      if (!UPGRADABLE_STATES.includes(tenant.state)) throw new PermanentFailure(`the tenant is ${tenant.state}: only a running tenant is upgraded`);
      const instance = (await this.deployments.instances(tenant.id)).find((candidate) => candidate.app === app);
      if (!instance) throw new PermanentFailure(`the tenant has no ${app}`);
      if (instance.version !== from) throw new PermanentFailure(`${app} runs ${instance.version} now, not ${from}: nothing was changed`);
      const step = upgradeStep(this.catalog.get(app), from, to);
      if (!step.allowed) throw new PermanentFailure(`${app} ${from} -> ${to} is refused (${step.code}): nothing was changed`);
      await report(`${app} ${from} -> ${to}: replaces ${step.replaced.join(', ') || 'no container'}; upgrade steps: ${step.hooks.map((hook) => hook.name).join(', ') || 'none'}`);
    });

    await steps.run('backup', async (report) => {
      try {
        // every app of the tenant: a backup stays whole (it may be the latest one a drill or a club uses)
        const apps = await this.deployments.load(tenant);
        await this.backups.dump(host, ref, apps, report, { stoppedIsConsistent: false });
        const backup = await this.backups.backupOnSite(host, ref, apps, this.sites.primary(), { kind: 'pre-upgrade', operationId, note: `before upgrading ${app} ${from} -> ${to}` }, report);
        await report(`pre-upgrade backup ${backup.id} on ${backup.site}`);
      } catch (error) {
        throw new PermanentFailure(`the pre-upgrade backup failed, so nothing was changed: ${message(error)}`);
      }
    });

    // a rollback that a dead worker left half done is finished first
    const rollbackStarted = steps.operation.steps.some((step) => step.name === 'rollback' && step.state === 'running');
    let failure: { step: string; reason: string } | null = rollbackStarted ? { step: 'rollback', reason: steps.operation.steps.find((step) => step.name === 'rollback')?.message ?? 'the worker stopped during the rollback' } : null;

    if (!failure) {
      let current = 'replace';
      try {
        await steps.run('replace', async (report) => {
          await this.setVersion(tenant, app, to);
          await this.deployments.ensureSecrets(tenant); // a new version may need a key the old one did not
          const upgraded = await this.appOf(tenant, app);
          await this.instances.deploy(host, upgraded, report);
          await report(`${upgraded.template.name} ${to} runs (${upgraded.plan.containers.map((container) => container.image).join(', ')})`);
        });
        current = 'migrate';
        await steps.run('migrate', async (report) => {
          const upgraded = await this.appOf(tenant, app);
          if (upgraded.plan.hooks.upgrade.length === 0) return report('this version has no upgrade steps');
          for (const hook of upgraded.plan.hooks.upgrade) {
            const result = await this.runtime.runHook(host, upgraded.plan, hook);
            await report(`${hook.name}: ${lastLine(result.stdout) || 'done'}`);
          }
        });
        current = 'health';
        await steps.run('health', async (report) => {
          const apps = await this.deployments.load(tenant);
          await this.instances.confirmRunning(host, apps);
          const upgraded = apps.find((candidate) => candidate.instance.app === app)!;
          const lines = await this.probe(host, upgraded, tenant.primaryDomain ?? `${tenant.slug}`);
          await report(lines.join('; ') || 'health checks pass (this app has no probe of its own)');
        });
      } catch (error) {
        // an engine or database that went away is waited for: the step runs again when it is back
        if (isEngineUnreachable(error) || isTransient(error)) throw error;
        failure = { step: current, reason: message(error) };
        await steps.fail(current, failure.reason);
      }
    }

    if (!failure) {
      await steps.run('rollback', (report) => report('not needed'));
      await this.notices.upgraded(tenant, { app, from, to, operationId, outcome: 'upgraded', reason: '' });
      return;
    }

    const backup = await this.preUpgradeBackup(operationId);
    if (!backup) throw new PermanentFailure(`upgrade ${app} ${from} -> ${to} failed in step ${failure.step} (${failure.reason}) and no pre-upgrade backup was found to return to`);
    try {
      await steps.run('rollback', async (report) => {
        await report(`the upgrade failed in step ${failure.step} (${failure.reason.slice(0, 500)}); returning to ${from} and backup ${backup.id}`);
        await this.setVersion(tenant, app, from);
        await this.runtime.stop(host, tenant.id, app);
        const apps = await this.deployments.load(tenant);
        const previous = apps.find((candidate) => candidate.instance.app === app)!;
        await this.backups.restoreVolumes(host, ref, [previous], backup, report);
        await this.instances.deploy(host, previous, report);
        await this.backups.loadDumps(host, [previous], report, [app]);
        await this.instances.confirmRunning(host, apps);
        await report(`back on ${app} ${from} with the data of backup ${backup.id}`);
      });
    } catch (rollbackError) {
      throw new PermanentFailure(`upgrade ${app} ${from} -> ${to} failed in step ${failure.step} (${failure.reason}); the rollback to ${from} failed too: ${message(rollbackError)}`);
    }
    this.logger.warn(`upgrade of ${tenant.slug} ${app} ${from} -> ${to} rolled back: ${failure.reason}`);
    const reason = `upgrade ${app} ${from} -> ${to} failed in step ${failure.step}: ${failure.reason}. Rolled back: ${app} ${from} runs again with the data of the pre-upgrade backup ${backup.id}`;
    await this.notices.upgraded(tenant, { app, from, to, operationId, outcome: 'rolled-back', reason: failure.reason });
    throw new PermanentFailure(reason);
  }

  override async onFailure(tenant: Tenant, operation: Operation, reason: string): Promise<void> {
    const input = operation.input as UpgradeInput | null;
    // a refused or unbacked upgrade changed nothing (its containers were never replaced); the
    // rolled-back one already told the club; any other end is the operators' to look at
    const untouched = operation.steps.find((step) => step.name === 'replace')?.state === 'pending';
    if (input && untouched) {
      await this.notices.upgraded(tenant, { ...input, operationId: operation.id, outcome: 'not-started', reason });
    }
  }

  /** The app's probes (an XMPP login, the newest post served...), each tried until it passes or the patience is used up. */
  private async probe(host: { name: string; endpoint: string }, app: AppDeployment, domain: string): Promise<string[]> {
    const lines: string[] = [];
    for (const probe of probesFor(app, domain)) {
      const deadline = Date.now() + probePatienceMs(this.config.runtime.healthTimeoutSeconds);
      for (;;) {
        const result = await runProbe(this.runtime, host, app, probe);
        if (result.ok) {
          lines.push(result.detail);
          break;
        }
        if (Date.now() >= deadline) throw new PermanentFailure(`the health gate's probe ${result.probe} failed: ${result.detail}`);
        await sleep(PROBE_PAUSE_MS);
      }
    }
    return lines;
  }

  private async appOf(tenant: Tenant, app: string): Promise<AppDeployment> {
    const found = (await this.deployments.load(tenant)).find((candidate) => candidate.instance.app === app);
    if (!found) throw new PermanentFailure(`the tenant has no ${app}`);
    return found;
  }

  private async setVersion(tenant: Tenant, app: string, version: string): Promise<void> {
    const instance = (await this.deployments.instances(tenant.id)).find((candidate) => candidate.app === app);
    if (instance && instance.version !== version) await this.instances.setVersion(instance, version);
  }

  private async preUpgradeBackup(operationId: string): Promise<Backup | undefined> {
    return (await this.records.forOperation(operationId)).find((backup) => backup.state === 'succeeded' && backup.kind === 'pre-upgrade');
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim().slice(0, 300) ?? '';
}
