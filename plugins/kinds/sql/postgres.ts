/**
 * PostgreSQL through `pg`: a small pool per plugin, `$n` placeholders, and
 * each page in its own transaction with a `statement_timeout`, read-only for
 * exporters so an exporter's SQL cannot change anything. Where and as whom it
 * connects comes from the URL alone, never from PG* variables or ~/.pgpass.
 * @module
 */
import { readFileSync } from 'node:fs';
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

/** What the connection URL says (see connect.ts `readTarget`), taken apart. */
export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  /** `''` when the URL has none. */
  password: string;
  database: string;
  /** The URL's query options; `sslcert`, `sslkey` and `sslrootcert` are already checked against `permissions.read`. */
  params: Readonly<Partial<Record<PostgresParam, string>>>;
}

/** The query options a postgres URL may set. */
export type PostgresParam = 'sslmode' | 'ssl' | 'sslcert' | 'sslkey' | 'sslrootcert' | 'application_name' | 'options';

/**
 * pg's settings for a target. Each one pg would otherwise read from the environment or a file when
 * the URL leaves it out (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD then ~/.pgpass, PGSSLMODE,
 * PGSSLNEGOTIATION) is set, so the plugin connects exactly where its `net` and `env` permissions allowed.
 * PGOPTIONS and PGREPLICATION are still read when set: pg has no value that turns them off.
 */
export function postgresConfig(target: PostgresTarget): pg.ClientConfig {
  const { application_name, options } = target.params;
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    // A function, even for no password: only then does pg ask neither PGPASSWORD nor ~/.pgpass.
    password: () => target.password,
    ssl: tls(target.params),
    sslnegotiation: 'postgres',
    application_name: application_name ?? 'dsr-engine',
    ...(options !== undefined ? { options } : {}),
  };
}

export function openPostgres(target: PostgresTarget, timeoutMs: number): SqlDatabase {
  const pool = new pg.Pool({
    ...postgresConfig(target),
    max: 4,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: timeoutMs,
    allowExitOnIdle: true,
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

// ---------------------------------------------------------------------------------------------
// _helpers

/**
 * TLS as the URL asks for it, read the way pg reads a connection string: any `sslmode` (but
 * `disable`) or certificate file means TLS with the server's certificate verified (`no-verify`:
 * not verified); else `ssl=true` / `ssl=1` means TLS, `ssl=no-verify` TLS unverified. No option: no TLS.
 */
function tls(params: PostgresTarget['params']): pg.ClientConfig['ssl'] {
  const { sslmode, ssl, sslcert, sslkey, sslrootcert } = params;
  if (sslmode === undefined && !sslcert && !sslkey && !sslrootcert) {
    return ssl === 'no-verify' ? { rejectUnauthorized: false } : ssl === 'true' || ssl === '1';
  }
  if (sslmode === 'disable') return false;
  return {
    ...(sslmode === 'no-verify' ? { rejectUnauthorized: false } : {}),
    ...(sslcert ? { cert: readFileSync(sslcert, 'utf8') } : {}),
    ...(sslkey ? { key: readFileSync(sslkey, 'utf8') } : {}),
    ...(sslrootcert ? { ca: readFileSync(sslrootcert, 'utf8') } : {}),
  };
}
