/**
 * PostgreSQL through `pg`: a small pool per plugin, `$n` placeholders, and
 * each page in its own transaction with a `statement_timeout`, read-only for
 * exporters so an exporter's SQL cannot change anything.
 * @module
 */
import pg from 'pg';
import { type SqlDatabase, labelled, safeNumber } from './database.ts';
import { bindValues } from './params.ts';

/** Types kept as the text PostgreSQL sends: a `date` or `timestamp` has no time zone to convert from. */
const RAW_TEXT_TYPES = new Set([1082 /* date */, 1114 /* timestamp */]);
const INT8 = 20;

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (RAW_TEXT_TYPES.has(oid)) return (value: string) => value;
    if (oid === INT8) return (value: string) => safeNumber(BigInt(value));
    return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

export function openPostgres(url: string, timeoutMs: number): SqlDatabase {
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: timeoutMs,
    allowExitOnIdle: true,
    application_name: 'dsr-engine',
    types,
  });
  // An idle connection the server dropped: the pool discards it and the next page reconnects.
  pool.on('error', () => {});
  return {
    async transaction(options, work) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query(options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
        await client.query(`SELECT set_config('statement_timeout', $1, true)`, [String(Math.max(1, Math.floor(options.timeoutMs)))]);
        const result = await work({
          rows: (sql, values) =>
            labelled(sql, options.signal, async () => (await client.query(sql.text, bindValues(sql, values))).rows as Record<string, unknown>[]),
          run: (sql, values) => labelled(sql, options.signal, async () => (await client.query(sql.text, bindValues(sql, values))).rowCount ?? 0),
        });
        await client.query(options.rollback ? 'ROLLBACK' : 'COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

