import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { MAIL_TOPIC, MailOutbox, Mailer } from '#identity';
import { Scheduler } from '#platform/jobs';
import { writeLetter } from './letters.js';

const IDLE_POLL_MS = 5000;

/**
 * Sends the letters in identity's outbox: claims one, writes it from the texts, hands it to the
 * mail transport, records the outcome. A scheduler task woken when a letter is queued; the API
 * runs it too, so a person's mail leaves at once even while no worker runs.
 */
@Injectable()
export class LetterDispatcher implements OnModuleInit {
  private readonly logger = new Logger(LetterDispatcher.name);

  constructor(
    private readonly outbox: MailOutbox,
    private readonly mailer: Mailer,
    private readonly scheduler: Scheduler,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({ name: 'storefront.letters', intervalMs: IDLE_POLL_MS, wakeOn: MAIL_TOPIC, roles: ['api', 'worker'], run: () => this.sendNext() });
  }

  /** Sends the oldest due letter; 'idle' when there is none. */
  async sendNext(): Promise<'more' | 'idle'> {
    const letter = await this.outbox.claimNext();
    if (!letter) return 'idle';
    try {
      await this.mailer.send(writeLetter(letter));
      await this.outbox.markSent(letter.id);
    } catch (error) {
      const reason = (error as Error).message ?? String(error);
      this.logger.warn(`letter ${letter.id} (${letter.template}) not sent, attempt ${letter.attempts}: ${reason}`);
      await this.outbox.markFailed(letter, reason);
    }
    return 'more';
  }
}
