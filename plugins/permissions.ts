/**
 * Least privilege for plugins, Deno-style: an entry in plugins.yaml declares
 * the hosts, environment variables and paths it needs, and the engine
 * refuses anything else with a PermissionError that names the plugin and
 * the permission it lacks. The engine's own kinds (sql, http) check with the
 * `assert*` functions; module plugins get the same checks through the
 * capabilities of their context ({@link pluginCapabilities}: `ctx.fetch`,
 * `ctx.env`, `ctx.readFile`, `ctx.resolvePath`). This binds plugins that go
 * through `ctx`; it is not an OS sandbox.
 *
 * `permissions.net` entries are `host` (any port), `host:port`, `[ipv6]:port`
 * or `*.domain` (every subdomain of `domain`, not `domain` itself). Hosts are
 * matched by name, before any DNS lookup.
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { PermissionError } from '../lib/errors.ts';
import type { PluginSnapshot } from '../manifest/snapshot.ts';
import type { PluginContext } from './contract.ts';

type Plugin = Pick<PluginSnapshot, 'key' | 'permissions'>;

/** The capabilities {@link pluginCapabilities} scopes to one plugin. */
export type PluginCapabilities = Pick<PluginContext, 'fetch' | 'env' | 'readFile' | 'resolvePath'>;

/** Default ports, so `host` in permissions.net covers `https://host/` and `host:443` alike. */
export const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443', 'postgres:': '5432', 'postgresql:': '5432', 'mysql:': '3306' };

/** Redirects `ctx.fetch` follows itself, checking each `Location` against permissions.net. */
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Refuses a connection to a host the plugin has not declared in `permissions.net`.
 *
 * @param role `exporter` or `eraser`, for the message
 * @throws {PermissionError} naming the plugin and the host
 * @example assertNetAllowed({ key: 'crm', permissions }, 'exporter', new URL('https://api.crm.example/v1'));
 */
export function assertNetAllowed(plugin: Plugin, role: string, url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || DEFAULT_PORTS[url.protocol] || '';
  const allowed = plugin.permissions.net.some((entry) => {
    const [pattern, wantedPort] = splitHostPort(entry.toLowerCase());
    const hostMatches = pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern;
    return hostMatches && (wantedPort === undefined || wantedPort === port);
  });
  if (!allowed) {
    throw new PermissionError(
      `Cannot let ${role} "${plugin.key}" connect to "${host}${port ? `:${port}` : ''}": it is not in its permissions.net; add "${host}" to permissions.net in plugins.yaml if it should`,
    );
  }
}

/**
 * Refuses an environment variable the plugin has not declared in `permissions.env`.
 *
 * @throws {PermissionError} naming the plugin and the variable
 * @example assertEnvAllowed({ key: 'crm', permissions }, 'exporter', 'CRM_TOKEN');
 */
export function assertEnvAllowed(plugin: Plugin, role: string, name: string): void {
  if (!plugin.permissions.env.includes(name)) {
    throw new PermissionError(
      `Cannot let ${role} "${plugin.key}" read the environment variable "${name}": it is not in its permissions.env; add it to permissions.env in plugins.yaml if it should`,
    );
  }
}

/**
 * Refuses a path outside the plugin's declared `read` (or, for changes, `write`) paths;
 * `write` paths may be read too. Symbolic links are resolved first, so a link cannot lead outside.
 *
 * @param path An absolute path (a relative one is resolved against the working directory)
 * @returns the real path (links resolved), the one that was checked
 * @throws {PermissionError} naming the plugin, the path and the mode
 * @example assertPathAllowed(plugin, 'eraser', '/srv/uploads/a.png', 'write'); // → '/srv/uploads/a.png'
 */
export function assertPathAllowed(plugin: Plugin, role: string, path: string, mode: 'read' | 'write'): string {
  const target = realish(resolve(path));
  const roots = mode === 'read' ? [...plugin.permissions.read, ...plugin.permissions.write] : plugin.permissions.write;
  const inside = roots.some((root) => {
    const rel = relative(realish(root), target);
    return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
  });
  if (!inside) {
    throw new PermissionError(
      `Cannot let ${role} "${plugin.key}" ${mode} "${path}": it is not under its permissions.${mode}; add the path (or a folder above it) to permissions.${mode} in plugins.yaml if it should`,
    );
  }
  return target;
}

/**
 * The capabilities a plugin's context hands out, scoped to what its manifest entry declares:
 * `fetch` to the declared hosts only (every redirect hop checked), `env` with only the declared
 * variables (reading an undeclared one throws), and files under the declared paths only.
 *
 * @param manifestDir Directory of plugins.yaml: relative paths are resolved against it
 * @param signal Aborts every `fetch` and `readFile` (the page's timeout and cancellation)
 * @example const ctx = { ...rest, ...pluginCapabilities(exporter, 'exporter', snapshot.dir, controller.signal) };
 */
