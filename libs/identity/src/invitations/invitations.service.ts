import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, MoreThan } from 'typeorm';
import { AuditActor, AuditLog } from '#domain';
import { AppConfig, ConflictError, NotFoundError, problem, randomToken, sha256Hex, UnauthenticatedError } from '#platform';
import type { IdentityProblemCode } from '../problems.js';
import { AccountsService, normaliseEmail } from '../accounts/accounts.service.js';
import { hashPassword, verifyPassword } from '../accounts/passwords.js';
import { Account, Invitation, Membership, Organization } from '../entities/index.js';
import { INVITATION_LETTER, type InvitationLetterValues } from '../mail/letter.js';
import { MailOutbox } from '../mail/mail-outbox.js';

export type InvitedRole = Invitation['role'];
const VALID_DAYS = 7;

export interface InvitationView {
  id: string;
  email: string;
  role: InvitedRole;
  expiresAt: Date;
  createdAt: Date;
}

/** An invitation as its link shows it: who invites whom, and whether the person already has an account. */
export interface OpenInvitation {
  invitation: Invitation;
  organization: Organization;
  hasAccount: boolean;
}

const view = ({ id, email, role, expiresAt, createdAt }: Invitation): InvitationView => ({ id, email, role, expiresAt, createdAt });

/**
 * Owners invite people by email with the billing or member role. The link's token is
 * shown only in the mail; the database keeps its SHA-256, so a leaked database grants nothing.
 */
@Injectable()
export class InvitationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: AccountsService,
    private readonly outbox: MailOutbox,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
  ) {}

  /** Records the invitation and, in the same transaction, the letter with its one-time link. */
  async invite(organizationId: string, input: { email: string; role: InvitedRole }, actor: AuditActor, locale = 'en'): Promise<InvitationView> {
    const email = normaliseEmail(input.email);
    const token = randomToken(32);
    return this.dataSource.transaction(async (manager) => {
      const organization = await manager.findOne(Organization, { where: { id: organizationId }, lock: { mode: 'pessimistic_write' } });
      if (!organization) throw new NotFoundError('Organization');
      const existing = await manager.findOne(Account, { where: { email } });
      if (existing && (await manager.exists(Membership, { where: { organizationId, accountId: existing.id } }))) {
        throw new ConflictError('invitation.already_member', `${email} is already a member`, { email: problem<IdentityProblemCode>('email.already_member') });
      }
      // a new invitation replaces an earlier one for the same person
      await manager.update(Invitation, { organizationId, email, acceptedAt: IsNull(), revokedAt: IsNull() }, { revokedAt: new Date() });
      const invitation = await manager.save(
        manager.create(Invitation, {
          organizationId,
          email,
          role: input.role,
          tokenHash: sha256Hex(token),
          invitedBy: actor.type === 'account' ? actor.id : null,
          expiresAt: new Date(Date.now() + VALID_DAYS * 86_400_000),
        }),
      );
      await this.audit.record({ actor, action: 'member.invited', target: { type: 'invitation', id: invitation.id }, organizationId, details: { email, role: input.role } }, manager);
      const inviter = actor.type === 'account' && actor.id ? await manager.findOne(Account, { where: { id: actor.id } }) : null;
      const values: InvitationLetterValues = {
        club: organization.name,
        role: input.role,
        inviter: inviter?.displayName ?? inviter?.email ?? organization.name,
        expires: invitation.expiresAt.toISOString().slice(0, 10),
        link: `${this.config.http.publicUrl}/invitation?token=${token}`,
      };
      await this.outbox.enqueue({ template: INVITATION_LETTER, to: email, locale, values }, manager);
      return view(invitation);
    });
  }

  async pending(organizationId: string): Promise<InvitationView[]> {
    const invitations = await this.dataSource.manager.find(Invitation, {
      where: { organizationId, acceptedAt: IsNull(), revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      order: { createdAt: 'DESC' },
    });
    return invitations.map(view);
  }

  async revoke(organizationId: string, invitationId: string, actor: AuditActor): Promise<void> {
    const result = await this.dataSource.manager.update(Invitation, { id: invitationId, organizationId, acceptedAt: IsNull(), revokedAt: IsNull() }, { revokedAt: new Date() });
    if (!result.affected) throw new NotFoundError('Invitation');
    await this.audit.record({ actor, action: 'member.invitation_revoked', target: { type: 'invitation', id: invitationId }, organizationId });
  }

  /** The invitation behind a link, if it can still be accepted. */
  async open(token: string): Promise<OpenInvitation | null> {
    const invitation = await this.findUsable(token);
    if (!invitation) return null;
    const organization = await this.dataSource.manager.findOneByOrFail(Organization, { id: invitation.organizationId });
    return { invitation, organization, hasAccount: !!(await this.accounts.findByEmail(invitation.email)) };
  }

  /** Joins the organization: with the existing account's password, or creating the account with this password. */
  async accept(token: string, password: string): Promise<OpenInvitation> {
    const passwordHash = await hashPassword(password);
    return this.dataSource.transaction(async (manager) => {
      const found = await this.findUsable(token);
      const invitation = found && (await manager.findOne(Invitation, { where: { id: found.id, acceptedAt: IsNull() }, lock: { mode: 'pessimistic_write' } }));
      if (!invitation) throw new NotFoundError('Invitation');
      let account = await manager.createQueryBuilder(Account, 'a').addSelect('a.passwordHash').where('a.email = :email', { email: invitation.email }).getOne();
      let hasAccount = true;
      if (!account) {
        hasAccount = false;
        account = await manager.save(manager.create(Account, { email: invitation.email, passwordHash }));
      } else if (!account.passwordHash || !(await verifyPassword(account.passwordHash, password))) {
        throw new UnauthenticatedError('The password is wrong');
      }
      await manager.createQueryBuilder().insert().into(Membership).values({ organizationId: invitation.organizationId, accountId: account.id, role: invitation.role }).orIgnore().execute();
      await manager.update(Invitation, invitation.id, { acceptedAt: new Date(), acceptedBy: account.id });
      await this.audit.record(
        { actor: { type: 'account', id: account.id }, action: 'member.joined', target: { type: 'invitation', id: invitation.id }, organizationId: invitation.organizationId, details: { role: invitation.role, newAccount: !hasAccount } },
        manager,
      );
      const organization = await manager.findOneByOrFail(Organization, { id: invitation.organizationId });
      return { invitation, organization, hasAccount };
    });
  }

  private async findUsable(token: string): Promise<Invitation | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    return this.dataSource.manager.findOne(Invitation, {
      where: { tokenHash: sha256Hex(token), acceptedAt: IsNull(), revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
    });
  }
}
