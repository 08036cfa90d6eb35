export interface MailMessage {
  to: string;
  subject: string;
  /** Plain text body. */
  text: string;
}

/** Outgoing mail: the one port to the mail system. */
export abstract class Mailer {
  abstract send(message: MailMessage): Promise<void>;
}
