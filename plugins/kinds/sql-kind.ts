/** The `sql` kind in plugins.yaml: a query (exporter) or statements (eraser) against a database (sql.ts). */
import { z } from 'zod';
import { envName } from '../../manifest/fields.ts';
import { defineKind, type PluginFactory } from './kind.ts';

const connection = envName.describe('environment variable holding postgres://, mysql:// or sqlite: connection URL');

export const sqlKind = defineKind({
  kind: 'sql',
  exporter: {
    connection,
    /** Bound parameters :email, :limit, :offset; never interpolated. */
    query: z.string().min(1),
    /** Item id template over the row's columns, e.g. "contact-{id}". */
    itemId: z.string().min(1),
    /** Label → column, in the order the pairs should appear. */
    fields: z.record(z.string(), z.string()).refine((fields) => Object.keys(fields).length > 0, 'expected at least one field'),
    groupId: z.string().min(1),
    groupLabel: z.string().min(1),
  },
  eraser: {
    connection,
    /** Run in order, in one transaction, per page; bound parameters :email and :limit. */
    statements: z.array(z.string().min(1)).min(1),
    /** What is kept and why: a query answering one row with a `count` column. */
    retain: z.strictObject({ query: z.string().min(1), reason: z.string().min(1) }).optional(),
  },
  source: (entry): SqlSource =>
    'query' in entry
      ? { kind: 'sql', connection: entry.connection, query: entry.query, itemId: entry.itemId, fields: entry.fields }
      : { kind: 'sql', connection: entry.connection, statements: entry.statements, ...(entry.retain ? { retain: entry.retain } : {}) },
  load: async (): Promise<PluginFactory> => (await import('./sql.ts')).createSqlPlugin,
});

export interface SqlSource {
  kind: 'sql';
  /** Name of the environment variable that holds the connection URL. */
  connection: string;
  query?: string;
  itemId?: string;
  fields?: Record<string, string>;
  statements?: string[];
  retain?: { query: string; reason: string };
}
