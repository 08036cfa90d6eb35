import { createECDH } from 'node:crypto';
import { problem, randomString, ValidationFailedError } from '#platform';
import type { CatalogProblemCode } from '../problems.js';
import type { AppTemplate } from '../templates/app-template.js';

/**
 * Generates the template's secrets for a new deployment. Values in `existing` are kept
 * (Mastodon's encryption keys must never change once set), so calling this again on an
 * upgrade only fills in what the new version adds. Captured secrets are left out: an
 * app prints them during its first start.
 */
export function generateSecrets(
  template: AppTemplate,
  version: string,
  existing: Readonly<Record<string, string>> = {},
): Record<string, string> {
  if (!template.versions.some((candidate) => candidate.version === version)) {
    throw ValidationFailedError.field('version', problem<CatalogProblemCode>('version.unknown', { app: template.app, version, offered: template.versions.map((v) => v.version).join(', ') }));
  }
  const secrets: Record<string, string> = {};
  // Private keys first, so a public key is always derived from the stored private one.
  const ordered = [...template.secrets].sort((a, b) => Number(a.kind === 'vapid-public-key') - Number(b.kind === 'vapid-public-key'));
  for (const secret of ordered) {
    if (secret.kind === 'captured') continue;
    const kept = existing[secret.name];
    if (kept !== undefined) {
      secrets[secret.name] = kept;
      continue;
    }
    switch (secret.kind) {
      case 'random':
        secrets[secret.name] = randomString(secret.length, secret.alphabet);
        break;
      case 'vapid-private-key':
        secrets[secret.name] = newVapidPrivateKey();
        break;
      case 'vapid-public-key':
        secrets[secret.name] = vapidPublicKey(secrets[secret.of]);
        break;
    }
  }
  return secrets;
}

/**
 * Web Push (VAPID, RFC 8292) keys in the form the web-push libraries use: the raw
 * 32-byte P-256 private scalar and the 65-byte uncompressed public point, base64url
 * without padding (Mastodon's webpush gem accepts it with or without).
 */
export function newVapidPrivateKey(): string {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  // getPrivateKey() drops leading zero bytes; the key is always 32 bytes on the wire.
  return leftPad(ecdh.getPrivateKey(), 32).toString('base64url');
}

export function vapidPublicKey(privateKey: string): string {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(privateKey, 'base64url'));
  return ecdh.getPublicKey(null, 'uncompressed').toString('base64url');
}

function leftPad(bytes: Buffer, length: number): Buffer {
  return bytes.length >= length ? bytes : Buffer.concat([Buffer.alloc(length - bytes.length), bytes]);
}
