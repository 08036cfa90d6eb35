import { Injectable, Logger } from '@nestjs/common';
import nodemailer, { Transporter } from 'nodemailer';
import { AppConfig } from '#platform';
import { MailMessage, Mailer } from './mailer.port.js';

/** Sends through the SMTP server named by SMTP_URL (smtp://user:pass@host:587 or smtps://...). */
@Injectable()
export class SmtpMailer extends Mailer {
  private readonly logger = new Logger('Mail');
  private readonly transport: Transporter;

  constructor(private readonly config: AppConfig) {
    super();
    this.transport = nodemailer.createTransport(config.mail.smtpUrl as string);
  }

  /** With HTML, nodemailer sends text and HTML as multipart/alternative. */
  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({ from: this.config.mail.from, to: message.to, subject: message.subject, text: message.text, ...(message.html !== undefined ? { html: message.html } : {}) });
    this.logger.log({ to: message.to, subject: message.subject }, 'mail sent');
  }
}
