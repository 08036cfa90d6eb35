import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, IsNull, Repository } from 'typeorm';
import { Account, type AccountLocale, accountLocale, ApiToken, Membership } from '../entities/index.js';
import { AppConfig, ConflictError, NotFoundError, problem } from '#platform';
import { MailOutbox } from '../mail/mail-outbox.js';
import { PASSWORD_RESET_LETTER, type PasswordResetLetterValues, VERIFY_EMAIL_LETTER, type VerifyEmailLetterValues } from '../mail/letter.js';
import { AccountTokens } from './account-tokens.service.js';
import type { IdentityProblemCode } from '../problems.js';
import { PasswordAttempts } from '../auth/password-attempts.js';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords.js';

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

@Injectable()
export class AccountsService {
  constructor(
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
    private readonly attempts: PasswordAttempts,
    private readonly tokens: AccountTokens,
    private readonly outbox: MailOutbox,
    private readonly config: AppConfig,
  ) {}

  /**
   * The account for these credentials, or null. Unknown emails cost the same time as wrong
   * passwords. Every check counts against the client address and, when wrong, the account
   * (too many: TooManyRequestsError). `address` is the client's, as the API determined it.
   */
  async authenticate(email: string, password: string, address?: string): Promise<Account | null> {
    const normalised = normaliseEmail(email);
    await this.attempts.begin(normalised, address);
    const account = await this.accounts
      .createQueryBuilder('account')
      .addSelect('account.passwordHash')
      .where('account.email = :email', { email: normalised })
      .getOne();
    const valid = account?.passwordHash ? await verifyPassword(account.passwordHash, password) : await verifyAgainstDummy(password);
    if (!account || !valid || account.disabledAt) {
      await this.attempts.failed(normalised);
      return null;
    }
    await this.accounts.update(account.id, { lastLoginAt: new Date() });
    return account;
  }

  async markEmailVerified(accountId: string, manager: EntityManager = this.accounts.manager): Promise<void> {
    await manager.update(Account, { id: accountId, emailVerifiedAt: IsNull() }, { emailVerifiedAt: new Date() });
  }

  /**
   * A new account. `address` says how its email is known to be the person's: `verified` (an
   * operator typed it, or a mailed link was followed), or `send` a verification link now (the
   * public order form: until it is followed the account acts only on its own order).
   */
  async create(
    input: { email: string; password?: string; displayName?: string | null; isOperator?: boolean; address?: 'verified' | 'send' | 'unverified'; locale?: AccountLocale },
    manager: EntityManager = this.accounts.manager,
  ): Promise<Account> {
    const email = normaliseEmail(input.email);
    const existing = await manager.findOne(Account, { where: { email } });
    if (existing) throw new ConflictError('account.email_taken', 'An account with this email already exists', { email: problem<IdentityProblemCode>('email.taken') });
    const account = await manager.save(
      manager.create(Account, {
        email,
        displayName: input.displayName ?? null,
        passwordHash: input.password ? await hashPassword(input.password) : null,
        isOperator: input.isOperator ?? false,
        locale: accountLocale(input.locale),
        emailVerifiedAt: input.address === 'verified' || input.isOperator ? new Date() : null,
      }),
    );
    if (input.address === 'send') await this.sendVerification(account, account.locale, manager);
    return account;
  }

