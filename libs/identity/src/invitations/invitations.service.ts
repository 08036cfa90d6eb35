import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, MoreThan } from 'typeorm';
import { AuditActor, AuditLog } from '#domain';
import { AppConfig, ConflictError, ForbiddenError, InvalidStateError, NotFoundError, problem, randomToken, sha256Hex, TooManyRequestsError, UnauthenticatedError } from '#platform';
import { RateLimits } from '#platform/limits';
import type { IdentityProblemCode } from '../problems.js';
import { AccountsService, normaliseEmail } from '../accounts/accounts.service.js';
import { hashPassword } from '../accounts/passwords.js';
import { Account, Invitation, Membership, type MembershipRole, Organization } from '../entities/index.js';
import { INVITATION_LETTER, type InvitationLetterValues } from '../mail/letter.js';
import { MailOutbox } from '../mail/mail-outbox.js';

/** What an owner may invite someone as; owners are made by changing a member's role (or invited by an operator). */
export type InvitedRole = Exclude<MembershipRole, 'owner'>;
const VALID_DAYS = 7;

export interface InvitationView {
  id: string;
  email: string;
  role: MembershipRole;
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
    private readonly limits: RateLimits,
  ) {}

  /**
   * An owner invites someone (billing or member). Only a verified account of a club that is a
   * customer may invite, a limited number per day: no mail relay for strangers. The invitation
   * and its letter (with the one-time link) are written in one transaction.
   */
  async invite(organizationId: string, input: { email: string; role: InvitedRole }, actor: AuditActor, locale = 'en'): Promise<InvitationView> {
    const inviter = actor.type === 'account' && actor.id ? await this.dataSource.manager.findOne(Account, { where: { id: actor.id } }) : null;
    if (actor.type === 'account' && !inviter?.emailVerifiedAt) {
      throw new ForbiddenError('Confirm your email address first (the link we sent you), then you can invite people');
    }
    const allowed = await this.limits.hit({ name: 'invitation:organization', max: this.config.limits.invitationsPerDay, windowSeconds: 86_400 }, organizationId);
    if (!allowed.allowed) {
      throw new TooManyRequestsError('too_many_requests', `This club has sent ${this.config.limits.invitationsPerDay} invitations today; try again tomorrow`, allowed.retryAfterSeconds);
    }
    return this.dataSource.transaction(async (manager) => {
      const organization = await manager.findOne(Organization, { where: { id: organizationId }, lock: { mode: 'pessimistic_write' } });
      if (!organization) throw new NotFoundError('Organization');
      if (!organization.confirmedAt) {
        throw new InvalidStateError('invitation.unpaid_club', 'A club can invite people once its order is paid');
      }
      return view(await this.createInvitation(manager, organization, input.email, input.role, actor, inviter, locale));
    });
  }

  /**
   * An operator made a club for an address that already has an account: that account is invited
   * as owner (by mail) rather than made owner, so only whoever reads the mailbox can accept.
   */
  async inviteOwner(manager: EntityManager, organization: Organization, email: string, actor: AuditActor, locale = 'en'): Promise<InvitationView> {
    return view(await this.createInvitation(manager, organization, email, 'owner', actor, null, locale));
  }

  private async createInvitation(
    manager: EntityManager,
    organization: Organization,
    rawEmail: string,
    role: MembershipRole,
    actor: AuditActor,
    inviter: Account | null,
    locale: string,
  ): Promise<Invitation> {
    const email = normaliseEmail(rawEmail);
    const organizationId = organization.id;
    const existing = await manager.findOne(Account, { where: { email } });
    if (existing && (await manager.exists(Membership, { where: { organizationId, accountId: existing.id } }))) {
      throw new ConflictError('invitation.already_member', `${email} is already a member`, { email: problem<IdentityProblemCode>('email.already_member') });
    }
    // a new invitation replaces an earlier one for the same person
    await manager.update(Invitation, { organizationId, email, acceptedAt: IsNull(), revokedAt: IsNull() }, { revokedAt: new Date() });
    const token = randomToken(32);
    const invitation = await manager.save(
      manager.create(Invitation, {
        organizationId,
        email,
        role,
        tokenHash: sha256Hex(token),
        invitedBy: actor.type === 'account' ? actor.id : null,
        expiresAt: new Date(Date.now() + VALID_DAYS * 86_400_000),
      }),
    );
    await this.audit.record({ actor, action: 'member.invited', target: { type: 'invitation', id: invitation.id }, organizationId, details: { email, role } }, manager);
    const values: InvitationLetterValues = {
      club: organization.name,
      role,
      inviter: inviter?.displayName ?? inviter?.email ?? organization.name,
      expires: invitation.expiresAt.toISOString().slice(0, 10),
      link: `${this.config.http.publicUrl}/invitation?token=${token}`,
    };
    await this.outbox.enqueue({ template: INVITATION_LETTER, to: email, locale, values }, manager);
    return invitation;
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

  /**
   * Joins the organization: with the existing account's password (counted like any password
   * check), or creating the account with this password. Following the mailed link proves the
   * address. Operator accounts never join a club: operators must not hold a club's powers.
   */
  async accept(token: string, password: string, address?: string): Promise<OpenInvitation> {
    const found = await this.findUsable(token);
    if (!found) throw new NotFoundError('Invitation');
    const known = await this.accounts.findByEmail(found.email);
    if (known?.isOperator) throw new ForbiddenError('Operator accounts cannot join a club; accept with a personal account');
    if (known && !(await this.accounts.authenticate(found.email, password, address))) throw new UnauthenticatedError('The password is wrong');
    const passwordHash = known ? null : await hashPassword(password);
    return this.dataSource.transaction(async (manager) => {
      const invitation = await manager.findOne(Invitation, { where: { id: found.id, acceptedAt: IsNull(), revokedAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
      if (!invitation) throw new NotFoundError('Invitation');
      let account = await manager.findOne(Account, { where: { email: invitation.email } });
      const hasAccount = !!account;
      if (!account) account = await manager.save(manager.create(Account, { email: invitation.email, passwordHash, emailVerifiedAt: new Date() }));
      else await this.accounts.markEmailVerified(account.id, manager);
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
