import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AdminCredential, ServiceInstance, Tenant } from '../entities/index.js';
import { AuditActor, AuditLog } from '#domain';
import { AccessCheck } from '#identity';
import { ConflictError, ForbiddenError, NotFoundError, SecretBox } from '#platform';

export interface CredentialView {
  app: string;
  username: string;
  loginUrl: string;
  revealedAt: Date | null;
}

export interface RevealedCredential extends CredentialView {
  password: string;
}

const associatedData = (serviceInstanceId: string) => `admin_credential:${serviceInstanceId}`;

/**
 * The club's first admin logins. Stored sealed; shown once to an owner of the club (not
 * to operators: the cooperative never needs its members' passwords), then only their
 * existence and when they were revealed remain visible.
 */
@Injectable()
export class AdminCredentialsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secretBox: SecretBox,
    private readonly audit: AuditLog,
    private readonly access: AccessCheck,
  ) {}

  /** For callers known by account (the order page's login form, which holds the order link): identity's owner check, then reveal. */
  async revealForAccount(tenantId: string, accountId: string): Promise<RevealedCredential[]> {
    const tenant = await this.dataSource.manager.findOne(Tenant, { where: { id: tenantId } });
    if (!tenant) throw new NotFoundError('Tenant');
    await this.access.requireMemberRole(accountId, tenant.organizationId, ['owner'], 'Tenant', 'forbidden');
    return this.reveal(tenantId, { type: 'account', id: accountId });
  }

  /** Records (or replaces, before it was revealed) the admin login of one app. */
  async store(input: { tenantId: string; serviceInstanceId: string; username: string; loginUrl: string; password: string }, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const sealedPassword = this.secretBox.seal(input.password, associatedData(input.serviceInstanceId));
    await manager.upsert(
      AdminCredential,
      { tenantId: input.tenantId, serviceInstanceId: input.serviceInstanceId, username: input.username, loginUrl: input.loginUrl, sealedPassword, revealedAt: null },
      ['serviceInstanceId'],
    );
  }

  /** A new admin password (the dashboard's reset), sealed, and counted as shown: the owner sees it once, now. */
  async replaceRevealed(
    input: { tenantId: string; serviceInstanceId: string; username: string; loginUrl: string; password: string },
    revealedBy: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    const sealedPassword = this.secretBox.seal(input.password, associatedData(input.serviceInstanceId));
    await manager.upsert(
      AdminCredential,
      { tenantId: input.tenantId, serviceInstanceId: input.serviceInstanceId, username: input.username, loginUrl: input.loginUrl, sealedPassword, revealedAt: new Date(), revealedBy },
      ['serviceInstanceId'],
    );
  }

  async has(serviceInstanceId: string): Promise<boolean> {
    return this.dataSource.manager.exists(AdminCredential, { where: { serviceInstanceId } });
  }

  async list(tenantId: string): Promise<CredentialView[]> {
    const rows = await this.dataSource.manager.find(AdminCredential, { where: { tenantId }, relations: { serviceInstance: true }, order: { createdAt: 'ASC' } });
    return rows.map((row) => ({ app: row.serviceInstance!.app, username: row.username, loginUrl: row.loginUrl, revealedAt: row.revealedAt }));
  }

  /** Returns the passwords not revealed yet and marks them revealed, atomically: two clicks cannot both see them. */
  async reveal(tenantId: string, actor: AuditActor): Promise<RevealedCredential[]> {
    if (actor.type !== 'account' || !actor.id) throw new ForbiddenError('Only an owner of the organization can reveal credentials');
    return this.dataSource.transaction(async (manager) => {
      const tenant = await manager.findOne(Tenant, { where: { id: tenantId } });
      if (!tenant) throw new NotFoundError('Tenant');
      const rows = await manager
        .createQueryBuilder(AdminCredential, 'c')
        .addSelect('c.sealedPassword')
        .where('c.tenantId = :tenantId', { tenantId })
        .andWhere('c.revealedAt is null')
        .setLock('pessimistic_write')
        .getMany();
      if (rows.length === 0) {
        const any = await manager.exists(AdminCredential, { where: { tenantId } });
        throw any
          ? new ConflictError('credentials.already_revealed', 'These credentials were already shown once. Use the app\'s own password reset if they are lost.')
          : new ConflictError('credentials.not_ready', 'The admin accounts are not created yet; wait until provisioning has finished.');
      }
      const now = new Date();
      const revealed: RevealedCredential[] = [];
      for (const row of rows) {
        const instance = await manager.findOneOrFail(ServiceInstance, { where: { id: row.serviceInstanceId } });
        revealed.push({
          app: instance.app,
          username: row.username,
          loginUrl: row.loginUrl,
          revealedAt: now,
          password: this.secretBox.open(row.sealedPassword, associatedData(row.serviceInstanceId)),
        });
        await manager.update(AdminCredential, row.id, { revealedAt: now, revealedBy: actor.id });
      }
      await this.audit.record(
        { actor, action: 'credentials.revealed', target: { type: 'tenant', id: tenantId }, organizationId: tenant.organizationId, details: { apps: revealed.map((c) => c.app) } },
        manager,
      );
      return revealed;
    });
  }
}
