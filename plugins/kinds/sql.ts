/**
 * The `sql` kind: an exporter or eraser written as SQL in plugins.yaml, no
 * code, against PostgreSQL, MySQL/MariaDB or SQLite.
 *
 * ```yaml
 * exporters:
 *   - key: crm-contacts
 *     name: CRM contacts
 *     kind: sql
 *     connection: CRM_DATABASE_URL          # the variable's NAME; it holds postgres://…, mysql://… or sqlite:…
 *     query: SELECT id, name, phone FROM contacts WHERE email = :email ORDER BY id LIMIT :limit OFFSET :offset
 *     itemId: contact-{id}
 *     fields: { Name: name, Phone: phone }
 *     groupId: crm-contacts
 *     groupLabel: CRM contacts
 *     permissions: { env: [CRM_DATABASE_URL], net: [db.internal:5432] }
 * erasers:
 *   - key: crm-contacts
 *     name: CRM contacts
 *     kind: sql
 *     connection: CRM_DATABASE_URL
 *     statements:
 *       - DELETE FROM contacts WHERE id IN (SELECT id FROM contacts WHERE email = :email LIMIT :limit)
 *     retain: { query: SELECT count(*) AS count FROM invoices WHERE email = :email, reason: tax law (10 years) }
 *     supportsDryRun: true
 *     permissions: { env: [CRM_DATABASE_URL], net: [db.internal:5432] }
 * ```
 *
 * `:email`, `:limit` and `:offset` are bound parameters, never text spliced into the SQL (see
 * sql/params.ts). Every SQL must use `:email`. Exporters read in a read-only transaction (a read-only
 * connection for SQLite). What is checked when the plugin is created: the environment variable and the
 * host against the plugin's permissions, the URL, every parameter; the SQLite file against
 * `permissions.read` / `permissions.write` on the first page (it is relative to plugins.yaml).
 * @module
 */
import { ManifestError } from '../../lib/errors.ts';
import type { EraserSnapshot, PluginSnapshot } from '../../manifest/snapshot.ts';
import type { SqlSource } from './sql-kind.ts';
import type { PluginFunction, PluginRole } from '../contract.ts';
import { readTarget } from './sql/connect.ts';
import { sqlEraser } from './sql/eraser.ts';
import { pageLimits } from '../host/page-limits.ts';
import { sqlExporter } from './sql/exporter.ts';
import { type CompiledSql, compileSql, type ParamName } from './sql/params.ts';

export { closeSqlConnections } from './sql/connect.ts';

/**
 * @throws {PermissionError} when the connection's variable, host or file is not declared
 * @throws {ManifestError} when the entry, the URL or the SQL is wrong
 */
export function createSqlPlugin(plugin: PluginSnapshot, source: SqlSource, role: PluginRole): PluginFunction {
  const who = `${role} "${plugin.key}"`;
  const fail = (problem: string): never => {
    throw new ManifestError(`Cannot use ${who}: ${problem}`);
  };
  const target = readTarget(plugin, source.connection, role);
  const compile = (sql: string, allowed: ParamName[], label: string): CompiledSql => {
    let compiled: CompiledSql;
    try {
      compiled = compileSql(sql, target.dialect, allowed, label);
    } catch (error) {
      throw error instanceof ManifestError ? new ManifestError(`Cannot use ${who}: ${error.message}`) : error;
    }
    if (!compiled.uses.has('email')) fail(`${label} does not use :email, so it would reach everyone's data`);
    return compiled;
  };

  if (role === 'exporter') {
    const { query, itemId, fields } = source;
    if (query === undefined || itemId === undefined || fields === undefined) return fail('a sql exporter needs query, itemId and fields');
    if (!plugin.group) return fail('a sql exporter needs groupId and groupLabel');
    const compiled = compile(query, ['email', 'limit', 'offset'], 'query');
    if (compiled.uses.has('limit') !== compiled.uses.has('offset')) {
      fail('query uses one of :limit and :offset without the other; use both to page, or neither for a single page');
    }
    // A single-page query is fetched with a row cap one past maxPageItems, so a person with
    // 600,000 rows fails that page clearly instead of filling the worker's memory. A paged
    // query is bounded by :limit (pageSize, which loading checked against maxPageItems). Only a
    // SELECT (or WITH … SELECT) can be a subquery; anything else is checked once fetched.
    const bounded =
      compiled.uses.has('limit') || !/^\s*(select|with)\b/i.test(query)
        ? compiled
        : compile(`SELECT * FROM (\n${query.replace(/;\s*$/, '')}\n) AS dsr_page LIMIT ${pageLimits(plugin).maxPageItems + 1}`, ['email'], 'query');
    return sqlExporter(plugin, target, { query: { ...bounded, label: compiled.label, uses: compiled.uses }, itemId, fields, group: plugin.group });
  }

  const { statements, retain } = source;
  if (statements === undefined || statements.length === 0) return fail('a sql eraser needs statements');
  return sqlEraser(plugin, target, {
    statements: statements.map((sql, index) => compile(sql, ['email', 'limit'], `statements[${index}]`)),
    ...(retain ? { retain: { query: compile(retain.query, ['email'], 'retain.query'), reason: retain.reason } } : {}),
    maxRounds: (plugin as Partial<EraserSnapshot>).maxPages ?? 100_000,
  });
}
