import type { AddressInfo } from 'node:net';
import { type AddressObject, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

// A real SMTP server for tests (the smtp-server library) on a free loopback port: Allmende's
// SmtpMailer delivers to it over SMTP, and the tests read what arrived, parsed by mailparser.

export interface ReceivedMail {
  /** The envelope's recipients (RCPT TO). */
  envelopeTo: string[];
  /** The To: header's addresses. */
  to: string[];
  from: string;
  subject: string;
  text: string;
  /** The HTML part; "" when the mail had none. */
  html: string;
  /** The top-level Content-Type, e.g. multipart/alternative. */
  contentType: string;
}

export interface TestSmtpServer {
  /** For SMTP_URL: smtp://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Every mail that arrived, in order. */
  readonly mails: readonly ReceivedMail[];
  /** The first mail (arrived or arriving) that matches; fails after the timeout, saying what did arrive. */
  waitFor(what: string, match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  stop(): Promise<void>;
}

const addresses = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((group) => group.value.map((address) => address.address ?? '')).filter(Boolean);

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    // plain SMTP on loopback, as a relay on the same host would take it
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          mails.push({
            envelopeTo: session.envelope.rcptTo.map((recipient) => recipient.address),
            to: addresses(parsed.to),
            from: addresses(parsed.from)[0] ?? '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            contentType: (parsed.headers.get('content-type') as { value?: string } | undefined)?.value ?? '',
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    async waitFor(what, match, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = mails.find(match);
        if (found) return found;
        if (Date.now() > deadline) {
          throw new Error(`no mail arrived over SMTP: ${what}; arrived: ${JSON.stringify(mails.map((mail) => ({ to: mail.to, subject: mail.subject })))}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
