/**
 * The `http` kind: an exporter or eraser written in any language, behind an
 * HTTP endpoint. One signed POST per page; the wire protocol, the signature
 * and how a receiver verifies it (in Node and in Python) are in
 * docs/PLUGINS.md. The engine connects only to a host in `permissions.net`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ManifestError, PageTooLargeError, PermissionError, PluginContractError, PluginUnavailableError } from '../../lib/errors.ts';
import type { PluginSnapshot, PluginSource } from '../../manifest/snapshot.ts';
import type { PluginContext } from '../contract.ts';
import { type PageOrigin, pageLimits, pageTooLarge } from '../host/page-limits.ts';
import { assertEnvAllowed, assertNetAllowed } from '../permissions.ts';
import type { PluginFunction, PluginRole } from '../contract.ts';

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

/**
 * The page function of an `http` entry. Checks at once that its host and secret variable are declared.
 *
 * @throws {PermissionError} if the URL's host is not in `permissions.net` or the secret's variable not in `permissions.env`
 * @example const exportPage = createHttpPlugin(exporter, exporter.source, 'exporter'); await exportPage(email, 1, ctx);
 */
export function createHttpPlugin(plugin: PluginSnapshot, source: Extract<PluginSource, { kind: 'http' }>, role: PluginRole): PluginFunction {
  const url = new URL(source.url);
  const endpoint = `${url.origin}${url.pathname}`; // for messages: no query string, no credentials
  assertNetAllowed(plugin, role, url);
  if (source.secret !== undefined) assertEnvAllowed(plugin, role, source.secret);
  const who = `${role} "${plugin.key}"`;

  return async function httpPage(email: string, page: number, ctx: PluginContext): Promise<unknown> {
    const body = JSON.stringify({
      email,
      page,
      requestId: ctx.requestId,
      role,
      ...(role === 'eraser' ? { dryRun: ctx.dryRun } : {}),
      ...(ctx.pageSize !== undefined ? { pageSize: ctx.pageSize } : {}),
      ...(ctx.cursor !== undefined ? { cursor: ctx.cursor } : {}),
    });
    const headers: Record<string, string> = { 'User-Agent': 'dsr-engine', ...source.headers, 'Content-Type': 'application/json' };
    if (source.secret !== undefined) {
      const secret = ctx.env[source.secret];
      if (!secret) throw new ManifestError(`Cannot sign the requests of ${who}: the environment variable "${source.secret}" (its secret) is not set`);
      const signed = signBody(secret, body);
      headers['X-DSR-Timestamp'] = signed.timestamp;
      headers['X-DSR-Signature'] = signed.signature;
    }
    const excerpt = (text: string, max: number) => _excerpt(text, email, max);
    let response: Response;
    let text: string;
    try {
      response = await ctx.fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: ctx.signal });
      text = response.ok ? await _readCapped(response, { role, plugin, page }) : await _readStart(response, 1024);
    } catch (error) {
      if (error instanceof PermissionError || error instanceof PageTooLargeError || ctx.signal.aborted) throw error;
      throw new PluginUnavailableError(`Cannot reach ${who} at "${endpoint}" (page ${page}): ${_networkReason(error)}`, { cause: error });
    }
    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    if (response.status >= 500 || response.status === 429) {
      throw new PluginUnavailableError(`Cannot get page ${page} from ${who}: "${endpoint}" answered ${status}: ${excerpt(text, 200)}`);
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      throw new ManifestError(
        `Cannot call ${who}: "${endpoint}" redirects (${status}) to "${excerpt(location, 200)}"; put the final address in its url in plugins.yaml`,
      );
    }
    if (!response.ok) {
      throw new PluginContractError(`Cannot get page ${page} from ${who}: "${endpoint}" answered ${status}: ${excerpt(text, 200)}`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new PluginContractError(`Cannot use page ${page} of ${who}: "${endpoint}" answered with invalid JSON: ${excerpt(text, 100)}`);
    }
  };
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

function _hmac(secret: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** At most `max` characters of an answer, on one line, with the person's email blanked out. */
function _excerpt(text: string, email: string, max: number): string {
  let line = text.replace(/\s+/g, ' ').trim();
  const address = email.trim();
  if (address !== '') line = line.replace(new RegExp(address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), '<email>');
  if (line === '') return '(empty body)';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/**
 * The whole answer as text, read as it streams in and refused as soon as it passes the plugin's
 * `maxPageBytes` (an announced Content-Length over it is refused before reading), so an
 * oversized page never sits whole in the worker's memory.
 * @throws {PageTooLargeError}
 */
async function _readCapped(response: Response, origin: PageOrigin): Promise<string> {
  const limit = pageLimits(origin.plugin).maxPageBytes;
  const announced = Number(response.headers.get('content-length') ?? Number.NaN);
  if (announced > limit) {
    await response.body?.cancel().catch(() => {});
    throw pageTooLarge(origin, announced);
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw pageTooLarge(origin);
    }
    parts.push(decoder.decode(value, { stream: true }));
  }
  parts.push(decoder.decode());
  return parts.join('');
}

/** The first `bytes` bytes of an error answer as text; the rest is not downloaded. */
async function _readStart(response: Response, bytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < bytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, bytes));
}

/** Why a connection failed, from undici's `fetch failed` and its cause (e.g. `ECONNREFUSED`). */
function _networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return `${(error as Error).message} (${cause.code})`;
  return error instanceof Error ? error.message : String(error);
}
