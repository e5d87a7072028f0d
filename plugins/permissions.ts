/**
 * Least privilege for plugins, Deno-style: an entry in plugins.yaml declares
 * the hosts, environment variables and paths it needs, and the engine
 * refuses anything else with a PermissionError that names the plugin and
 * the permission it lacks. This binds the engine's own kinds (sql, http)
 * and module plugins that go through `ctx`; it is not an OS sandbox.
 */
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { PermissionError } from '../lib/errors.ts';
import type { ExporterSnapshot } from '../manifest/snapshot.ts';

type Plugin = Pick<ExporterSnapshot, 'key' | 'permissions'>;

/** Default ports, so `host` in permissions.net covers `https://host/` and `host:443` alike. */
const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443', 'postgres:': '5432', 'postgresql:': '5432', 'mysql:': '3306' };

/**
 * Refuses a connection to a host the plugin has not declared.
 * `permissions.net` entries are `host`, `host:port` or `*.domain`.
 * @throws {PermissionError}
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

/** @throws {PermissionError} when `name` is not in the plugin's permissions.env */
export function assertEnvAllowed(plugin: Plugin, role: string, name: string): void {
  if (!plugin.permissions.env.includes(name)) {
    throw new PermissionError(
      `Cannot let ${role} "${plugin.key}" read the environment variable "${name}": it is not in its permissions.env; add it to permissions.env in plugins.yaml if it should`,
    );
  }
}

/**
 * Refuses a path outside the plugin's declared `read` (or, for changes, `write`) paths.
 * Symbolic links are resolved first, so a link cannot lead outside.
 * @returns the resolved path
 * @throws {PermissionError}
 */
export function assertPathAllowed(plugin: Plugin, role: string, path: string, mode: 'read' | 'write'): string {
  const target = realish(resolve(path));
  const roots = mode === 'read' ? [...plugin.permissions.read, ...plugin.permissions.write] : plugin.permissions.write;
  const inside = roots.some((root) => {
    const rel = relative(realish(root), target);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(`..${sep}`));
  });
  if (!inside) {
    throw new PermissionError(
      `Cannot let ${role} "${plugin.key}" ${mode} "${path}": it is not under its permissions.${mode}; add the path (or a folder above it) to permissions.${mode} in plugins.yaml if it should`,
    );
  }
  return target;
}

function splitHostPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return [bracketed[1] as string, bracketed[2]];
  const colon = entry.lastIndexOf(':');
  return colon > 0 && entry.indexOf(':') === colon ? [entry.slice(0, colon), entry.slice(colon + 1)] : [entry, undefined];
}

/** The real path of `path`, or of its nearest existing parent joined with the rest (for files not yet created). */
function realish(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : resolve(realish(parent), relative(parent, path));
  }
}
