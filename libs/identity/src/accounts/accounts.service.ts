import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Account, Membership } from '../entities/index.js';
import { ConflictError, NotFoundError, problem } from '#platform';
import type { IdentityProblemCode } from '../problems.js';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords.js';

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

@Injectable()
export class AccountsService {
  constructor(@InjectRepository(Account) private readonly accounts: Repository<Account>) {}

  /** The account for these credentials, or null. Unknown emails cost the same time as wrong passwords. */
  async authenticate(email: string, password: string): Promise<Account | null> {
    const account = await this.accounts
      .createQueryBuilder('account')
      .addSelect('account.passwordHash')
      .where('account.email = :email', { email: normaliseEmail(email) })
      .getOne();
    if (!account?.passwordHash) return verifyAgainstDummy(password).then(() => null);
    if (!(await verifyPassword(account.passwordHash, password))) return null;
    if (account.disabledAt) return null;
    await this.accounts.update(account.id, { lastLoginAt: new Date() });
    return account;
  }

  async create(
    input: { email: string; password?: string; displayName?: string | null; isOperator?: boolean },
    manager: EntityManager = this.accounts.manager,
  ): Promise<Account> {
    const email = normaliseEmail(input.email);
    const existing = await manager.findOne(Account, { where: { email } });
    if (existing) throw new ConflictError('account.email_taken', 'An account with this email already exists', { email: problem<IdentityProblemCode>('email.taken') });
    const account = manager.create(Account, {
      email,
      displayName: input.displayName ?? null,
      passwordHash: input.password ? await hashPassword(input.password) : null,
      isOperator: input.isOperator ?? false,
    });
    return manager.save(account);
  }

  async setPassword(accountId: string, password: string): Promise<void> {
    const result = await this.accounts.update(accountId, { passwordHash: await hashPassword(password) });
    if (!result.affected) throw new NotFoundError('Account', accountId);
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
