/**
 * The `http` kind: an exporter or eraser written in any language, behind an
 * HTTP endpoint. One signed POST per page; the wire protocol, the signature
 * and how a receiver verifies it (in Node and in Python) are in
 * docs/PLUGINS.md. The engine connects only to a host in `permissions.net`.
 */
import { signBody } from '../../lib/http-signature.ts';
import { ManifestError, PageTooLargeError, PermissionError, PluginContractError, PluginUnavailableError } from '../../lib/errors.ts';
import type { PluginSnapshot } from '../../manifest/snapshot.ts';
import type { HttpSource } from './http-kind.ts';
import type { PluginContext } from '../contract.ts';
import { type PageOrigin, pageLimits, pageTooLarge } from '../host/page-limits.ts';
import { assertEnvAllowed, assertNetAllowed } from '../permissions.ts';
import type { PluginFunction, PluginRole } from '../contract.ts';

export { signBody, type VerifySignatureOptions, verifySignature } from '../../lib/http-signature.ts';

/**
 * The page function of an `http` entry. Checks at once that its host and secret variable are declared.
 *
 * @throws {PermissionError} if the URL's host is not in `permissions.net` or the secret's variable not in `permissions.env`
 * @example const exportPage = createHttpPlugin(exporter, exporter.source, 'exporter'); await exportPage(email, 1, ctx);
 */
export function createHttpPlugin(plugin: PluginSnapshot, source: HttpSource, role: PluginRole): PluginFunction {
  const url = endpointOf(plugin, source, role);
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
      ...(ctx.callbackUrl !== undefined ? { callback_url: ctx.callbackUrl } : {}),
      ...(ctx.ticket !== undefined ? { ticket: ctx.ticket } : {}),
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

/**
 * The entry's endpoint: its `url`, or the value of its `urlEnv` variable (declared in permissions.env).
 * @throws {ManifestError} when the variable is unset or not an http(s) URL
 */
function endpointOf(plugin: PluginSnapshot, source: HttpSource, role: PluginRole): URL {
  if (source.urlEnv === undefined) return new URL(source.url ?? '');
  assertEnvAllowed(plugin, role, source.urlEnv);
  const value = process.env[source.urlEnv];
  const url = value ? URL.parse(value) : null;
  if (!url || !/^https?:$/.test(url.protocol)) {
    throw new ManifestError(
      `Cannot call ${role} "${plugin.key}": its urlEnv variable "${source.urlEnv}" ${value ? 'is not an http:// or https:// URL' : 'is not set'}; set it to the endpoint's address`,
    );
  }
  return url;
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
