import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AdminCredential, Domain, Tenant } from '../../entities/index.js';
import { SYSTEM_ACTOR } from '#domain';
import { ContainerRuntime } from '#runtime';
import { TenantBackups } from '../../backups/tenant-backups.js';
import { HostPorts } from '../../edge/host-ports.js';
import { TenantEdge } from '../../edge/tenant-edge.js';
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
    private readonly edge: TenantEdge,
  ) {
    super();
  }

  async run(tenant: Tenant, steps: Steps): Promise<void> {
    await steps.run('pause', async (report) => {
      if (!tenant.dockerHostId) return report('nothing was deployed');
      await this.edge.publish(await this.placement.hostOf(tenant), tenant, await this.deployments.load(tenant), report, 'paused');
    });
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
    private readonly edge: TenantEdge,
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
    await steps.run('publish', (report) => this.edge.publish(host, tenant, apps, report, 'serving'));
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
    private readonly edge: TenantEdge,
  ) {
    super();
  }

  async run(tenant: Tenant, steps: Steps): Promise<void> {
    if (!tenant.dockerHostId) {
      // never deployed (e.g. canceled while provisioning failed before placement): nothing to back up
      for (const name of ['close', 'dump', 'stop', 'final']) await steps.run(name, (report) => report('nothing was deployed'));
      return;
    }
    const host = await this.placement.hostOf(tenant);
    const apps = await this.deployments.load(tenant);
    await steps.run('close', (report) => this.edge.publish(host, tenant, apps, report, 'gone'));
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
    private readonly edge: TenantEdge,
    private readonly hostPorts: HostPorts,
  ) {
    super();
  }

  async run(tenant: Tenant, steps: Steps): Promise<void> {
    // the edge leaves the tenant's network before the network is removed
    await steps.run('unpublish', async (report) => {
      if (!tenant.dockerHostId) return report('nothing was deployed');
      await this.edge.withdraw(await this.placement.hostOf(tenant), tenant, report);
    });
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
      await this.hostPorts.release(tenant.id);
      await this.dataSource.manager.delete(AdminCredential, { tenantId: tenant.id });
      await this.lifecycle.transition(tenant.id, 'data_deleted', ACTOR, { ifAllowed: true });
    });
  }
}

/**
 * An operator's forced recreate (e.g. after an image was rebuilt under the same tag, or to
 * clear a container's state): every container of the tenant is removed and created again from
 * the plan. Volumes, network names and secrets stay; so does the data.
 */
@Injectable()
export class RecreateHandler extends OperationHandler {
  readonly kind = 'recreate' as const;

  constructor(
    private readonly placement: Placement,
    private readonly runtime: ContainerRuntime,
    private readonly deployments: TenantDeployments,
    private readonly instances: ServiceInstances,
  ) {
    super();
  }

  async run(tenant: Tenant, steps: Steps): Promise<void> {
    const host = await this.placement.hostOf(tenant);
    const apps = await this.deployments.load(tenant);
    await steps.run('remove', async (report) => {
      const removed = await this.runtime.remove(host, tenant.id, { volumes: false });
      await report(`removed ${removed.containers.length} container(s); volumes kept`);
    });
    await steps.run('deploy', async (report) => {
      for (const app of apps) await this.instances.deploy(host, app, report);
    });
    await steps.run('health', async (report) => {
      await this.instances.confirmRunning(host, apps);
      await report('all apps answer');
    });
  }
}
