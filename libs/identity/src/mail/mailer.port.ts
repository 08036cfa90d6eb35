export interface MailMessage {
  to: string;
  subject: string;
  /** Plain text body. */
  text: string;
  /** The same text as simple HTML (sent beside the text, as multipart/alternative). */
  html?: string;
}

/** Outgoing mail transport: the one port to the mail system (SMTP, or the outbox directory). */
export abstract class Mailer {
  abstract send(message: MailMessage): Promise<void>;
}