export function pluginCapabilities(plugin: Plugin, role: 'exporter' | 'eraser', manifestDir: string, signal?: AbortSignal): PluginCapabilities {
  const resolvePath = (path: string, mode: 'read' | 'write'): string => {
    if (typeof path !== 'string' || path === '') throw new TypeError(`Cannot resolve a path for ${role} "${plugin.key}": expected a non-empty string`);
    return assertPathAllowed(plugin, role, resolve(manifestDir, path), mode);
  };
  return {
    fetch: scopedFetch(plugin, role, signal),
    env: scopedEnv(plugin, role),
    resolvePath,
    readFile: async (path) => readFile(resolvePath(path, 'read'), signal ? { signal } : {}),
  };
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** `fetch` that connects only to declared hosts and follows redirects itself, checking every hop. */
function scopedFetch(plugin: Plugin, role: string, bound: AbortSignal | undefined): PluginContext['fetch'] {
  return async (input, init = {}) => {
    const signal = bound && init.signal ? AbortSignal.any([bound, init.signal]) : (init.signal ?? bound ?? null);
    const follow = init.redirect ?? 'follow';
    const headers = new Headers(init.headers);
    let url = new URL(input);
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body ?? null;
    for (let hop = 0; ; hop++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new PermissionError(`Cannot let ${role} "${plugin.key}" fetch "${url.protocol}" URLs: ctx.fetch allows http: and https: only`);
      }
      assertNetAllowed(plugin, role, url);
      const response = await fetch(url, { ...init, method, headers, body, signal, redirect: 'manual' });
      const location = response.headers.get('location');
      if (!REDIRECT_STATUSES.has(response.status) || location === null || follow === 'manual') return response;
      await response.body?.cancel();
      if (follow === 'error') throw new TypeError(`Cannot fetch "${url.origin}${url.pathname}": it redirects (${response.status}) and redirect is "error"`);
      if (hop === MAX_REDIRECTS) throw new TypeError(`Cannot fetch "${url.origin}${url.pathname}": more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, url);
      if ((response.status === 303 && method !== 'HEAD') || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = null;
        for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(name);
      } else if (body instanceof ReadableStream) {
        throw new TypeError(`Cannot fetch "${url.origin}${url.pathname}": it redirects (${response.status}) and a streamed body cannot be sent again`);
      }
      if (next.origin !== url.origin) for (const name of ['authorization', 'proxy-authorization', 'cookie']) headers.delete(name);
      url = next;
    }
  };
}

/** Node's hook for `console.log` / `util.inspect`, so logging a context never prints a secret. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * The declared variables (read now from `process.env`) behind a read-only Proxy: reading an
 * undeclared name throws a PermissionError instead of answering a silent `undefined`.
 * `JSON.stringify` gives `{}` and `console.log` shows the names only, never the values.
 */
function scopedEnv(plugin: Plugin, role: string): PluginContext['env'] {
  const names = plugin.permissions.env;
  const redacted = Object.create(Object.prototype, {
    toJSON: { value: () => ({}) },
    [INSPECT]: { value: () => `PluginEnv [${names.join(', ')}]` },
  }) as object;
  const values = Object.freeze(
    Object.assign(Object.create(redacted) as Record<string, string | undefined>, Object.fromEntries(names.map((name) => [name, process.env[name]]))),
  );
  return new Proxy(values, {
    get(target, key, receiver) {
      // Symbols and `then` (probed by `await`) are not variable names: never refuse them.
      if (typeof key === 'symbol' || key in target || key === 'then') return Reflect.get(target, key, receiver);
      assertEnvAllowed(plugin, role, key);
      return undefined; // unreachable: an own declared name is `in` target
    },
  });
}

function splitHostPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return [bracketed[1] as string, bracketed[2]];
  const colon = entry.lastIndexOf(':');
  return colon > 0 && entry.indexOf(':') === colon ? [entry.slice(0, colon), entry.slice(colon + 1)] : [entry, undefined];
}

/**
 * The real path of `path`; for a path that does not exist (a file not yet created), the real path of
 * its nearest existing parent joined with the rest. A dangling link counts as where it points, so
 * writing through it cannot create a file outside.
 */
function realish(path: string, hops = 0): string {
  try {
    return realpathSync(path);
  } catch {}
  try {
    if (hops < 40 && lstatSync(path).isSymbolicLink()) return realish(resolve(dirname(path), readlinkSync(path)), hops + 1);
  } catch {}
  const parent = dirname(path);
  return parent === path ? path : resolve(realish(parent, hops), basename(path));
}
