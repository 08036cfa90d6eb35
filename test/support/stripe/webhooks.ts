/**
 * Signing and HTTP delivery of webhook events, the way Stripe does it:
 * pretty-printed JSON body, `Stripe-Signature: t=<unix>,v1=<hex hmac-sha256>`.
 */
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import Stripe from 'stripe';

export interface SignOptions {
  secret: string;
  /** Unix seconds put into `t=`; defaults to the real wall clock (what the receiver checks against). */
  timestamp?: number;
}

export function signPayload(payload: string, opts: SignOptions): string {
  // The SDK's own generator implements the exact scheme constructEvent() verifies.
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: opts.secret,
    timestamp: opts.timestamp ?? Math.floor(Date.now() / 1000),
  });
}

/** Stripe sends events pretty-printed with two spaces; receivers must verify the raw bytes. */
export function serializeEvent(event: unknown): string {
  return JSON.stringify(event, null, 2);
}

export interface DeliveryResult {
  eventId: string | null;
  type: string | null;
  url: string;
  /** HTTP status of the endpoint, 0 if the request failed (connection refused, timeout). */
  status: number;
  ok: boolean;
  responseBody: string;
  error?: string;
  durationMs: number;
}

export async function postWebhook(
  url: string,
  payload: string,
  header: string,
  timeoutMs: number,
): Promise<Omit<DeliveryResult, 'eventId' | 'type'>> {
  const started = Date.now();
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : request;
  return new Promise((resolve) => {
    const finish = (status: number, responseBody: string, error?: string): void => {
      resolve({
        url,
        status,
        ok: status >= 200 && status < 300,
        responseBody,
        ...(error === undefined ? {} : { error }),
        durationMs: Date.now() - started,
      });
    };
    const req = send(
      target,
      {
        method: 'POST',
        // No keep-alive pool: a lingering socket would keep the app's server from closing in tests.
        agent: false,
        timeout: timeoutMs,
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': Buffer.byteLength(payload),
          'Stripe-Signature': header,
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          Accept: '*/*; q=0.5, application/xml',
          'Cache-Control': 'no-cache',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
        res.on('error', (err) => finish(0, '', err.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`webhook delivery timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => finish(0, '', err.message));
    req.end(payload);
  });
}
