/**
 * Where a `sql` plugin's data lives: the URL in the environment variable the
 * manifest names, checked against the plugin's permissions before anything
 * connects, and one pool (or SQLite connection) per plugin and URL, kept for
 * the life of the process.
 *
 * Connection URLs:
 * - `postgres://user:password@host:5432/db` (or `postgresql://`), with the user always named; the options
 *   `sslmode`, `sslcert`, `sslkey`, `sslrootcert`, `ssl`, `application_name` and `options`, e.g. `?sslmode=require`.
 *   Where and as whom to connect is never taken from PG* variables or ~/.pgpass: the port defaults to 5432,
 *   the database to the user, the password to none.
 * - `mysql://user:password@host:3306/db`, `?ssl=true` for TLS
 * - `sqlite:/abs/path.sqlite`, `sqlite:///abs/path.sqlite`, or `sqlite:./rel/path.sqlite`, relative to the
 *   directory of plugins.yaml, like the paths in `permissions` (not to the worker's working directory)
 *
 * Credentials never appear in a message: databases are named by scheme, host, port and name only.
 * @module
 */
import { resolve } from 'node:path';
import { ManifestError } from '../../../lib/errors.ts';
import type { PluginSnapshot } from '../../../manifest/snapshot.ts';
import { DEFAULT_PORTS, assertEnvAllowed, assertNetAllowed, assertPathAllowed } from '../../permissions.ts';
import type { PluginRole } from '../../contract.ts';
import type { PluginContext } from '../../contract.ts';
import { type SqlDatabase, type SqlTransaction, StatementError, type TransactionOptions } from './database.ts';
import { classifySqlError } from './errors.ts';
import type { MysqlTarget } from './mysql.ts';
import type { Dialect } from './params.ts';
import type { PostgresParam, PostgresTarget } from './postgres.ts';
import { openSqlite } from './sqlite.ts';

export type SqlTarget = { where: string } & (
  | { dialect: 'postgres'; url: string; postgres: PostgresTarget }
  | { dialect: 'mysql'; url: string; mysql: MysqlTarget }
  | { dialect: 'sqlite'; path: string }
);

/** libpq options that make pg read a file: held to `permissions.read`. */
const PG_FILE_OPTIONS = ['sslcert', 'sslkey', 'sslrootcert'] as const;
/** Every option a postgres URL may set (see postgres.ts `postgresConfig`). */
const PG_OPTIONS: readonly PostgresParam[] = ['sslmode', 'ssl', ...PG_FILE_OPTIONS, 'application_name', 'options'];
/** libpq options that would connect somewhere other than the URL's host, past `permissions.net`. */
const PG_HOST_OPTIONS = ['host', 'hostaddr', 'port'];

/**
 * Reads the plugin's connection URL from `process.env[connection]` and checks it against the plugin's permissions.
 * @throws {PermissionError} when the variable or the host is not declared
 * @throws {ManifestError} when the variable is unset or holds no supported URL
 */
export function readTarget(plugin: PluginSnapshot, connection: string, role: PluginRole): SqlTarget {
  assertEnvAllowed(plugin, role, connection);
  const raw = process.env[connection]?.trim();
  const who = `${role} "${plugin.key}"`;
  if (!raw) {
    throw new ManifestError(`Cannot connect ${who}: the environment variable "${connection}" is not set; set it to a postgres://, mysql:// or sqlite: URL`);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1]?.toLowerCase();
  const bad = (problem: string): never => {
    throw new ManifestError(`Cannot connect ${who}: the URL in "${connection}" ${problem}`);
  };
  if (scheme === 'sqlite') {
    let path = raw.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2).startsWith('/') ? path.slice(2) : bad('should be sqlite:///absolute/path or sqlite:./relative/path');
    if (!path || path === ':memory:') bad('names no database file');
    return { dialect: 'sqlite', path, where: `sqlite ${path}` };
  }
  if (scheme !== 'postgres' && scheme !== 'postgresql' && scheme !== 'mysql') {
    return bad(`should start with postgres://, postgresql://, mysql:// or sqlite:, not "${scheme ?? raw.slice(0, 10)}"`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return bad('is not a valid URL');
  }
  if (!url.hostname) bad('names no host (Unix sockets are not supported: connect over TCP)');
  const dialect: Dialect = scheme === 'mysql' ? 'mysql' : 'postgres';
  const port = url.port || (DEFAULT_PORTS[url.protocol] as string);
  const where = `${dialect} ${url.hostname}:${port}${url.pathname}`;
  assertNetAllowed(plugin, role, url);
  if (dialect === 'postgres') {
    for (const option of PG_HOST_OPTIONS) if (url.searchParams.has(option)) bad(`sets "${option}": put the host and port in the URL itself`);
    const unknown = [...url.searchParams.keys()].filter((key) => !(PG_OPTIONS as readonly string[]).includes(key));
    if (unknown.length > 0)
      bad(`sets ${unknown.map((key) => `"${key}"`).join(', ')}; the options supported are ${PG_OPTIONS.map((key) => `"${key}"`).join(', ')}`);
    // pg would take a missing user from PGUSER or $USER, a port 0 as none (PGPORT): name them.
    if (!url.username) bad('names no user: write postgres://user:password@host/database');
    if (port === '0') bad('names port 0');
    const params: Partial<Record<PostgresParam, string>> = Object.fromEntries(url.searchParams);
    for (const option of PG_FILE_OPTIONS) {
      const file = params[option];
      if (file) params[option] = assertPathAllowed(plugin, role, file, 'read');
    }
    const user = decodeURIComponent(url.username);
    const postgres: PostgresTarget = {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(port),
      user,
      password: decodeURIComponent(url.password),
      database: decodeURIComponent(url.pathname.slice(1)) || user,
      params,
    };
    return { dialect, url: raw, postgres, where };
  }
  const unknown = [...url.searchParams.keys()].filter((key) => key !== 'ssl');
  if (unknown.length > 0) bad(`sets ${unknown.map((key) => `"${key}"`).join(', ')}; only "ssl=true" is supported`);
  const mysql: MysqlTarget = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
    ssl: url.searchParams.get('ssl') === 'true',
  };
  return { dialect, url: raw, mysql, where };
}

