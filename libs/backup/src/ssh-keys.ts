import { generateKeyPairSync, randomBytes } from 'node:crypto';

/**
 * An SSH key pair for an sftp backup site, made with node:crypto: the private key in
 * OpenSSH's own format (what ssh reads for Ed25519), the public key as an authorized_keys
 * line to install on the server. The caller seals the private key; it is never logged.
 */
export interface SshKeyPair {
  privateKey: string;
  publicKey: string;
}

function sshString(value: Buffer | string): Buffer {
  const data = Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0);
  return buffer;
}

const COMMENT = /^[A-Za-z0-9@._-]{0,64}$/;

export function generateSshKeyPair(comment = 'allmende-backup'): SshKeyPair {
  if (!COMMENT.test(comment)) throw new Error('comment must be plain characters (letters, digits, @ . _ -)');
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d!, 'base64url');
  const pub = Buffer.from(jwk.x!, 'base64url');
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);

  const check = randomBytes(4).readUInt32BE(0);
  let secret = Buffer.concat([uint32(check), uint32(check), sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  const padding = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: padding }, (_, i) => i + 1))]);

  const body = Buffer.concat([Buffer.from('openssh-key-v1\0', 'latin1'), sshString('none'), sshString('none'), sshString(''), uint32(1), sshString(publicBlob), sshString(secret)]);
  const base64 = body.toString('base64').replace(/(.{70})/g, '$1\n').trimEnd();
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${base64}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${publicBlob.toString('base64')}${comment ? ` ${comment}` : ''}`,
  };
}
