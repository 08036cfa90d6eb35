import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AdminCredential, Domain, Tenant } from '../../entities/index.js';
import { SYSTEM_ACTOR } from '#domain';
import { ContainerRuntime } from '#runtime';
import { TenantBackups } from '../../backups/tenant-backups.js';
import { TenantLifecycleService } from '../../tenants/tenant-lifecycle.service.js';
import { OperationHandler, Steps } from '../operation-runner.js';
import { Placement } from '../placement.js';
import { ServiceInstances } from '../service-instances.js';
import { TenantDeployments } from '../tenant-deployments.js';

const ACTOR = SYSTEM_ACTOR('lifecycle');

/** Grace period over: stop the containers, keep every byte of data. */
@Injectable()
export class SuspendHandler extends OperationHandler {
  readonly kind = 'suspend' as const;

  constructor(
    private readonly placement: Placement,
    private readonly runtime: ContainerRuntime,
    private readonly deployments: TenantDeployments,
    private readonly instances: ServiceInstances,
  ) {
    super();
  }

  async run(tenant: Tenant, steps: Steps): Promise<void> {
    await steps.run('stop', async (report) => {
      if (!tenant.dockerHostId) return report('nothing was deployed');
      const stopped = await this.runtime.stop(await this.placement.hostOf(tenant), tenant.id);
      for (const instance of await this.deployments.instances(tenant.id)) await this.instances.markStopped(instance);
      await report(`${stopped.length} container(s) stopped; volumes kept`);
    });
  }
}

/** Paid again: start the containers and wait until the apps answer. */
@Injectable()
export class ResumeHandler extends OperationHandler {
  readonly kind = 'resume' as const;

  constructor(
    private readonly placement: Placement,
    private readonly deployments: TenantDeployments,
    private readonly instances: ServiceInstances,
  ) {
    super();
  }

  async run(tenant: Tenant, steps: Steps): Promise<void> {
    const host = await this.placement.hostOf(tenant);
    const apps = await this.deployments.load(tenant);
    await steps.run('start', async (report) => {
      // apply starts stopped containers and recreates any that went missing meanwhile
      for (const app of apps) await this.instances.deploy(host, app, report);
    });
    await steps.run('health', async (report) => {
      await this.instances.confirmRunning(host, apps);
      await report('all apps answer');
    });
  }
}

/** Subscription canceled: dumps while the data is intact, the containers stop, then a final backup on every site. */
@Injectable()
export class TerminateHandler extends OperationHandler {
  readonly kind = 'terminate' as const;

  constructor(
    private readonly placement: Placement,
    private readonly runtime: ContainerRuntime,
    private readonly deployments: TenantDeployments,
    private readonly instances: ServiceInstances,
    private readonly backups: TenantBackups,
  ) {
    super();
  }

  async run(tenant: Tenant, steps: Steps): Promise<void> {
    if (!tenant.dockerHostId) {
      // never deployed (e.g. canceled while provisioning failed before placement): nothing to back up
      for (const name of ['dump', 'stop', 'final']) await steps.run(name, (report) => report('nothing was deployed'));
      return;
    }
    const host = await this.placement.hostOf(tenant);
    const apps = await this.deployments.load(tenant);
    await steps.run('dump', (report) => this.backups.dump(host, tenant, apps, report, { stoppedIsConsistent: true }));
    await steps.run('stop', async (report) => {
      const stopped = await this.runtime.stop(host, tenant.id);
      for (const app of apps) await this.instances.markStopped(app.instance);
      await report(`${stopped.length} container(s) stopped`);
    });
    await steps.run('final', (report) => this.backups.finalBackups(host, tenant, apps, steps.operation.id, tenant.deleteDataAfter, report));
  }
}

/** Retention over: delete containers, volumes, network, backups; the tenant becomes terminated. */
@Injectable()
export class PurgeHandler extends OperationHandler {
  readonly kind = 'purge' as const;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly placement: Placement,
    private readonly runtime: ContainerRuntime,
    private readonly deployments: TenantDeployments,
    private readonly instances: ServiceInstances,
    private readonly backups: TenantBackups,
    private readonly lifecycle: TenantLifecycleService,
  ) {
    super();
  }

  async run(tenant: Tenant, steps: Steps): Promise<void> {
    await steps.run('remove', async (report) => {
      if (tenant.dockerHostId) {
        const removed = await this.runtime.remove(await this.placement.hostOf(tenant), tenant.id, { volumes: true });
        await report(`removed ${removed.containers.length} container(s), ${removed.volumes.length} volume(s), ${removed.networks.length} network(s)`);
      }
      for (const instance of await this.deployments.instances(tenant.id)) {
        await this.instances.moveTo(instance, 'removed', { containers: {}, endpoints: [], sealedSecrets: null, health: 'unknown' });
      }
    });
    await steps.run('backups', (report) => this.backups.deleteAll(tenant, report));
    await steps.run('finish', async () => {
      await this.dataSource.manager.delete(Domain, { tenantId: tenant.id }); // the names are free for others again
      await this.dataSource.manager.delete(AdminCredential, { tenantId: tenant.id });
      await this.lifecycle.transition(tenant.id, 'data_deleted', ACTOR, { ifAllowed: true });
    });
  }
}
