import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditLog } from '#domain';
import { AccessCheck } from '#identity';
import { ConflictError, InvalidStateError, NotFoundError } from '#platform';
import { ContainerRuntime } from '#runtime';
import { DockerHost, Tenant } from '../entities/index.js';
import { TenantLocks } from '../pipeline/tenant-locks.js';
import { TenantDeployments } from '../pipeline/tenant-deployments.js';
import { AdminCredentialsService, type RevealedCredential } from './admin-credentials.service.js';

/** Tenants whose apps run, so the app's own tool can be reached. */
const RUNNING = new Set(['active', 'past_due']);

/**
 * "Reset the admin password" of one app, for an owner of the club (never an operator): a new
 * password made by the template's rule, set through the app's own tool by docker exec (argv; the
 * password on stdin, never on a command line), or made up and printed by the tool itself
 * (Mastodon's tootctl). It is returned once; what is stored is sealed: the app's secret (which
 * the restore drills and upgrade checks log in with) and the admin login, counted as shown.
 */
@Injectable()
export class AdminPasswordReset {
  private readonly logger = new Logger(AdminPasswordReset.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly deployments: TenantDeployments,
    private readonly runtime: ContainerRuntime,
    private readonly credentials: AdminCredentialsService,
    private readonly locks: TenantLocks,
    private readonly access: AccessCheck,
    private readonly audit: AuditLog,
  ) {}

  async reset(tenantId: string, app: string, accountId: string): Promise<RevealedCredential> {
    const tenant = await this.dataSource.manager.findOne(Tenant, { where: { id: tenantId } });
    if (!tenant) throw new NotFoundError('Tenant');
    await this.access.requireMemberRole(accountId, tenant.organizationId, ['owner'], 'Tenant');
    if (!RUNNING.has(tenant.state) || !tenant.dockerHostId) {
      throw new InvalidStateError('credentials.not_running', 'The apps do not run right now, so their admin password cannot be set');
    }
    // the same lock as the worker's operations: never while an upgrade replaces the container
    const locked = await this.locks.withLock(tenant.id, async () => this.resetLocked(tenant, app, accountId));
    if (!locked.acquired) throw new ConflictError('credentials.busy', 'Work on this instance is running (an upgrade or a backup); try again in a few minutes');
    return locked.result;
  }

  private async resetLocked(tenant: Tenant, app: string, accountId: string): Promise<RevealedCredential> {
    const rendered = await this.deployments.withNewAdminPassword(tenant, app);
    if (!rendered) throw new NotFoundError('App');
    const { deployment, reset } = rendered;
    if (!reset) throw new InvalidStateError('credentials.no_reset', `${deployment.template.name} has no way to set its admin password from here`);
    if (deployment.instance.state !== 'running' && deployment.instance.state !== 'unhealthy') throw new InvalidStateError('credentials.not_running', `${deployment.template.name} does not run right now`);
    const host = await this.dataSource.manager.findOneOrFail(DockerHost, { where: { id: tenant.dockerHostId! } });

    let result;
    try {
      result = await this.runtime.runHook(host, deployment.plan, reset.hook);
    } catch (error) {
      // the tool's own words are for operators (they hold no password: it went in on stdin)
      this.logger.warn(`admin password of ${app} of tenant ${tenant.slug} not set: ${(error as Error).message}`);
      throw new InvalidStateError('credentials.reset_failed', `${deployment.template.name} did not take a new admin password; the old one still works`);
    }
    let password = rendered.secrets[deployment.admin.passwordSecret];
    if (reset.capturePattern) {
      password = new RegExp(reset.capturePattern).exec(result.stdout)?.[1] ?? '';
      // never log the output: it holds the password
      if (!password) throw new InvalidStateError('credentials.reset_unreadable', `${deployment.template.name} did not print the new password as expected`);
    }
    this.logger.log(`admin password of ${app} of tenant ${tenant.slug} set`);

    await this.dataSource.transaction(async (manager) => {
      // the app's secret too, where the template generates it: the restore drills and the upgrade checks log in with it
      if (!reset.capturePattern) await this.deployments.replaceSecrets(tenant.id, { [app]: rendered.secrets }, manager);
      await this.credentials.replaceRevealed(
        { tenantId: tenant.id, serviceInstanceId: deployment.instance.id, username: deployment.admin.username, loginUrl: deployment.admin.loginUrl, password },
        accountId,
        manager,
      );
      await this.audit.record(
        { actor: { type: 'account', id: accountId }, action: 'credentials.admin_password_reset', target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, details: { app } },
        manager,
      );
    });
    return { app, username: deployment.admin.username, loginUrl: deployment.admin.loginUrl, revealedAt: new Date(), password };
  }
}
