/**
 * A `sql` exporter: one query, paged with `:limit` / `:offset`, each row an
 * item of the manifest's group with the manifest's label → column pairs.
 * A query without `:limit` and `:offset` is one page (a person's account row).
 * @module
 */
import { PluginContractError } from '../../../lib/errors.ts';
import type { PluginSnapshot } from '../../../manifest/snapshot.ts';
import type { ExportItem, ExportPage, ExportPair, PluginContext } from '../../contract.ts';
import { pageLimits, pageTooLong } from '../../host/page-limits.ts';
import { type SqlTarget, inTransaction, sqlConnection } from './connect.ts';
import { type Row, safeNumber } from './database.ts';
import type { CompiledSql } from './params.ts';

export interface SqlExporterSpec {
  query: CompiledSql;
  /** e.g. `contact-{id}`: each `{column}` is replaced by the row's value. */
  itemId: string;
  /** Label → column, in order. */
  fields: Record<string, string>;
  group: { id: string; label: string; description: string };
}

/** Items per page when the manifest sets no `pageSize`. */
export const DEFAULT_PAGE_SIZE = 100;

export function sqlExporter(plugin: PluginSnapshot, target: SqlTarget, spec: SqlExporterSpec) {
  const paged = spec.query.uses.has('limit');
  const connection = sqlConnection(plugin, target, 'exporter');
  return async (email: string, page: number, ctx: PluginContext): Promise<ExportPage> => {
    if (!paged && page > 1) return { data: [], done: true };
    const limit = ctx.pageSize ?? DEFAULT_PAGE_SIZE;
    const rows = await inTransaction(connection, ctx, { readOnly: true, rollback: false }, (tx) =>
      tx.rows(spec.query, { email, limit, offset: (page - 1) * limit }),
    );
    if (rows.length > pageLimits(plugin).maxPageItems) throw pageTooLong({ role: 'exporter', plugin, page }, 'rows');
    return { data: rows.map((row) => toItem(plugin.key, spec, row)), done: !paged || rows.length < limit };
  };
}

/**
 * A value as an export pair holds it: text, number, boolean or null. Dates become ISO 8601, integers
 * beyond 2^53 text, bytes base64, anything structured (JSON columns, arrays) its JSON text.
 */
function scalar(value: unknown): ExportPair['value'] {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return safeNumber(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------
// _helpers

function toItem(key: string, spec: SqlExporterSpec, row: Row): ExportItem {
  const column = (name: string, where: string): unknown => {
    if (!Object.hasOwn(row, name)) {
      throw new PluginContractError(
        `Cannot export a row of exporter "${key}": ${where} names the column "${name}", but the query answers only ${Object.keys(row)
          .map((c) => `"${c}"`)
          .join(', ')}`,
      );
    }
    return row[name];
  };
  const itemId = spec.itemId.replace(/\{([^{}]+)\}/g, (_, name: string) => {
    const value = scalar(column(name, `itemId "${spec.itemId}"`));
    if (value === null) throw new PluginContractError(`Cannot export a row of exporter "${key}": itemId "${spec.itemId}" needs "${name}", which is empty`);
    return String(value);
  });
  // Empty values are left out, as WordPress's exporters do.
  const data = Object.entries(spec.fields).flatMap(([name, col]): ExportPair[] => {
    const value = scalar(column(col, `fields["${name}"]`));
    return value === null || value === '' ? [] : [{ name, value }];
  });
  return {
    group_id: spec.group.id,
    group_label: spec.group.label,
    ...(spec.group.description ? { group_description: spec.group.description } : {}),
    item_id: itemId,
    data,
  };
}
