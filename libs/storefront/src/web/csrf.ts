import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Tokens against cross-site request forgery: an HMAC of what the form is bound to (the
 * session, or before login the visitor's own random cookie), under a key derived from the
 * secret key. Nothing is stored; a token stops working when its session ends.
 */
export function csrfKey(secretKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'allmende page forms', 32));
}

export function csrfToken(key: Buffer, binding: string): string {
  return createHmac('sha256', key).update(binding).digest('base64url');
}

export function csrfMatches(key: Buffer, binding: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length !== 43) return false;
  const expected = Buffer.from(csrfToken(key, binding));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What a form is bound to: the session's token id once logged in, else the visit cookie. */
export function csrfBinding(sessionTokenId: string | null, visitId: string): string {
  return sessionTokenId ? `session:${sessionTokenId}` : `visit:${visitId}`;
}
