import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, MoreThan } from 'typeorm';
import { randomToken, sha256Hex } from '#platform';
import { AccountToken, type AccountTokenPurpose } from '../entities/index.js';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const VALID_HOURS: Record<AccountTokenPurpose, number> = { verify_email: 72, reset_password: 2 };

/** One-time links to an account's address (verify the address, reset the password); only hashes are stored. */
@Injectable()
export class AccountTokens {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A new link token; earlier unused ones of the same purpose stop working. */
  async issue(accountId: string, purpose: AccountTokenPurpose, manager: EntityManager = this.dataSource.manager): Promise<{ token: string; expiresAt: Date }> {
    await manager.update(AccountToken, { accountId, purpose, usedAt: IsNull() }, { usedAt: new Date() });
    const token = randomToken(32);
    const expiresAt = new Date(Date.now() + VALID_HOURS[purpose] * 3_600_000);
    await manager.insert(AccountToken, { accountId, purpose, tokenHash: sha256Hex(token), expiresAt });
    return { token, expiresAt };
  }

  /** Uses a token once: the account it belongs to, or null when it is unknown, expired or used. */
  async consume(token: string, purpose: AccountTokenPurpose, manager: EntityManager = this.dataSource.manager): Promise<string | null> {
    if (!TOKEN.test(token)) return null;
    const [rows]: [{ account_id: string }[], number] = await manager.query(
      `update account_token set used_at = now() where token_hash = $1 and purpose = $2 and used_at is null and expires_at > now() returning account_id`,
      [sha256Hex(token), purpose],
    );
    return rows[0]?.account_id ?? null;
  }

  /** Whether a token would be accepted now (for showing a form before it is used). */
  async isUsable(token: string, purpose: AccountTokenPurpose): Promise<boolean> {
    if (!TOKEN.test(token)) return false;
    return this.dataSource.manager.exists(AccountToken, { where: { tokenHash: sha256Hex(token), purpose, usedAt: IsNull(), expiresAt: MoreThan(new Date()) } });
  }
}
