import { existsSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import type { ExportPair, PluginContext } from '../contract.ts';
import { ManifestError } from '../../lib/errors.ts';
import { findDemoUser, openDemoDb, type UserRow } from './schema.ts';

export { findDemoUser, type UserRow };

const connections = new Map<string, Database>();

/**
 * The demo database named by `ctx.settings.database` (relative to the manifest's
 * directory), resolved through `ctx.resolvePath` so that it must lie under the
 * entry's declared paths, opened once per mode and resolved path and cached for the process.
 * `'read'` opens the file read-only, as it is: no schema step, so an exporter cannot change it
 * (a file from before a column existed gets it from {@link openDemoDb}, when seeded or first erased).
 *
 * @param mode `'read'` for exporters (`permissions.read` or `write`), `'write'` for erasers (`permissions.write`)
 * @throws {ManifestError} If the setting is missing or the file does not exist:
 *   an empty new database would silently export nothing.
 * @throws {PermissionError} If the file is not under the entry's declared paths.
 * @example const db = demoDbFor(ctx, 'write');
 */
export function demoDbFor(ctx: Pick<PluginContext, 'settings' | 'resolvePath'>, mode: 'read' | 'write' = 'read'): Database {
  const setting = ctx.settings.database;
  if (typeof setting !== 'string' || setting === '') {
    throw new ManifestError(`Cannot open demo database: settings.database must be a file path, got ${JSON.stringify(setting)}`);
  }
  const path = ctx.resolvePath(setting, mode);
  const key = `${mode}\0${path}`;
  let db = connections.get(key);
  if (db === undefined) {
    if (!existsSync(path)) {
      throw new ManifestError(`Cannot open demo database "${path}": file does not exist (seed it first or fix settings.database)`);
    }
    db = mode === 'read' ? new Sqlite(path, { readonly: true, fileMustExist: true, timeout: 5000 }) : openDemoDb(path);
    // SQLite's default cache of 2 MB, not better-sqlite3's 16 MB: each page of an export is read
    // once, and the larger cache only held up to 16 MB of the table in the worker.
    db.pragma('cache_size = -2000');
    connections.set(key, db);
  }
  return db;
}

/**
 * `make(db)` once per connection, for the statements a plugin would otherwise prepare on every page.
 *
 * @example const queries = perConnection((db) => ({ count: db.prepare('SELECT count(*) AS n FROM users') }));
 *   queries(db).count.get();
 */
export function perConnection<T>(make: (db: Database) => T): (db: Database) => T {
  const made = new WeakMap<Database, T>();
  return (db) => {
    let value = made.get(db);
    if (value === undefined) {
      value = make(db);
      made.set(db, value);
    }
    return value;
  };
}

/**
 * Name/value pairs with the empty values (`null`, `undefined`, `''`) left out, as WordPress does.
 *
 * @example nonEmptyPairs([['User URL', ''], ['User ID', 1]]); // → [{ name: 'User ID', value: 1 }]
 */
export function nonEmptyPairs(entries: ReadonlyArray<readonly [string, string | number | null | undefined]>): ExportPair[] {
  const pairs: ExportPair[] = [];
  for (const [name, value] of entries) if (value !== null && value !== undefined && value !== '') pairs.push({ name, value });
  return pairs;
}

/**
 * The SQL window of a 1-based page. `limit` is one more than the page size, so that
 * a full last page is known to be last (no trailing empty page).
 *
 * @throws {RangeError} If `page` or `pageSize` is not a positive integer.
 * @example pageWindow(2, 500); // → { size: 500, limit: 501, offset: 500 }
 */
export function pageWindow(page: number, pageSize: number): { size: number; limit: number; offset: number } {
  if (!Number.isSafeInteger(page) || page < 1) throw new RangeError(`Cannot read page ${page}: page must be an integer >= 1`);
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`Cannot read page ${page}: page size must be an integer >= 1, got ${pageSize}`);
  return { size: pageSize, limit: pageSize + 1, offset: (page - 1) * pageSize };
}

/** Closes every cached plugin connection (for tests and worker shutdown). */
export function closeDemoConnections(): void {
  for (const db of connections.values()) db.close();
  connections.clear();
}
