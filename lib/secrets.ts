/**
 * Keys derived from the one APP_SECRET, one per purpose, so that knowing a
 * subject hash never helps to forge a confirmation key or a download name.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Secret } from './config.ts';

export type KeyPurpose = 'subject' | 'confirmation' | 'export-file' | 'export-draft' | 'admin-session' | 'admin-csrf' | 'appeal' | 'api-token' | 'callback';

function derive(secret: Secret, purpose: KeyPurpose): Buffer {
  return createHmac('sha256', secret.reveal()).update(`dsr-engine:${purpose}`).digest();
}

/**
 * HMAC of `message` under the key derived for `purpose`, base64url without padding (43 chars, 256 bits).
 * @example keyedToken(secret, 'confirmation', 'req-1:0')
 */
export function keyedToken(secret: Secret, purpose: KeyPurpose, message: string): string {
  return createHmac('sha256', derive(secret, purpose)).update(message).digest('base64url');
}

/**
 * The keyed hash that stands for a person everywhere Temporal can see:
 * workflow IDs and search attributes never hold the email itself.
 */
export function subjectHash(secret: Secret, email: string): string {
  return createHmac('sha256', derive(secret, 'subject')).update(normaliseEmail(email)).digest('hex').slice(0, 32);
}

/** Emails compare case-insensitively and without surrounding space, as WordPress's database does. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * SHA-256 hex of a key, where only the hash is kept: a confirmation key, a
 * mail's idempotency key (its ledger name), an email address as a rate-limit key.
 */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** Constant-time equality of two strings of any length (compares their SHA-256), e.g. a token against the configured one. */
export function sameText(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The key of the appeal link in a refusal's mail: derived from the request id, so only that mail carries it. */
export function appealKey(secret: Secret, requestId: string): string {
  return keyedToken(secret, 'appeal', requestId);
}

/**
 * The token in a page's callback URL: derived from the request, the plugin and the page, so it
 * is good for that one page only and nothing needs storing to check it.
 */
export function callbackToken(secret: Secret, requestId: string, plugin: string, page: number): string {
  return keyedToken(secret, 'callback', `${requestId}|${plugin}|${page}`);
}

/** Where a processor posts the final answer of a page it accepted for later (`POST`, server/callbacks.ts). */
export function callbackUrl(publicUrl: string, secret: Secret, requestId: string, plugin: string, page: number): string {
  const token = callbackToken(secret, requestId, plugin, page);
  return `${publicUrl}/callbacks/${encodeURIComponent(requestId)}/${encodeURIComponent(plugin)}/${page}/${token}`;
}
