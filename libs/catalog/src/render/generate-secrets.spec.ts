import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { resolve } from 'node:path';
import { ALPHABETS, DomainError } from '#platform';
import { loadTemplates } from '../templates/load-template.js';
import { generateSecrets, vapidPublicKey } from './generate-secrets.js';

const templates = loadTemplates(resolve(process.cwd(), 'templates'));
const mastodon = templates.get('mastodon')!;
const wordpress = templates.get('wordpress')!;

describe('generateSecrets', () => {
  it('makes every declared secret with its length and alphabet, except captured ones', () => {
    const secrets = generateSecrets(mastodon, '4.3');
    expect(Object.keys(secrets).sort()).toEqual(
      mastodon.secrets.filter((s) => s.kind !== 'captured').map((s) => s.name).sort(),
    );
    expect(secrets.admin_password).toBeUndefined();
    expect(secrets.secret_key_base).toMatch(/^[0-9a-f]{128}$/);
    expect(secrets.ar_primary_key).toMatch(/^[A-Za-z0-9]{32}$/);
    const readable = new RegExp(`^[${ALPHABETS.readable}]{24}$`);
    expect(generateSecrets(wordpress, '6.1').admin_password).toMatch(readable);
  });

  it('never repeats itself', () => {
    expect(generateSecrets(wordpress, '6.1').db_password).not.toBe(generateSecrets(wordpress, '6.1').db_password);
  });

  it('makes a real P-256 VAPID key pair in the raw base64url form web-push uses', () => {
    const { vapid_private_key: privateKey, vapid_public_key: publicKey } = generateSecrets(mastodon, '4.3');
    expect(privateKey).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes, no padding
    expect(publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/); // 65 bytes, no padding
    const point = Buffer.from(publicKey, 'base64url');
    expect(point[0]).toBe(0x04); // uncompressed point
    expect(vapidPublicKey(privateKey)).toBe(publicKey);

    // The pair signs and verifies ES256, as a push service checks a VAPID JWT.
    const jwk = { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') };
    const signingKey = createPrivateKey({ key: { ...jwk, d: privateKey }, format: 'jwk' });
    const signature = sign('sha256', Buffer.from('payload'), signingKey);
    expect(verify('sha256', Buffer.from('payload'), createPublicKey({ key: jwk, format: 'jwk' }), signature)).toBe(true);
  });

  it('keeps existing values and only adds what is missing (keys that must never change stay)', () => {
    const first = generateSecrets(mastodon, '4.3');
    const { ar_primary_key: _dropped, vapid_public_key: _alsoDropped, ...stored } = first;
    const again = generateSecrets(mastodon, '4.3', stored);
    expect(again.ar_deterministic_key).toBe(first.ar_deterministic_key);
    expect(again.ar_primary_key).not.toBe(first.ar_primary_key);
    // a missing public key is derived from the stored private key, not made up anew
    expect(again.vapid_public_key).toBe(first.vapid_public_key);
  });

  it('refuses a version the template does not offer', () => {
    expect(() => generateSecrets(mastodon, '9.9')).toThrow(DomainError);
    try {
      generateSecrets(mastodon, '9.9');
    } catch (error) {
      expect((error as DomainError).fields).toEqual({ version: { code: 'version.unknown', params: { app: 'mastodon', version: '9.9', offered: '4.3, 4.4' } } });
    }
  });
});
