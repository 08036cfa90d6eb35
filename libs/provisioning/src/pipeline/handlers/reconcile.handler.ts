import { Injectable } from '@nestjs/common';
import { Tenant } from '../../entities/index.js';
import { ContainerRuntime } from '#runtime';
import { driftProblems } from '../drift-problems.js';
import { OperationHandler, Steps } from '../operation-runner.js';
import { Placement } from '../placement.js';
import { ServiceInstances } from '../service-instances.js';
import { TenantDeployments } from '../tenant-deployments.js';

/** Desired state (the database) against observed state (the engine): make them agree. */
@Injectable()
export class ReconcileHandler extends OperationHandler {
  readonly kind = 'reconcile' as const;

  constructor(
    private readonly placement: Placement,
    private readonly runtime: ContainerRuntime,
    private readonly deployments: TenantDeployments,
    private readonly instances: ServiceInstances,
  ) {
    super();
  }

  async run(tenant: Tenant, steps: Steps): Promise<void> {
    if (!tenant.dockerHostId) {
      await steps.run('compare', (report) => report('nothing deployed'));
      await steps.run('converge', (report) => report('nothing to do'));
      return;
    }
    const host = await this.placement.hostOf(tenant);
    const apps = await this.deployments.load(tenant);
    const shouldRun = tenant.state === 'active' || tenant.state === 'past_due';
    const differences: string[] = [];
    await steps.run('compare', async (report) => {
      for (const app of apps) differences.push(...driftProblems(await this.runtime.drift(host, app.plan), shouldRun));
      await report(differences.length ? differences.join('; ') : 'in sync');
    });
    await steps.run('converge', async (report) => {
      if (!shouldRun) {
        const stopped = await this.runtime.stop(host, tenant.id);
        return report(stopped.length ? `stopped ${stopped.length} container(s) of a ${tenant.state} tenant` : 'stays stopped');
      }
      for (const app of apps) await this.instances.deploy(host, app, report);
      await report(differences.length ? `fixed: ${differences.join('; ')}` : 'nothing to fix');
    });
  }
}
