import { Injectable } from '@nestjs/common';
import { DockerHost, Tenant } from '../../entities/index.js';
import { SYSTEM_ACTOR } from '#domain';
import { ContainerRuntime, type ExecResult, type PlannedHook } from '#runtime';
import { AdminCredentialsService } from '../../credentials/admin-credentials.service.js';
import { HostPorts } from '../../edge/host-ports.js';
import { TenantEdge } from '../../edge/tenant-edge.js';
import { TenantLifecycleService } from '../../tenants/tenant-lifecycle.service.js';
import { OperationHandler, Steps } from '../operation-runner.js';
import { PermanentFailure } from '../pipeline-errors.js';
import { Placement } from '../placement.js';
import { ServiceInstances } from '../service-instances.js';
import { AppDeployment, TenantDeployments } from '../tenant-deployments.js';

const ACTOR = SYSTEM_ACTOR('provisioning');

/**
 * A paid order becomes running containers: choose a host, seal secrets, check images,
 * apply each app's plan, wait for health, create the club's admin accounts, open the
 * tenant. Every step can run again after a crash and reaches the same end state.
 */
@Injectable()
export class ProvisionHandler extends OperationHandler {
  readonly kind = 'provision' as const;

  constructor(
    private readonly placement: Placement,
    private readonly deployments: TenantDeployments,
    private readonly runtime: ContainerRuntime,
    private readonly instances: ServiceInstances,
    private readonly credentials: AdminCredentialsService,
    private readonly lifecycle: TenantLifecycleService,
    private readonly hostPorts: HostPorts,
    private readonly edge: TenantEdge,
  ) {
    super();
  }

  async run(tenant: Tenant, steps: Steps): Promise<void> {
    await steps.run('place', async (report) => report(`Docker host ${(await this.placement.ensureHost(tenant)).name}`));
    const host = await this.placement.hostOf(tenant);
    await steps.run('prepare', async (report) => {
      await this.deployments.ensureSecrets(tenant);
      const ports = Object.entries(await this.hostPorts.ensure(tenant));
      if (ports.length) await report(`host ports ${ports.map(([key, port]) => `${port} (${key})`).join(', ')}`);
    });
    const apps = await this.deployments.load(tenant);

    await steps.run('images', async (report) => {
      const missing = [...new Set((await Promise.all(apps.map((app) => this.runtime.missingImages(host, app.plan)))).flat())];
      if (missing.length) {
        throw new PermanentFailure(`Image(s) not on Docker host ${host.name}: ${missing.join(', ')}. No registry is used: build them on the host with infra/images/build-all.sh`);
      }
      await report(`${apps.flatMap((app) => app.plan.containers).length} container images present`);
    });

    await steps.run('deploy', async (report) => {
      for (const app of apps) await this.instances.deploy(host, app, report);
    });

    await steps.run('health', async (report) => {
      await this.instances.confirmRunning(host, apps);
      await report(`${apps.map((app) => app.template.name).join(', ')} healthy`);
    });

    await steps.run('admin', async (report) => {
      for (const app of apps) {
        if (await this.credentials.has(app.instance.id)) continue; // created before a crash
        await this.createAdmin(host, app);
        await report(`${app.template.name}: admin account created`);
      }
    });

    await steps.run('publish', async (report) => {
      // the edge is the reconcile loop's to repair: a club is not failed because its edge is down
      if (!(await this.edge.publish(host, tenant, apps, report, 'serving'))) return;
      await this.edge.installCertificates(host, tenant, apps.filter((app) => app.certificates.length), report).catch((error: Error) =>
        report(`certificates not installed yet (${error.message.split('\n')[0]}); the edge's hourly pass installs them`),
      );
    });

    await steps.run('activate', async () => {
      await this.lifecycle.transition(tenant.id, 'provisioned', ACTOR, { ifAllowed: true });
    });
  }

  override async onFailure(tenant: Tenant, _operation: unknown, reason: string): Promise<void> {
    for (const instance of await this.deployments.instances(tenant.id)) await this.instances.moveTo(instance, 'failed');
    await this.lifecycle.transition(tenant.id, 'provisioning_failed', ACTOR, { ifAllowed: true, reason });
  }

  private async createAdmin(host: DockerHost, app: AppDeployment): Promise<void> {
    let password = app.secrets[app.admin.passwordSecret];
    for (const hook of app.plan.hooks.firstStart) {
      const result = await this.runtime.runHook(host, app.plan, hook);
      if (app.admin.capturedBy?.hook === hook.name) password = capture(hook, result, app.admin.capturedBy.pattern);
    }
    if (!password) throw new PermanentFailure(`${app.template.name}: the template names no admin password`);
    await this.credentials.store({ tenantId: app.instance.tenantId, serviceInstanceId: app.instance.id, username: app.admin.username, loginUrl: app.admin.loginUrl, password });
  }
}

function capture(hook: PlannedHook, result: ExecResult, pattern: string): string {
  const match = new RegExp(pattern).exec(result.stdout);
  if (!match?.[1]) throw new PermanentFailure(`hook ${hook.name} did not print the expected password line`);
  return match[1];
}
