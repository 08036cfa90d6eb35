import { randomBytes } from 'node:crypto';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '#platform';
import { toEml } from './eml.js';
import { MailMessage, Mailer } from './mailer.port.js';

/**
 * Without an SMTP server, mail goes to <dataDir>/outbox as .eml files, for the operator
 * to read or forward. Files are private to the process's user: they may hold invitation links.
 */
@Injectable()
export class OutboxMailer extends Mailer {
  private readonly logger = new Logger('Mail');
  readonly directory: string;

  constructor(private readonly config: AppConfig) {
    super();
    this.directory = join(config.dataDir, 'outbox');
  }

  async send(message: MailMessage): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const file = join(this.directory, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`);
    // written aside, then linked in under its name: a reader of the outbox never sees half a letter
    const partial = join(this.directory, `.${randomBytes(8).toString('hex')}.partial`);
    await writeFile(partial, toEml(message, this.config.mail.from, this.config.baseDomain), { mode: 0o600, flag: 'wx' });
    try {
      await link(partial, file); // fails rather than replace an existing letter
    } finally {
      await unlink(partial);
    }
    this.logger.log({ to: message.to, subject: message.subject, file }, 'mail queued');
  }
}
