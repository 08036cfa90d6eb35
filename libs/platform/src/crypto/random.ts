import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export const ALPHABETS = {
  alphanumeric: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  hex: '0123456789abcdef',
  // no look-alikes (0/O, 1/l/I): for passwords a person may have to type
  readable: 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789',
} as const;

export type AlphabetName = keyof typeof ALPHABETS;

/** A uniformly random string; randomInt rejects biased samples, unlike `byte % n`. */
export function randomString(length: number, alphabet: AlphabetName | string = 'alphanumeric'): string {
  const characters = alphabet in ALPHABETS ? ALPHABETS[alphabet as AlphabetName] : alphabet;
  if (characters.length < 2) throw new Error('alphabet needs at least two characters');
  let out = '';
  for (let i = 0; i < length; i++) out += characters[randomInt(characters.length)];
  return out;
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function constantTimeEqualHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
