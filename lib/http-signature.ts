/**
 * The signature of an HTTP body between the engine and a plugin's endpoint,
 * both ways: the engine signs each page request, a processor signs its
 * callbacks. HMAC-SHA256 over "<timestamp>.<body>" with a shared secret, in
 * `X-DSR-Timestamp` and `X-DSR-Signature: sha256=<hex>` (docs/PLUGINS.md).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Options of {@link verifySignature}. */
export interface VerifySignatureOptions {
  /** The shared secret (the value of the variable the entry's `secret:` names). */
  secret: string;
  /** The `X-DSR-Timestamp` header: Unix time in seconds. */
  timestamp: string | null | undefined;
  /** The `X-DSR-Signature` header: `sha256=<hex>`. */
  signature: string | null | undefined;
  /** The raw request body, exactly as received. */
  body: string | Uint8Array;
  /** How far the timestamp may be from `now`, either way. @default 300 */
  toleranceSeconds?: number;
  /** The receiver's clock, in milliseconds since the epoch. @default Date.now() */
  now?: number;
}

/**
 * Signs a request body as the engine does.
 *
 * @param now Milliseconds since the epoch. @default Date.now()
 * @returns The `X-DSR-Timestamp` and `X-DSR-Signature` header values
 * @example const { timestamp, signature } = signBody('s3cret', '{"email":"a@b.c","page":1}');
 */
export function signBody(secret: string, body: string | Uint8Array, now = Date.now()): { timestamp: string; signature: string } {
  const timestamp = String(Math.floor(now / 1000));
  return { timestamp, signature: `sha256=${_hmac(secret, timestamp, body)}` };
}

/**
 * Checks a signed request from the engine: the signature matches the raw body (compared in
 * constant time) and the timestamp is within `toleranceSeconds` of `now`.
 *
 * @returns `true` only for an authentic, fresh request; `false` for anything missing, malformed, forged or stale
 * @example
 * ```ts
 * const ok = verifySignature({ secret: process.env.HOOK_SECRET!, body: rawBody,
 *   timestamp: req.headers['x-dsr-timestamp'], signature: req.headers['x-dsr-signature'] });
 * if (!ok) return res.writeHead(401).end();
 * ```
 */
export function verifySignature({ secret, timestamp, signature, body, toleranceSeconds = 300, now = Date.now() }: VerifySignatureOptions): boolean {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !signature) return false;
  if (Math.abs(now / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(signature);
  if (!match) return false;
  return timingSafeEqual(Buffer.from(_hmac(secret, timestamp, body), 'hex'), Buffer.from(match[1] as string, 'hex'));
}

function _hmac(secret: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}
