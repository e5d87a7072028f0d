/**
 * MySQL and MariaDB through `mysql2/promise`: a small pool per plugin,
 * server-side prepared statements (`execute`, `?` placeholders), each page
 * in its own transaction, read-only for exporters.
 * @module
 */
import mysql from 'mysql2/promise';
import { type SqlDatabase, labelled } from './database.ts';
import { bindValues } from './params.ts';

export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  ssl: boolean;
}

export function openMysql(target: MysqlTarget, timeoutMs: number): SqlDatabase {
  const pool = mysql.createPool({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ...(target.ssl ? { ssl: {} } : {}),
    connectionLimit: 4,
    maxIdle: 0,
    idleTimeout: 10_000,
    connectTimeout: timeoutMs,
    // Exact values: big integers beyond 2^53 as text, dates as stored.
    supportBigNumbers: true,
    dateStrings: true,
    multipleStatements: false,
  });
  return {
    async transaction(options, work) {
      const connection = await pool.getConnection();
      let broken = false;
      try {
        await connection.query(options.readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION');
        // Values go as text: MySQL 8 refuses a number bound as DOUBLE (how mysql2 sends numbers) in LIMIT ?.
        const execute = (text: string, values: (string | number)[]) =>
          connection.execute({ sql: text, values: values.map(String), timeout: options.timeoutMs });
        const result = await work({
          rows: (sql, values) => labelled(sql, options.signal, async () => (await execute(sql.text, bindValues(sql, values)))[0] as Record<string, unknown>[]),
          run: (sql, values) =>
            labelled(sql, options.signal, async () => ((await execute(sql.text, bindValues(sql, values)))[0] as mysql.ResultSetHeader).affectedRows),
        });
        await connection.query(options.rollback ? 'ROLLBACK' : 'COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        if (broken) connection.destroy();
        else connection.release();
      }
    },
    close: () => pool.end(),
  };
}
