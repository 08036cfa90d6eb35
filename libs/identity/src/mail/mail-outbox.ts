import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SecretBox } from '#platform';
import { JobQueue } from '#platform/jobs';
import type { Letter } from './letter.js';
import { MailLetter } from './mail-letter.entity.js';

/** The topic a queued letter announces; the storefront's mail task wakes on it. */
export const MAIL_TOPIC = 'mail-outbox';
/** How long a claimed letter is reserved for the sender; after a crash it is sent again. */
const LEASE_SECONDS = 300;
/** About a day of retries (backoff doubling up to an hour), then the letter is given up and shown as failed. */
const MAX_ATTEMPTS = 12;

export interface ClaimedLetter extends Letter {
  id: string;
  attempts: number;
}

const aad = (id: string) => `mail_letter:${id}`;

/**
 * Letters to send, written in the caller's transaction and sent afterwards by the mail task.
 * Sending happens outside any transaction: a letter is claimed with a lease first.
 */
@Injectable()
export class MailOutbox {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secretBox: SecretBox,
    private readonly queue: JobQueue,
  ) {}

  /**
   * Queues a letter in the caller's transaction. Returns its id, or null when a letter with the
   * same key is already queued or sent (nothing is written then).
   */
  async enqueue(letter: Letter, manager: EntityManager = this.dataSource.manager): Promise<string | null> {
    const id = randomUUID();
    // with a key, a concurrent twin waits for the first transaction and then inserts nothing
    const inserted = await manager
      .createQueryBuilder()
      .insert()
      .into(MailLetter)
      .values({
        id,
        template: letter.template,
        recipient: letter.to,
        locale: letter.locale,
        dedupKey: letter.key ?? null,
        sealedValues: this.secretBox.sealJson(letter.values, aad(id)),
      })
      .orIgnore()
      .returning(['id'])
      .execute();
    if ((inserted.raw as unknown[]).length === 0) return null;
    await this.queue.announce(MAIL_TOPIC, manager);
    return id;
  }

  /** The oldest due letter, reserved for this sender for a while; null when none is due. */
  async claimNext(): Promise<ClaimedLetter | null> {
    // an UPDATE through TypeORM's query() answers [rows, affected]
    const [rows]: [{ id: string }[], number] = await this.dataSource.query(
      `update mail_letter set attempts = attempts + 1, next_attempt_at = now() + $1 * interval '1 second'
        where id = (select id from mail_letter where state = 'queued' and next_attempt_at <= now()
                     order by next_attempt_at limit 1 for update skip locked)
        returning id`,
      [LEASE_SECONDS],
    );
    if (rows.length === 0) return null;
    const row = await this.dataSource.manager
      .createQueryBuilder(MailLetter, 'l')
      .addSelect('l.sealedValues')
      .where('l.id = :id', { id: rows[0].id })
      .getOneOrFail();
    return {
      id: row.id,
      template: row.template,
      to: row.recipient,
      locale: row.locale,
      attempts: row.attempts,
      values: row.sealedValues ? this.secretBox.openJson<Record<string, string>>(row.sealedValues, aad(row.id)) : {},
    };
  }

  async markSent(id: string): Promise<void> {
    await this.dataSource.manager.update(MailLetter, id, { state: 'sent', sentAt: new Date(), sealedValues: null, lastError: null });
  }

  /** Backs off (30 s doubling, at most an hour); after the last attempt the letter stays failed for operators to see. */
  async markFailed(letter: ClaimedLetter, error: string): Promise<void> {
    const givingUp = letter.attempts >= MAX_ATTEMPTS;
    await this.dataSource.manager.update(MailLetter, letter.id, {
      lastError: error.slice(0, 2000),
      ...(givingUp ? { state: 'failed' as const, sealedValues: null } : { nextAttemptAt: new Date(Date.now() + Math.min(30_000 * 2 ** (letter.attempts - 1), 3_600_000)) }),
    });
  }
}