  /** Mails a link that proves the address (a new one; earlier links stop working). */
  async sendVerification(account: Pick<Account, 'id' | 'email'>, locale: string, manager: EntityManager = this.accounts.manager): Promise<void> {
    const { token, expiresAt } = await this.tokens.issue(account.id, 'verify_email', manager);
    const values: VerifyEmailLetterValues = {
      link: `${this.config.http.publicUrl}/verify-email?token=${token}`,
      expires: `${expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    };
    await this.outbox.enqueue({ template: VERIFY_EMAIL_LETTER, to: account.email, locale, values }, manager);
  }

  /** Follows a verification link: the account whose address is now verified, or null for a bad or used link. */
  async verifyEmail(token: string): Promise<Account | null> {
    return this.accounts.manager.transaction(async (manager) => {
      const accountId = await this.tokens.consume(token, 'verify_email', manager);
      if (!accountId) return null;
      await this.markEmailVerified(accountId, manager);
      return manager.findOne(Account, { where: { id: accountId } });
    });
  }

  /**
   * Mails a link to set a new password, when the address belongs to an active account. The
   * caller answers the same either way, so the form does not tell who has an account.
   */
  async requestPasswordReset(email: string, locale: string): Promise<void> {
    const account = await this.accounts.findOne({ where: { email: normaliseEmail(email) } });
    if (!account || account.disabledAt) return;
    await this.accounts.manager.transaction(async (manager) => {
      const { token, expiresAt } = await this.tokens.issue(account.id, 'reset_password', manager);
      const values: PasswordResetLetterValues = {
        link: `${this.config.http.publicUrl}/password-reset/new?token=${token}`,
        expires: `${expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      };
      await this.outbox.enqueue({ template: PASSWORD_RESET_LETTER, to: account.email, locale, values }, manager);
    });
  }

  /** Whether a reset link would still be accepted (to show its form, or say it is spent). */
  async passwordResetUsable(token: string): Promise<boolean> {
    return this.tokens.isUsable(token, 'reset_password');
  }

  /**
   * Follows a reset link: sets the new password, ends every session of the account (whoever
   * knew the old password is logged out) and, since the link came by mail, verifies the address.
   * The account, or null for a bad, expired or used link.
   */
  async resetPassword(token: string, password: string): Promise<Account | null> {
    const passwordHash = await hashPassword(password);
    return this.accounts.manager.transaction(async (manager) => {
      const accountId = await this.tokens.consume(token, 'reset_password', manager);
      if (!accountId) return null;
      await manager.update(Account, { id: accountId }, { passwordHash });
      await manager.update(ApiToken, { accountId, kind: 'session', revokedAt: IsNull() }, { revokedAt: new Date() });
      await this.markEmailVerified(accountId, manager);
      return manager.findOne(Account, { where: { id: accountId } });
    });
  }

  async setPassword(accountId: string, password: string): Promise<void> {
    const result = await this.accounts.update(accountId, { passwordHash: await hashPassword(password) });
    if (!result.affected) throw new NotFoundError('Account', accountId);
  }

  /** The language of letters to this address: its account's, else English. */
  async localeOf(email: string, manager: EntityManager = this.accounts.manager): Promise<AccountLocale> {
    const account = await manager.findOne(Account, { where: { email: normaliseEmail(email) }, select: { id: true, locale: true } });
    return accountLocale(account?.locale);
  }

  /**
   * Who gets letters meant for the cooperative (alerts, new bank-transfer orders): the addresses
   * of ALLMENDE_ALERT_EMAILS, else every active, verified operator account; each in its
   * account's language (English for an address without an account).
   */
  async operatorRecipients(): Promise<{ email: string; locale: AccountLocale }[]> {
    const configured = this.config.backup.alertEmails;
    if (configured.length === 0) {
      const operators = await this.accounts.find({ where: { isOperator: true, disabledAt: IsNull() }, order: { createdAt: 'ASC' } });
      return operators.filter((account) => account.emailVerifiedAt !== null).map((account) => ({ email: account.email, locale: accountLocale(account.locale) }));
    }
    const accounts = await this.accounts.find({ where: { email: In(configured.map(normaliseEmail)) }, select: { email: true, locale: true } });
    return configured.map((email) => ({ email, locale: accountLocale(accounts.find((account) => account.email === normaliseEmail(email))?.locale) }));
  }

  /** Where operator alerts go when none are configured: every active, verified operator account. */
  async operatorAddresses(): Promise<string[]> {
    const operators = await this.accounts.find({ where: { isOperator: true, disabledAt: IsNull() }, order: { createdAt: 'ASC' } });
    return operators.filter((account) => account.emailVerifiedAt !== null).map((account) => account.email);
  }

  async findById(id: string): Promise<Account | null> {
    return this.accounts.findOne({ where: { id } });
  }

  async findByEmail(email: string): Promise<Account | null> {
    return this.accounts.findOne({ where: { email: normaliseEmail(email) } });
  }

  async memberships(accountId: string): Promise<Membership[]> {
    return this.accounts.manager.find(Membership, { where: { accountId }, relations: { organization: true } });
  }
}
