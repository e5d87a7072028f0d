/**
 * The secrets of named admin accounts, never kept in clear: passwords as
 * scrypt hashes (Node's built-in KDF, parameters in the string so they can
 * be raised later), API tokens as their SHA-256 (a 256-bit random token
 * needs no slow hash).
 */
import { createHash, randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt's cost: 2^15 × 8 × 128 bytes = 32 MiB and ~60 ms a check; OWASP's minimum is 2^17 × 8 × 1 or 2^15 × 8 × 3. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 3, keyLength: 32 } as const;
export const PASSWORD_HASH = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]{22,})\$([A-Za-z0-9_-]{43})$/;
export const TOKEN_HASH = /^sha256:[0-9a-f]{64}$/;

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))));
}

const scryptOptions = (N: number, r: number, p: number): ScryptOptions => ({ N, r, p, maxmem: 256 * N * r + 1024 * 1024 });

/** A password hash for ADMIN_USERS: scrypt with a random salt, its parameters in the string. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.keyLength, scryptOptions(SCRYPT.N, SCRYPT.r, SCRYPT.p));
  return `scrypt$N=${SCRYPT.N},r=${SCRYPT.r},p=${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `password` matches `hash` (constant time in the key comparison). */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const match = PASSWORD_HASH.exec(hash);
  if (!match) return false;
  const [, N, r, p, salt, expected] = match as unknown as [string, string, string, string, string, string];
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), SCRYPT.keyLength, scryptOptions(Number(N), Number(r), Number(p)));
  return timingSafeEqual(key, Buffer.from(expected, 'base64url'));
}

/** The ADMIN_USERS form of an API token: its SHA-256 (a 256-bit random token needs no slow hash). */
export function hashToken(token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('hex')}`;
}

/** A new API token: 256 random bits. */
export function newToken(): string {
  return `dsr_${randomBytes(32).toString('base64url')}`;
}