const open = new Map<string, SqlDatabase>();
let closingOnExit = false;

/** How one plugin reaches its database, page after page: made once per plugin function. */
export interface SqlConnection {
  plugin: PluginSnapshot;
  target: SqlTarget;
  role: PluginRole;
  /** The plugin's database: checked and found on the first page, only looked up on later ones. */
  database(manifestDir: string): SqlDatabase;
}

/**
 * The plugin's connection. Its database is opened on first use and kept. A SQLite file must be under the
 * plugin's `permissions.read` (exporters) or `permissions.write` (erasers: even a dry run writes, then rolls
 * back); that check (and the real path it resolves) is done on the first page, not on every one.
 */
export function sqlConnection(plugin: PluginSnapshot, target: SqlTarget, role: PluginRole): SqlConnection {
  let found: { manifestDir: string; key: string; opener: () => SqlDatabase } | undefined;
  return {
    plugin,
    target,
    role,
    database(manifestDir) {
      if (found?.manifestDir !== manifestDir) found = { manifestDir, ...findDatabase(plugin, target, role, manifestDir) };
      let database = open.get(found.key);
      if (!database) {
        database = found.opener();
        open.set(found.key, database);
        if (!closingOnExit) {
          closingOnExit = true;
          // Runs when nothing else is left to do; pools also let the process exit while idle.
          process.on('beforeExit', () => void closeSqlConnections());
        }
      }
      return database;
    },
  };
}

/**
 * The key of the plugin's database in the cache, and how to open it.
 * @throws {PermissionError} when a SQLite file is not under the permissions its role needs
 */
function findDatabase(plugin: PluginSnapshot, target: SqlTarget, role: PluginRole, manifestDir: string): { key: string; opener: () => SqlDatabase } {
  let id: string;
  let opener: () => SqlDatabase;
  switch (target.dialect) {
    case 'sqlite': {
      const file = assertPathAllowed(plugin, role, resolve(manifestDir, target.path), role === 'eraser' ? 'write' : 'read');
      id = file;
      opener = () => openSqlite(file, role === 'exporter');
      break;
    }
    case 'postgres':
      id = target.url;
      opener = () => whenLoaded(import('./postgres.ts').then((driver) => driver.openPostgres(target.postgres, plugin.timeoutMs)));
      break;
    case 'mysql':
      id = target.url;
      opener = () => whenLoaded(import('./mysql.ts').then((driver) => driver.openMysql(target.mysql, plugin.timeoutMs)));
      break;
  }
  return { key: `${role}\0${plugin.key}\0${id}`, opener };
}

/**
 * A database whose driver module is still loading. `pg` and `mysql2` are
 * imported only by a worker whose manifest uses them: each costs ~15 MB of
 * resident memory that a worker without such a plugin should not carry.
 */
function whenLoaded(loading: Promise<SqlDatabase>): SqlDatabase {
  loading.catch(() => {}); // surfaced by the first transaction()
  return {
    transaction: async (options, work) => (await loading).transaction(options, work),
    close: async () => (await loading.catch(() => undefined))?.close(),
  };
}

/**
 * Runs `work` in one transaction on the plugin's database, honouring `ctx.signal` between statements.
 * @throws {ManifestError} when the SQL or the connection settings are wrong
 * @throws {PluginUnavailableError} when the database cannot be reached or is busy (retryable)
 */
export async function inTransaction<T>(
  connection: SqlConnection,
  ctx: PluginContext,
  options: Pick<TransactionOptions, 'readOnly' | 'rollback'>,
  work: (tx: SqlTransaction) => Promise<T>,
): Promise<T> {
  const { plugin, target, role } = connection;
  ctx.signal.throwIfAborted();
  try {
    const database = connection.database(ctx.manifestDir);
    return await database.transaction({ ...options, signal: ctx.signal, timeoutMs: plugin.timeoutMs }, work);
  } catch (error) {
    if (ctx.signal.aborted && error === ctx.signal.reason) throw error;
    if (error instanceof StatementError) throw classifySqlError(error.cause, `${role} "${plugin.key}"`, target.where, error.label);
    throw classifySqlError(error, `${role} "${plugin.key}"`, target.where);
  }
}

/** Closes every pool and file the `sql` kind opened; the next page opens them again. For worker shutdown and tests. */
export async function closeSqlConnections(): Promise<void> {
  const all = [...open.values()];
  open.clear();
  await Promise.allSettled(all.map((database) => database.close()));
}
